"""Issue 10: a send that may have landed is asked about, never re-sent blindly, and
"unknown" is a state to resolve (``checking``), not a verdict."""

from __future__ import annotations

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, ok
from tests.publishing.conftest import Accounts, create_due, texts_on
from tests.publishing.conftest import publish_until_settled as settle_all


def status_of(post_id: int) -> dict:
    return ok("post", "show", str(post_id), "--json").json()


def publish_until_settled(post_id: int) -> dict:
    return settle_all([post_id])[post_id]


def test_bluesky_5xx_after_the_write_landed_ends_published_with_one_record(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    """Case 3: a proxy answers 502 after the PDS stored the record. The retry asks
    getRecord on the deterministic rkey instead of sending createRecord again (the
    reference PDS would answer that with a bare 500)."""
    bsky = sandbox.emulator("bluesky")
    [post_id] = create_due(["Live although the proxy said 502"], [accounts.bluesky])
    bsky.faults.error_after_write_times = 1
    ok("publish", "due")
    shown = status_of(post_id)
    assert shown["status"] == "published", shown
    assert texts_on(sandbox, "bluesky") == ["Live although the proxy said 502"]
    assert bsky.calls["com.atproto.repo.createRecord"] == 1  # type: ignore[attr-defined]
    assert shown["platform_url"].endswith(bsky.snapshot()["posts"][0]["rkey"])


def test_a_repeated_rkey_answered_500_is_recognised_as_already_posted(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    """Even a blind second createRecord (a publisher that lost its answer) ends
    published with one record: the 500 the reference PDS gives is checked with getRecord."""
    from clientnest_cli.services.accounts import adapter_for
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts import outgoing_for
    from clientnest_cli.store.models import Post, SocialAccount
    from clientnest_cli.store.post_repos import Posts

    [post_id] = create_due(["Sent twice by mistake"], [accounts.bluesky])
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            post = session.get(Post, post_id)
            account = session.get(SocialAccount, post.account_id)  # type: ignore[union-attr]
            outgoing = outgoing_for(post, Posts(session).media(post_id), ctx.paths.media_dir)  # type: ignore[arg-type]
        adapter = adapter_for(ctx, account)  # type: ignore[arg-type]
        first = adapter.publish(outgoing)
        again = adapter.publish(outgoing)
    finally:
        ctx.close()
    assert again == first
    assert texts_on(sandbox, "bluesky") == ["Sent twice by mistake"]


def test_a_failing_lookup_waits_in_checking_then_settles_published_once(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    """Case 4: every write is cut after it landed and half the requests fail with a
    5xx, lookups included. The post must not fail for good while X holds it: it waits
    in `checking`, and once X answers again it is published — one tweet."""
    x = sandbox.emulator("x")
    x.faults.duplicate_rejection = False  # a resend would show as a second tweet
    [post_id] = create_due(["Checking, not failing"], [accounts.x])
    x.faults.update({"seed": 2, "error_rate": 0.5, "drop_after_write": 1.0})
    first = cli("publish", "due", "--json")
    assert status_of(post_id)["status"] != "failed", first.stdout
    x.faults.update({"error_rate": 0.0, "drop_after_write": 0.0})
    shown = publish_until_settled(post_id)
    assert shown["status"] == "published", shown
    assert texts_on(sandbox, "x") == ["Checking, not failing"]


def test_a_post_the_platform_cannot_be_asked_about_is_checked_then_unconfirmed(
    accounts: Accounts, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X answers every request with a 5xx: the send may have landed and no lookup
    gets through. The post is asked about again (checking) and ends `unconfirmed`
    ("outcome unknown") only after max_checks — never `failed`, as it may be live —
    and it is never sent a second time meanwhile."""
    from clientnest_cli.services.publisher import UNKNOWN_REASON

    monkeypatch.setenv("CLIENTNEST_PUBLISHING__MAX_CHECKS", "2")
    x = sandbox.emulator("x")
    [post_id] = create_due(["Nobody can tell"], [accounts.x])
    x.faults.error_rate = 1.0
    first = cli("publish", "due", "--json")
    assert first.exit_code == 1 and [c["post"] for c in first.json()["checking"]] == [post_id]
    shown = status_of(post_id)
    assert shown["status"] == "checking", shown
    assert shown["last_error"].startswith("checking whether it went out"), shown
    shown = publish_until_settled(post_id)
    assert shown["status"] == "unconfirmed", shown  # it may be live: not "failed"
    assert shown["last_error"].startswith(UNKNOWN_REASON), shown
    assert "asked 3 times" in shown["last_error"]
    assert x.calls["POST /2/tweets"] == 1  # type: ignore[attr-defined]  # never re-sent
