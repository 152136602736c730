"""`post unpublish ID` end to end: the CLI, the store and the emulators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, ok
from tests.publishing.conftest import Accounts, create_due, posts_by_id, texts_on
from tests.publishing.test_every_adapter import connect, records_with, store  # noqa: F401
from tests.publishing.test_every_adapter import create_due as create_one_due


def unpublish(*args: str) -> list[dict]:
    return ok("post", "unpublish", *args, "--json").json()


def audit(action: str) -> list[dict]:
    return [e for e in ok("audit", "list", "--json").json() if e["action"] == action]


def test_cross_post_is_deleted_everywhere_and_a_repeat_is_done(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    targets = [accounts.x, accounts.bluesky, accounts.mastodon, accounts.feed]
    ids = create_due(["A typo went out everywhre"], targets)
    ok("publish", "due")
    ok("metrics", "sync")
    history = {i: ok("metrics", "show", str(i), "--json").json() for i in ids}

    outcomes = unpublish(str(ids[0]), "--group")
    assert sorted(o["account"] for o in outcomes) == sorted(targets)
    assert {o["outcome"] for o in outcomes} == {"deleted"}
    for platform in ("x", "bluesky", "mastodon"):
        assert texts_on(sandbox, platform) == [], platform
    assert json.loads(accounts.feed_path.read_text())["items"] == []
    assert {r["status"] for r in posts_by_id(ids).values()} == {"deleted"}
    assert len(audit("post.unpublish")) == 4
    # the metrics history stays, and a deleted post is not synced again
    assert {i: ok("metrics", "show", str(i), "--json").json() for i in ids} == history
    assert ok("metrics", "sync", "--json").json()["posts_checked"] == 0

    again = unpublish(str(ids[0]), "--group")
    assert {o["outcome"] for o in again} == {"already gone"}
    # the record stays: it cannot be deleted locally, nor edited or rescheduled
    kept = cli("post", "delete", str(ids[0]))
    assert kept.exit_code == 2 and "keeps its record" in kept.stderr
    assert cli("post", "schedule", str(ids[0]), "--at", "tomorrow 9am").exit_code == 2


def test_a_thread_is_deleted_last_part_first(accounts: Accounts, sandbox: SandboxServer) -> None:
    ids = create_due(["One.\n---\nTwo.\n---\nThree."], [accounts.x], thread=True)
    ok("publish", "due")
    [outcome] = unpublish(str(ids[0]))
    assert outcome["outcome"] == "deleted" and outcome["parts_deleted"] == 3
    order = [int(e["object"].split(":")[1]) for e in reversed(audit("post.unpublish"))]
    assert order == sorted(ids, reverse=True)
    assert texts_on(sandbox, "x") == []
    part = cli("post", "unpublish", str(ids[1]))
    assert part.exit_code == 2 and f"post {ids[0]}" in part.stderr


def test_gone_on_the_platform_already_counts_as_done(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    ids = create_due(["Deleted by hand in the app"], [accounts.mastodon])
    ok("publish", "due")
    sandbox.emulator("mastodon").statuses.clear()
    [outcome] = unpublish(str(ids[0]))
    assert outcome["outcome"] == "already gone"
    assert posts_by_id(ids)[ids[0]]["status"] == "deleted"


def test_a_platform_failure_is_reported_and_nothing_is_marked(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    ids = create_due(["Still up"], [accounts.bluesky])
    ok("publish", "due")
    sandbox.emulator("bluesky").faults.error_rate = 1.0
    run = cli("post", "unpublish", str(ids[0]))
    assert run.exit_code == 1 and "still published" in run.stderr
    assert "failed" in run.stdout
    assert posts_by_id(ids)[ids[0]]["status"] == "published"
    assert audit("post.unpublish_failed")
    sandbox.emulator("bluesky").faults.error_rate = 0.0
    assert unpublish(str(ids[0]))[0]["outcome"] == "deleted"


def test_a_revoked_token_fails_with_the_reconnect_hint(
    accounts: Accounts, sandbox: SandboxServer
) -> None:
    ids = create_due(["Token trouble"], [accounts.x])
    ok("publish", "due")
    emulator = sandbox.emulator("x")
    emulator.tokens.expire_all()
    emulator.tokens.refresh.clear()
    run = cli("post", "unpublish", str(ids[0]), "--json")
    assert run.exit_code == 1
    [outcome] = json.loads(run.stdout)
    assert outcome["outcome"] == "failed" and "accounts connect x" in outcome["detail"]
    assert posts_by_id(ids)[ids[0]]["status"] == "published"
    assert len(texts_on(sandbox, "x")) == 1


def test_unpublished_or_unsent_posts_are_left_alone(accounts: Accounts) -> None:
    draft = ok("post", "create", "Never sent", "--to", accounts.x, "--json").json()[0]
    [outcome] = unpublish(str(draft["id"]))
    assert outcome["outcome"] == "not published" and "draft" in outcome["detail"]
    assert cli("post", "unpublish", "nope").exit_code == 2
    assert cli("post", "unpublish", "99999").exit_code == 2


def test_roles_editor_yes_viewer_no_and_approvals_need_an_approver(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("users", "add", "ed@acme.test", "--role", "editor")
    ok("users", "add", "vi@acme.test", "--role", "viewer")
    ok("users", "add", "ad@acme.test", "--role", "admin")
    ids = create_due(["First", "Second"], [accounts.x])
    ok("publish", "due")
    viewer = cli("--as", "vi@acme.test", "post", "unpublish", str(ids[0]))
    assert viewer.exit_code == 2 and "editor" in viewer.stderr
    assert ok("--as", "ed@acme.test", "post", "unpublish", str(ids[0]), "--json").json()
    ok("policy", "set", "approval.editors", "true")
    editor = cli("--as", "ed@acme.test", "post", "unpublish", str(ids[1]))
    assert editor.exit_code == 2 and "admin" in editor.stderr
    assert posts_by_id(ids)[ids[1]]["status"] == "published"
    [outcome] = ok("--as", "ad@acme.test", "post", "unpublish", str(ids[1]), "--json").json()
    assert outcome["outcome"] == "deleted"


def test_discord_and_slack_webhooks(home: Path, sandbox: SandboxServer) -> None:
    from tests.helpers import init_store

    init_store()
    discord = sandbox.emulator("discord").create_webhook()
    slack = sandbox.emulator("slack").create_webhook()
    d = ok(
        "accounts", "connect", "discord", "--json",
        input=sandbox.base_url("discord") + discord["path"] + "\n",
    ).json()  # fmt: skip
    s = ok(
        "accounts", "connect", "slack", "--json",
        input=sandbox.base_url("slack") + slack["path"] + "\n",
    ).json()  # fmt: skip
    ids = create_due(["Hello channels"], [d["ref"], s["ref"]])
    ok("publish", "due")
    run = cli("post", "unpublish", str(ids[0]), "--group")
    assert run.exit_code == 1
    assert "Slack" in run.stdout and "incoming webhook only posts" in run.stdout
    assert "still published: slack" in run.stderr
    assert sandbox.emulator("discord").snapshot()["posts"] == []
    rows = posts_by_id(ids)
    assert sorted(r["status"] for r in rows.values()) == ["deleted", "published"]
    assert audit("post.unpublish_refused")


@pytest.fixture
def media_served(home: Path, sandbox: SandboxServer):  # type: ignore[no-untyped-def]
    folder = home / "data" / "media"
    sandbox.static["/media"] = folder
    yield folder
    sandbox.static.pop("/media", None)


def test_instagram_says_plainly_it_cannot(
    media_served: Path, sandbox: SandboxServer, browser: object, tmp_path: Path
) -> None:
    from tests.helpers import init_store
    from tests.publishing.test_media_platforms import jpeg

    init_store()
    account = ok(
        "accounts", "connect", "instagram", "--server", sandbox.base_url("instagram"),
        "--timeout", "10", "--json",
    ).json()  # fmt: skip
    post = ok(
        "post", "create", "Fresh beans", "--to", account["ref"],
        "--media", str(jpeg(tmp_path / "beans.jpg")), "--alt", "Beans", "--json",
    ).json()[0]  # fmt: skip
    ok("publish", "now", str(post["id"]))
    run = cli("post", "unpublish", str(post["id"]))
    assert run.exit_code == 1
    assert "not possible" in run.stdout and "Instagram" in run.stdout
    assert "delete it in the app" in run.stdout
    assert posts_by_id([post["id"]])[post["id"]]["status"] == "published"
    assert len(sandbox.emulator("instagram").snapshot()["posts"]) == 1


@pytest.mark.usefixtures("store")  # connected through the CLI, media served
@pytest.mark.parametrize("platform", ["facebook", "linkedin", "threads"])
def test_unpublish_on_facebook_linkedin_and_threads(
    sandbox: SandboxServer, platform: str, tmp_path: Path
) -> None:
    """The other platforms whose API deletes, connected and published through the CLI."""
    text = f"A typo on {platform}"
    ref = connect(platform, sandbox)
    post_id = create_one_due(ref, platform, text, tmp_path)
    ok("publish", "due")
    assert records_with(sandbox, platform, text) == 1
    [outcome] = unpublish(str(post_id))
    assert outcome["outcome"] == "deleted"
    assert records_with(sandbox, platform, text) == 0
    assert posts_by_id([post_id])[post_id]["status"] == "deleted"
    assert unpublish(str(post_id))[0]["outcome"] == "already gone"
