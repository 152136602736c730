"""Issue 10, per adapter, end to end through `publish due` and the emulators:

* a 5xx after the write landed (a proxy's 502 after the platform stored it) ends
  `published` with one record: the publisher asks the platform before any retry;
* a 3xx or an unexpected 2xx is an error quoting the answer, never `published`.

The local feed target is left out: it writes a file and has no HTTP answer to fake.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok
from tests.publishing.test_media_platforms import jpeg

PLATFORMS = [
    "x",
    "bluesky",
    "mastodon",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "tiktok",
    "discord",
    "slack",
]
NEEDS_MEDIA = {"instagram", "tiktok"}
# Webhooks cannot list what they posted: a 502 after the write cannot be told
# apart from one before it, so the post ends `unconfirmed` ("may have been sent —
# check the channel"), never re-sent by itself and never called failed.
CANNOT_LOOK = {"slack", "discord"}


@pytest.fixture
def store(
    home: Path, sandbox: SandboxServer, browser: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__BACKOFF_BASE_SECONDS", "0.01")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__BACKOFF_MAX_SECONDS", "0.05")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__CHECK_WAIT_SECONDS", "0.05")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__CHECK_WAIT_MAX_SECONDS", "0.2")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__MAX_CHECKS", "1")
    folder = home / "data" / "media"
    sandbox.static["/media"] = folder
    init_store()
    ok("users", "set-tier", "owner@acme.test", "business")
    yield home
    sandbox.static.pop("/media", None)


def connect(platform: str, sandbox: SandboxServer) -> str:
    emu = sandbox.emulator(platform)
    if platform == "bluesky":
        seeded = emu.seed_account("alice.bsky.sandbox")  # type: ignore[attr-defined]
        return ok(
            "accounts", "connect", "bluesky", "--server", sandbox.base_url("bluesky"),
            "--handle", "alice.bsky.sandbox", "--app-password", "--json",
            input=seeded["app_password"] + "\n",
        ).json()["ref"]  # fmt: skip
    if platform in CANNOT_LOOK:
        hook = emu.create_webhook()  # type: ignore[attr-defined]
        url = sandbox.base_url(platform) + hook["path"]
        return ok("accounts", "connect", platform, "--json", input=url + "\n").json()["ref"]
    if platform == "mastodon":
        emu.login_as("alice")  # type: ignore[attr-defined]
    return ok(
        "accounts", "connect", platform, "--server", sandbox.base_url(platform),
        "--timeout", "10", "--json",
    ).json()["ref"]  # fmt: skip


def create_due(ref: str, platform: str, text: str, tmp_path: Path) -> int:
    from datetime import timedelta

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post
    from clientnest_cli.store.types import utcnow

    media = ["--media", str(jpeg(tmp_path / "pic.jpg"))] if platform in NEEDS_MEDIA else []
    made = ok("post", "create", text, "--to", ref, *media, "--json").json()
    post_id = made[0]["id"]
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            post = session.get(Post, post_id)
            assert post is not None
            post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
            session.add(post)
    finally:
        ctx.close()
    return post_id


def records_with(sandbox: SandboxServer, platform: str, text: str) -> int:
    """How many of the emulator's own records carry ``text``."""
    snap = sandbox.emulator(platform).snapshot()
    items = snap.get("tweets") or snap.get("posts") or snap.get("statuses") or []
    if isinstance(items, dict):
        items = list(items.values())
    return sum(1 for item in items if text in json.dumps(item, ensure_ascii=False))


def settle(post_id: int, runs: int = 15) -> dict:
    """`publish due` until the post leaves scheduled/checking (bounded)."""
    shown = ok("post", "show", str(post_id), "--json").json()
    for _ in range(runs):
        if shown["status"] not in ("scheduled", "checking", "publishing"):
            break
        cli("publish", "due")
        shown = ok("post", "show", str(post_id), "--json").json()
        if shown["status"] in ("scheduled", "checking"):
            time.sleep(0.25)  # past the test's millisecond backoff / check wait
    return shown


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_5xx_after_the_write_landed_ends_published_with_one_record(
    platform: str, store: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    ref = connect(platform, sandbox)
    text = f"Stored, then a 502 ({platform})"
    post_id = create_due(ref, platform, text, tmp_path)
    sandbox.emulator(platform).faults.error_after_write_times = 1
    shown = settle(post_id)
    assert records_with(sandbox, platform, text) == 1, shown
    if platform in CANNOT_LOOK:
        assert shown["status"] == "unconfirmed", shown
        assert shown["last_error"].startswith("outcome unknown — check the account"), shown
        ok("publish", "confirm", str(post_id), "--sent")  # a person saw it in the channel
        assert ok("post", "show", str(post_id), "--json").json()["status"] == "published"
        assert records_with(sandbox, platform, text) == 1
    else:
        assert shown["status"] == "published", shown


@pytest.mark.parametrize("answer", [302, 202])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_3xx_or_an_unexpected_2xx_is_an_error(
    platform: str, answer: int, store: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    ref = connect(platform, sandbox)
    text = f"Not really sent ({platform}, {answer})"
    post_id = create_due(ref, platform, text, tmp_path)
    sandbox.emulator(platform).faults.wrong_status = answer
    run = cli("publish", "due", "--json")
    assert run.exit_code == 1, run.stdout
    shown = ok("post", "show", str(post_id), "--json").json()
    assert shown["status"] != "published", shown
    assert str(answer) in shown["last_error"], shown["last_error"]
    assert records_with(sandbox, platform, text) == 0


def test_tiktok_5xx_reading_creator_info_is_an_ordinary_retry(
    store: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Nothing is written before creator info is read, so its 5xx is not a send
    that may have landed: the post goes back to `scheduled`, never `checking`."""
    ref = connect("tiktok", sandbox)
    text = "Creator info first (tiktok)"
    post_id = create_due(ref, "tiktok", text, tmp_path)
    sandbox.emulator("tiktok").faults.error_times = 1  # the first request: creator info
    cli("publish", "due")
    shown = ok("post", "show", str(post_id), "--json").json()
    assert shown["status"] == "scheduled", shown
    assert "reading creator info" in shown["last_error"], shown
    shown = settle(post_id)
    assert shown["status"] == "published", shown
    assert records_with(sandbox, "tiktok", text) == 1


@pytest.mark.parametrize("platform", sorted(CANNOT_LOOK))
def test_a_webhook_5xx_leaves_the_post_unconfirmed_until_a_person_says_not_sent(
    platform: str,
    store: Path,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 5xx before anything was written looks the same to a webhook sender: the post
    waits `unconfirmed` (the user is notified), is never sent again by itself, and
    `publish confirm --not-sent` sends it (once)."""
    alerts = sandbox.emulator("slack").create_webhook()  # type: ignore[attr-defined]
    monkeypatch.setenv("CLIENTNEST_NOTIFICATIONS__DESKTOP", "false")
    monkeypatch.setenv(
        "CLIENTNEST_NOTIFICATIONS__WEBHOOK_URL", sandbox.base_url("slack") + alerts["path"]
    )
    ref = connect(platform, sandbox)
    text = f"Refused before the write ({platform})"
    post_id = create_due(ref, platform, text, tmp_path)
    sandbox.emulator(platform).faults.error_times = 1
    run = cli("publish", "due")
    assert run.exit_code == 1
    assert f"post {post_id} may have been sent" in run.stdout + run.stderr
    assert f"publish confirm {post_id} --not-sent" in run.stdout + run.stderr
    assert records_with(sandbox, "slack", f"Post {post_id} to {platform}") == 1  # notified
    assert records_with(sandbox, "slack", f"publish confirm {post_id} --sent") == 1
    listed = ok("post", "list", "--status", "unconfirmed", "--json").json()
    assert [p["id"] for p in listed] == [post_id]
    assert ok("publish", "due", "--json").json()["published"] == []  # not sent by itself
    assert records_with(sandbox, platform, text) == 0
    ok("publish", "confirm", str(post_id), "--not-sent")
    shown = settle(post_id)
    assert shown["status"] == "published", shown
    assert records_with(sandbox, platform, text) == 1


def test_publish_confirm_refuses_what_it_cannot_settle(
    store: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    ref = connect("slack", sandbox)
    post_id = create_due(ref, "slack", "Not in doubt", tmp_path)
    before = ok("post", "show", str(post_id), "--json").json()
    for args in (["--sent", "--not-sent"], []):
        run = cli("publish", "confirm", str(post_id), *args)
        assert run.exit_code == 2, run.stdout
        assert "--sent or --not-sent" in run.stderr
    run = cli("publish", "confirm", str(post_id), "--sent")
    assert run.exit_code == 2 and "is scheduled, not unconfirmed" in run.stderr
    assert cli("publish", "confirm", "999999", "--sent").exit_code == 2
    assert ok("post", "show", str(post_id), "--json").json() == before
