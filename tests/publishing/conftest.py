"""A store with sandbox accounts on X, Bluesky, Mastodon and a feed, ready to publish."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok


@dataclass
class Accounts:
    x: str
    bluesky: str
    mastodon: str
    feed: str
    feed_path: Path


BURN_ENV = "CLIENTNEST_TEST_BURN"  # 1: run the slow publishing tests with every core busy


@pytest.fixture(autouse=True)
def burn_cores(request: pytest.FixtureRequest) -> Iterator[None]:
    """Load mode (``CLIENTNEST_TEST_BURN=1``, or ``make test-loaded``): while a slow
    test runs, one CPU burner per core spins, as on a busy shared machine. Burners are
    separate processes, stop themselves after CLIENTNEST_TEST_BURN_SECONDS (default
    900) and are killed when the test ends, whatever happens."""
    import os
    import signal
    import subprocess
    import sys

    if not os.environ.get(BURN_ENV) or request.node.get_closest_marker("slow") is None:
        yield
        return
    seconds = float(os.environ.get("CLIENTNEST_TEST_BURN_SECONDS", "900"))
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    burners = [
        subprocess.Popen([sys.executable, "-c", spin], stdin=subprocess.DEVNULL)
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for proc in burners:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff measured in milliseconds so retry paths run inside a test."""
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__BACKOFF_BASE_SECONDS", "0.01")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__BACKOFF_MAX_SECONDS", "0.05")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__MAX_ATTEMPTS", "12")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__CHECK_WAIT_SECONDS", "0.05")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__CHECK_WAIT_MAX_SECONDS", "0.2")
    # a post whose send got no answer waits HTTP timeout + margin before it is asked about
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__HTTP_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("CLIENTNEST_PUBLISHING__FENCE_MARGIN_SECONDS", "0.5")


@pytest.fixture
def accounts(home: Path, sandbox: SandboxServer, browser: object, fast_retries: None) -> Accounts:
    init_store()
    ok("users", "set-tier", "owner@acme.test", "business")
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    seeded = sandbox.emulator("bluesky").seed_account("alice.bsky.sandbox")
    bsky = ok(
        "accounts", "connect", "bluesky", "--server", sandbox.base_url("bluesky"),
        "--handle", "alice.bsky.sandbox", "--app-password", "--json",
        input=seeded["app_password"] + "\n",
    ).json()  # fmt: skip
    sandbox.emulator("mastodon").login_as("alice")
    masto = ok(
        "accounts",
        "connect",
        "mastodon",
        "--server",
        sandbox.base_url("mastodon"),
        "--timeout",
        "10",
        "--json",
    ).json()
    feed_path = home / "feed.json"
    feed = ok("accounts", "connect", "feed", "--path", str(feed_path), "--json").json()
    return Accounts(x["ref"], bsky["ref"], masto["ref"], feed["ref"], feed_path)


def create_due(texts: Iterable[str], targets: list[str], thread: bool = False) -> list[int]:
    """Create posts through the service and make them due a second ago."""
    from datetime import timedelta

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts import ComposeRequest, create_posts
    from clientnest_cli.store.models import Post
    from clientnest_cli.store.types import utcnow

    ctx = AppContext()
    ids: list[int] = []
    try:
        for text in texts:
            posts = create_posts(ctx, ComposeRequest(text=text, targets=targets, thread=thread))
            ids += [p.id for p in posts if p.id is not None]
        with ctx.store.session() as session:
            for post_id in ids:
                post = session.get(Post, post_id)
                assert post is not None
                post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
                session.add(post)
    finally:
        ctx.close()
    return ids


def posts_by_id(ids: Iterable[int]) -> dict[int, dict]:
    wanted = set(ids)
    rows = ok("post", "list", "--limit", "100000", "--json").json()
    return {r["id"]: r for r in rows if r["id"] in wanted}


def texts_on(sandbox: SandboxServer, platform: str) -> list[str]:
    """The text of every post the emulator holds (its own state, not our store)."""
    snap = sandbox.emulator(platform).snapshot()
    items = snap.get("tweets") or snap.get("posts") or snap.get("statuses") or []
    out = []
    for item in items:
        text = (
            item.get("text") or item.get("content") or (item.get("record") or {}).get("text") or ""
        )
        out.append(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return out


def publish_until_settled(ids: Iterable[int], timeout: float = 90.0) -> dict[int, dict]:
    """`publish due` until every post is published, failed or unconfirmed (or ``timeout``):
    posts put back for a retry or waiting in `checking` need later runs."""
    import time

    wanted = list(ids)
    deadline = time.monotonic() + timeout
    while True:
        rows = posts_by_id(wanted)
        if all(r["status"] in ("published", "failed", "unconfirmed") for r in rows.values()):
            return rows
        if time.monotonic() > deadline:
            return rows
        cli("publish", "due")
        time.sleep(0.2)  # polling: the next run is due after a few ms of backoff
