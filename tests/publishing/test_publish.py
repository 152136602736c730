"""`publish due` / `publish now` / `publish retry` against the emulators."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, ok
from tests.publishing.conftest import (
    Accounts,
    create_due,
    posts_by_id,
    publish_until_settled,
    texts_on,
)


def test_cross_post_goes_out_once_everywhere(accounts: Accounts, sandbox: SandboxServer) -> None:
    targets = [accounts.x, accounts.bluesky, accounts.mastodon, accounts.feed]
    ids = create_due(["Launch day at Acme 🚀 https://acme.example/launch"], targets)
    run = ok("publish", "due", "--json").json()
    assert sorted(run["published"]) == sorted(ids) and run["failed"] == []
    for platform in ("x", "bluesky", "mastodon"):
        texts = texts_on(sandbox, platform)
        assert len(texts) == 1 and texts[0].startswith("Launch day at Acme"), platform
    feed = json.loads(accounts.feed_path.read_text())
    assert [i["content_text"][:10] for i in feed["items"]] == ["Launch day"]
    rows = posts_by_id(ids)
    assert {r["status"] for r in rows.values()} == {"published"}
    assert all(
        r["platform_url"] or r["account"].startswith(("feed", "discord")) for r in rows.values()
    )
    # nothing left to do: a second run sends nothing
    assert ok("publish", "due", "--json").json()["published"] == []
    assert len(texts_on(sandbox, "x")) == 1


def test_thread_goes_out_in_order_as_replies(accounts: Accounts, sandbox: SandboxServer) -> None:
    text = "Part one of the story.\n---\nPart two continues.\n---\nPart three ends it."
    ids = create_due([text], [accounts.x], thread=True)
    assert len(ids) == 3
    ok("publish", "due")
    tweets = sorted(sandbox.emulator("x").snapshot()["tweets"], key=lambda t: int(t["id"]))
    assert [t["text"] for t in tweets] == [
        "Part one of the story.",
        "Part two continues.",
        "Part three ends it.",
    ]
    replied = [
        ((t.get("reply") or {}).get("in_reply_to_tweet_id") or t.get("in_reply_to_tweet_id"))
        for t in tweets
    ]
    assert replied[1] == tweets[0]["id"] and replied[2] == tweets[1]["id"]


def test_revoked_token_fails_the_post_with_a_reason_and_exit_1(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    ids = create_due(["Fine text"], [accounts.x])
    # the account's token is revoked for good: refresh fails → needs re-auth, post fails
    emulator = sandbox.emulator("x")
    emulator.tokens.expire_all()
    emulator.tokens.refresh.clear()
    run = cli("publish", "due", "--json")
    assert run.exit_code == 1
    failed = run.json()["failed"]
    assert [f["post"] for f in failed] == ids
    post = ok("post", "show", str(ids[0]), "--json").json()
    assert post["status"] == "failed" and post["last_error"]
    assert ok("accounts", "show", accounts.x, "--json").json()["status"] == "needs_reauth"
    assert texts_on(sandbox, "x") == []


def test_retry_after_transient_errors_then_success(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    ids = create_due([f"Retry me {i}" for i in range(6)], [accounts.mastodon])
    faults = sandbox.emulator("mastodon").faults
    faults.error_rate = 1.0
    first = cli("publish", "due", "--json")
    # a 5xx to a send may hide a stored post: the platform is asked first, and as it
    # cannot even be asked (5xx on the lookup too), the posts wait in `checking`
    assert first.exit_code == 1 and len(first.json()["checking"]) == 6, first.stdout
    assert {ok("post", "show", str(i), "--json").json()["status"] for i in ids} == {"checking"}
    faults.error_rate = 0.0
    import time

    time.sleep(0.1)  # past the (millisecond) wait before the next check
    ok("publish", "due")  # asks again: certainly absent → sent, once
    assert sorted(texts_on(sandbox, "mastodon")) == sorted(f"Retry me {i}" for i in range(6))
    attempts = ok("post", "show", str(ids[0]), "--json").json()["attempts"]
    assert [a["outcome"] for a in attempts] == ["unknown", "unknown", "ok"]


def test_publish_retry_puts_a_failed_post_back(
    accounts: Accounts, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__MAX_ATTEMPTS", "1")
    ids = create_due(["Try again later"], [accounts.bluesky])
    sandbox.emulator("bluesky").faults.rate_limit_rate = 1.0  # a 429: certainly not stored
    assert cli("publish", "due").exit_code == 1
    assert ok("post", "show", str(ids[0]), "--json").json()["status"] == "failed"
    sandbox.emulator("bluesky").faults.rate_limit_rate = 0.0
    ok("publish", "retry", str(ids[0]))
    ok("publish", "due")
    assert texts_on(sandbox, "bluesky") == ["Try again later"]


def test_drop_after_write_is_reconciled_never_resent(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    texts = [f"Dropped answer {i}" for i in range(8)]
    ids = create_due(texts, [accounts.x, accounts.bluesky, accounts.mastodon])
    for platform in ("x", "bluesky", "mastodon"):
        sandbox.emulator(platform).faults.drop_after_write = 1.0
    cli("publish", "due")
    for platform in ("x", "bluesky", "mastodon"):
        sandbox.emulator(platform).faults.drop_after_write = 0.0
    # no answer came back: each post waits in `checking` (HTTP timeout + margin), then
    # the platform is asked and finds it
    publish_until_settled(ids)
    for platform in ("x", "bluesky", "mastodon"):
        counts = Counter(texts_on(sandbox, platform))
        assert sorted(counts) == sorted(texts) and set(counts.values()) == {1}, platform
    statuses = Counter(r["status"] for r in ok("post", "list", "--json").json())
    assert statuses == {"published": 24}


def test_publish_now_sends_a_draft(accounts: Accounts, sandbox: SandboxServer) -> None:
    post = ok("post", "create", "Right now please", "--to", accounts.mastodon, "--json").json()[0]
    ok("publish", "now", str(post["id"]))
    assert texts_on(sandbox, "mastodon") == ["Right now please"]
    again = cli("publish", "now", str(post["id"]))
    assert again.exit_code == 2 and "already published" in again.stderr
