"""Small things a user notices around publishing and syncing (issue 17)."""

from __future__ import annotations

import time

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, ok
from tests.publishing.conftest import Accounts, create_due
from tests.publishing.test_metrics_sync import _platform_ids, clock  # noqa: F401 - a fixture


def test_accounts_sync_prints_the_rows_after_the_sync(accounts: Accounts) -> None:
    synced = {r["ref"]: r for r in ok("accounts", "sync", "--json").json()}
    for ref, row in synced.items():
        assert row["outcome"] == "ok"
        assert row["last_synced_at"] is not None, ref
        shown = ok("accounts", "show", ref, "--json").json()
        assert (row["followers"], row["last_synced_at"]) == (
            shown["followers"],
            shown["last_synced_at"],
        )


def test_publish_now_is_audited_as_the_person(accounts: Accounts) -> None:
    made = ok("post", "create", "Right now", "--to", accounts.x, "--json").json()
    ok("publish", "now", str(made[0]["id"]))
    events = ok("audit", "list", "--json").json()
    published = [e for e in events if e["action"] == "post.published"]
    assert [e["actor"] for e in published] == ["owner@acme.test"]


def test_a_successful_retry_clears_the_last_error(
    accounts: Accounts, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = create_due(["Second time lucky"], [accounts.mastodon])
    faults = sandbox.emulator("mastodon").faults
    faults.error_rate = 1.0
    assert cli("publish", "due").exit_code == 1
    assert ok("post", "show", str(ids[0]), "--json").json()["last_error"]
    faults.error_rate = 0.0
    time.sleep(0.1)  # past the (millisecond) backoff of fast_retries
    ok("publish", "due")
    post = ok("post", "show", str(ids[0]), "--json").json()
    assert post["status"] == "published" and post["last_error"] == ""
    # and through `publish retry` after a final failure: a refusal (422), since a 5xx
    # whose lookup fails too leaves the post `checking`, not failed
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__MAX_ATTEMPTS", "1")
    ids = create_due(["Third time"], [accounts.mastodon])
    faults.error_rate, faults.error_status = 1.0, 422
    assert cli("publish", "due").exit_code == 1
    assert ok("post", "show", str(ids[0]), "--json").json()["status"] == "failed"
    faults.error_rate, faults.error_status = 0.0, 503
    ok("publish", "retry", str(ids[0]))
    ok("publish", "due")
    post = ok("post", "show", str(ids[0]), "--json").json()
    assert post["status"] == "published" and post["last_error"] == ""


def test_our_own_thread_parts_are_not_comments(
    accounts: Accounts,
    sandbox: SandboxServer,
    clock: object,  # noqa: F811 - the fixture imported above
) -> None:
    ids = create_due(
        ["First part.\n---\nSecond part.\n---\nThird part."], [accounts.x], thread=True
    )
    assert len(ids) == 3
    ok("publish", "due")
    refs = _platform_ids(ids)
    lead = min(ids)
    sandbox.emulator("x").add_reply(refs[lead][1], "fan_one", "Great thread")
    report = ok("metrics", "sync", "--comments", "--json").json()
    assert report["failures"] == []
    comments = {i: ok("metrics", "show", str(i), "--json").json()[0]["comments"] for i in ids}
    assert comments == {i: (1 if i == lead else 0) for i in ids}
    stored = ok("metrics", "comments", "--json").json()
    assert [c["text"] for c in stored] == ["Great thread"]
    # the same count at the top and per account
    per_account = {a["account"]: a["comments_new"] for a in report["accounts"]}
    assert report["comments_new"] == 1 == per_account[accounts.x]
    assert sum(per_account.values()) == report["comments_new"]
    text = ok("metrics", "sync", "--comments").stdout
    assert "new comments" in text.splitlines()[0]


def test_metrics_show_of_an_unpublished_post_says_so(accounts: Accounts) -> None:
    made = ok("post", "create", "Not yet", "--to", accounts.x, "--json").json()
    text = ok("metrics", "show", str(made[0]["id"])).stdout
    assert "it is draft, not published yet" in text and "metrics sync" not in text
