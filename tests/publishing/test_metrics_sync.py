"""`metrics sync` / `metrics show` / `metrics comments` against the emulators."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok
from tests.publishing.conftest import Accounts, create_due


@dataclass
class Clock:
    """The emulators' metric clock: figures grow only when the test advances it."""

    now: float

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Freeze metric growth (``framework.grown``) so "unchanged" is really unchanged."""
    import time

    from clientnest_cli.sandbox import bluesky_views, framework, mastodon, x_reads

    real = framework.grown
    frozen = Clock(time.time())

    def grown(seed: str, created: float, per_minute: float, now: float | None = None) -> int:
        return real(seed, created, per_minute, frozen.now)

    for module in (x_reads, bluesky_views, mastodon):
        monkeypatch.setattr(module, "grown", grown)
    yield frozen


def _platform_ids(post_ids: list[int]) -> dict[int, tuple[str, str]]:
    """post id → (platform, platform post id), read from the store."""
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, SocialAccount

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            out = {}
            for post_id in post_ids:
                post = session.get(Post, post_id)
                assert post is not None
                account = session.get(SocialAccount, post.account_id)
                assert account is not None
                out[post_id] = (account.platform, post.platform_post_id)
            return out
    finally:
        ctx.close()


def _published(targets: list[str], texts: list[str]) -> dict[int, tuple[str, str]]:
    ids = create_due(texts, targets)
    run = ok("publish", "due", "--json").json()
    assert sorted(run["published"]) == sorted(ids)
    return _platform_ids(ids)


def _by_account(report: dict) -> dict[str, dict]:
    return {a["account"]: a for a in report["accounts"]}


def test_first_sync_snapshots_every_post_then_only_changes(
    accounts: Accounts, sandbox: SandboxServer, clock: Clock
) -> None:
    targets = [accounts.x, accounts.bluesky, accounts.mastodon, accounts.feed]
    posts = _published(targets, ["How are we doing?", "Second post for numbers"])
    first = ok("metrics", "sync", "--json").json()
    assert first["failures"] == [] and first["posts_checked"] == 6
    assert first["snapshots_written"] == 6
    per = _by_account(first)
    assert per[accounts.feed]["skipped"] and per[accounts.feed]["posts"] == 0
    assert {per[a]["snapshots"] for a in (accounts.x, accounts.bluesky, accounts.mastodon)} == {2}

    again = ok("metrics", "sync", "--json").json()
    assert again["posts_checked"] == 6 and again["snapshots_written"] == 0

    clock.advance(15 * 60)  # a quarter of an hour later every figure has grown
    grown = ok("metrics", "sync", "--json").json()
    assert grown["snapshots_written"] == 6

    x_post = next(i for i, (p, _) in posts.items() if p == "x")
    history = ok("metrics", "show", str(x_post), "--json").json()
    assert len(history) == 2
    newest, oldest = history
    assert newest["captured_at"] > oldest["captured_at"] and newest["likes"] > oldest["likes"]
    assert newest["views"] and newest["engagement_rate"] == pytest.approx(
        (newest["likes"] + newest["comments"] + newest["shares"]) / newest["views"], abs=1e-6
    )
    bsky_post = next(i for i, (p, _) in posts.items() if p == "bluesky")
    bsky = ok("metrics", "show", str(bsky_post), "--json").json()
    assert bsky[0]["views"] is None
    # no impressions on Bluesky: the rate is over followers when known, else unknown —
    # never a made-up 0%
    if bsky[0]["engagement_rate"] is None:
        assert bsky[0]["rate_basis"] is None
    else:
        assert bsky[0]["rate_basis"] == "followers" and bsky[0]["engagement_rate"] > 0
    assert newest["rate_basis"] == "impressions"
    # human output: a table in a pipe, a summary line
    text = ok("metrics", "sync").stdout
    assert "6 posts checked, 0 snapshots written" in text


def test_250_x_posts_take_three_metrics_requests(
    accounts: Accounts, sandbox: SandboxServer, clock: Clock
) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post
    from clientnest_cli.store.types import utcnow

    emulator = sandbox.emulator("x")
    handle = accounts.x.split(":", 1)[1]
    user_id = next(u["id"] for u in emulator.snapshot()["users"] if u["username"] == handle)
    account_id = ok("accounts", "show", accounts.x, "--json").json()["id"]
    tweet_ids = [emulator.seed_tweet(user_id, f"Seeded {i}", age_s=600) for i in range(250)]
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            session.add_all(
                Post(
                    account_id=account_id,
                    content=f"Seeded {i}",
                    status="published",
                    published_at=utcnow(),
                    platform_post_id=tweet_id,
                )
                for i, tweet_id in enumerate(tweet_ids)
            )
    finally:
        ctx.close()
    before = emulator.call_count("GET", "/2/tweets")
    run = ok("metrics", "sync", "--account", accounts.x, "--json").json()
    assert emulator.call_count("GET", "/2/tweets") - before == 3  # ⌈250 / 100⌉
    assert run["posts_checked"] == 250 and run["snapshots_written"] == 250
    assert [a["account"] for a in run["accounts"]] == [accounts.x]
    again = ok("metrics", "sync", "--account", accounts.x, "--json").json()
    assert again["snapshots_written"] == 0
    assert emulator.call_count("GET", "/2/tweets") - before == 6


def test_since_limits_the_posts_checked(accounts: Accounts, sandbox: SandboxServer) -> None:
    _published([accounts.mastodon], ["Counted since now"])
    assert ok("metrics", "sync", "--since", "1 hour ago", "--json").json()["posts_checked"] == 1
    later = ok("metrics", "sync", "--since", "in 1 hour", "--json").json()
    assert later["posts_checked"] == 0


def test_comments_are_stored_once_and_cleaned(
    accounts: Accounts, sandbox: SandboxServer, clock: Clock
) -> None:
    posts = _published(
        [accounts.x, accounts.bluesky, accounts.mastodon], ["Tell us what you think"]
    )
    ids = {platform: (post_id, ref) for post_id, (platform, ref) in posts.items()}
    sandbox.emulator("x").add_reply(ids["x"][1], "fan_one", "Love it \x1b[31mRED\x1b[0m!")
    sandbox.emulator("bluesky").add_reply(ids["bluesky"][1], "bob.bsky.sandbox", "Nice one")
    sandbox.emulator("mastodon").add_reply(ids["mastodon"][1], "Congrats!", handle="reader")

    run = ok("metrics", "sync", "--comments", "--json").json()
    assert run["failures"] == [] and run["comments_new"] == 3
    rows = ok("metrics", "comments", "--json").json()
    assert len(rows) == 3
    by_post = {r["post_id"]: r for r in rows}
    x_comment = by_post[ids["x"][0]]
    assert x_comment["text"] == "Love it RED!" and "\x1b" not in x_comment["text"]
    assert x_comment["author"] == "fan_one" and x_comment["account"] == accounts.x
    assert by_post[ids["bluesky"][0]]["text"] == "Nice one"
    assert "Congrats!" in by_post[ids["mastodon"][0]]["text"]

    again = ok("metrics", "sync", "--comments", "--json").json()
    assert again["comments_new"] == 0
    assert len(ok("metrics", "comments", "--json").json()) == 3
    only = ok("metrics", "comments", "--post", str(ids["bluesky"][0]), "--json").json()
    assert [r["text"] for r in only] == ["Nice one"]
    # a new reply later is the only new one
    sandbox.emulator("x").add_reply(ids["x"][1], "fan_two", "Second thoughts")
    assert ok("metrics", "sync", "--comments", "--json").json()["comments_new"] == 1
    # metrics without --comments fetches none
    sandbox.emulator("x").add_reply(ids["x"][1], "fan_three", "Third")
    assert ok("metrics", "sync", "--json").json()["comments_new"] == 0


def test_failing_account_exits_1_and_others_still_sync(
    accounts: Accounts, sandbox: SandboxServer, clock: Clock
) -> None:
    _published([accounts.x, accounts.bluesky, accounts.mastodon], ["Some will fail"])
    sandbox.emulator("mastodon").faults.error_rate = 1.0
    run = cli("metrics", "sync", "--json")
    assert run.exit_code == 1
    report = run.json()
    assert [f["account"] for f in report["failures"]] == [accounts.mastodon]
    per = _by_account(report)
    assert per[accounts.x]["snapshots"] == 1 and per[accounts.bluesky]["snapshots"] == 1
    assert per[accounts.mastodon]["snapshots"] == 0 and per[accounts.mastodon]["error"]
    human = cli("metrics", "sync")
    assert human.exit_code == 1 and accounts.mastodon in human.stderr
    sandbox.emulator("mastodon").faults.error_rate = 0.0
    healed = ok("metrics", "sync", "--json").json()
    assert healed["failures"] == [] and _by_account(healed)[accounts.mastodon]["snapshots"] == 1


def test_show_and_comments_refuse_an_unknown_post(accounts: Accounts) -> None:
    assert cli("metrics", "show", "999999").exit_code == 2
    assert cli("metrics", "comments", "--post", "999999").exit_code == 2
    assert cli("metrics", "sync", "--account", "x:nobody").exit_code == 2


def test_sync_on_sqlite_and_postgresql(
    home: Path,
    sandbox: SandboxServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    seeded = sandbox.emulator("bluesky").seed_account("carol.bsky.sandbox")
    ref = ok(
        "accounts", "connect", "bluesky", "--server", sandbox.base_url("bluesky"),
        "--handle", "carol.bsky.sandbox", "--app-password", "--json",
        input=seeded["app_password"] + "\n",
    ).json()["ref"]  # fmt: skip
    posts = _published([ref], ["First on this store", "Second on this store"])
    for _platform, uri in posts.values():
        sandbox.emulator("bluesky").add_reply(uri, "dave.bsky.sandbox", "Hello from a reader")
    first = ok("metrics", "sync", "--comments", "--json").json()
    assert first["failures"] == []
    assert first["snapshots_written"] == 2 and first["comments_new"] == 2
    again = ok("metrics", "sync", "--comments", "--json").json()
    assert again["snapshots_written"] == 0 and again["comments_new"] == 0
    clock.advance(30 * 60)
    assert ok("metrics", "sync", "--json").json()["snapshots_written"] == 2
    post_id = next(iter(posts))
    history = ok("metrics", "show", str(post_id), "--json").json()
    assert len(history) == 2 and history[0]["likes"] > history[1]["likes"]
    assert history[0]["comments"] >= 1
    comments = ok("metrics", "comments", "--json").json()
    assert [c["text"] for c in comments] == ["Hello from a reader"] * 2
