"""`accounts backfill` through the Bluesky emulator's seeded history, then analytics on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok, seed_account


@pytest.fixture
def bluesky(home: Path, sandbox: SandboxServer) -> tuple[str, dict]:
    init_store(tz="UTC")
    emulator = sandbox.emulator("bluesky")
    seeded = emulator.seed_account("hist.bsky.sandbox")
    spec = emulator.seed_history("hist.bsky.sandbox", seed=21, posts=240, days=120)
    account = ok(
        "accounts", "connect", "bluesky", "--server", sandbox.base_url("bluesky"),
        "--handle", "hist.bsky.sandbox", "--app-password", "--json",
        input=seeded["app_password"] + "\n",
    ).json()  # fmt: skip
    return account["ref"], spec


def test_backfill_reads_the_history_in_pages_of_100(
    bluesky: tuple[str, dict], sandbox: SandboxServer
) -> None:
    ref, spec = bluesky
    emulator = sandbox.emulator("bluesky")
    before = emulator.calls["app.bsky.feed.getAuthorFeed"]
    report = ok("accounts", "backfill", ref, "--since", "150d", "--json").json()
    assert report["fetched"] == 240 and report["created"] == 240
    assert emulator.calls["app.bsky.feed.getAuthorFeed"] - before == 3  # ⌈240 / 100⌉
    again = ok("accounts", "backfill", ref, "--since", "150d", "--json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 240)
    shorter = ok("accounts", "backfill", ref, "--since", "30d", "--json").json()
    assert 0 < shorter["fetched"] < 240
    # the history is there to analyse: the planted peaks come out on top
    data = ok("analytics", "best-times", ref, "--json").json()
    assert data["enough_data"] and data["posts"] == 240
    top = data["slots"][:3]
    for weekday, hour in spec["peaks"]:
        assert any(s["weekday"] == weekday and abs(s["hour"] - hour) <= 1 for s in top)
    overview = ok("analytics", "overview", "--account", ref, "--json").json()
    block = overview["accounts"][0]
    assert block["posts"] > 0 and block["rate_basis"] == "followers"
    assert block["engagement_rate"] is not None and block["engagement_rate"] > 0
    shown = ok("accounts", "show", ref, "--json").json()
    assert shown["engagement_rate"] > 0


def test_platforms_that_cannot_backfill_say_so(home: Path) -> None:
    init_store()
    seed_account("discord", "hooks")
    run = cli("accounts", "backfill", "discord:hooks")
    assert run.exit_code == 2
    line = run.stderr.strip().splitlines()
    assert len(line) == 1 and "cannot backfill" in line[0]


def test_unknown_account_is_one_line_exit_2(home: Path) -> None:
    init_store()
    run = cli("accounts", "backfill", "bluesky:nobody")
    assert run.exit_code == 2 and "no account" in run.stderr


def test_mastodon_backfill_pages_of_40(home: Path, sandbox: SandboxServer, browser: object) -> None:
    init_store(tz="UTC")
    emulator = sandbox.emulator("mastodon")
    emulator.login_as("historian")
    emulator.seed_history("historian", seed=31, posts=100, days=60)
    ref = ok(
        "accounts", "connect", "mastodon", "--server", sandbox.base_url("mastodon"),
        "--timeout", "10", "--json",
    ).json()["ref"]  # fmt: skip
    report = ok("accounts", "backfill", ref, "--since", "90d", "--json").json()
    assert report["fetched"] == 100 and report["created"] == 100
    again = ok("accounts", "backfill", ref, "--since", "90d", "--json").json()
    assert again["unchanged"] == 100 and again["created"] == 0
    top = ok("analytics", "top", "--account", ref, "--period", "90d", "--json").json()
    assert top and top[0]["interactions"] > 0


def test_x_backfill_pages_of_100_with_impressions(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store(tz="UTC")
    ok("users", "set-tier", "owner@acme.test", "business")
    ref = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()["ref"]  # fmt: skip
    emulator = sandbox.emulator("x")
    handle = ref.split(":", 1)[1]
    user_id = next(u["id"] for u in emulator.snapshot()["users"] if u["username"] == handle)
    emulator.seed_history(user_id, seed=41, posts=150, days=90)
    before = emulator.call_count("GET", "/2/users/{id}/tweets")
    report = ok("accounts", "backfill", ref, "--since", "120d", "--json").json()
    assert report["fetched"] == 150 and report["created"] == 150
    assert emulator.call_count("GET", "/2/users/{id}/tweets") - before == 2  # ⌈150 / 100⌉
    overview = ok("analytics", "overview", "--account", ref, "--period", "120d", "--json").json()
    block = overview["accounts"][0]
    assert block["rate_basis"] == "impressions" and block["impressions"] > 0


def test_facebook_backfill_reads_the_page_feed(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store(tz="UTC")
    emulator = sandbox.emulator("facebook")
    emulator.seed_account("histpage", pages=["Hist Cafe"])
    account = ok(
        "accounts", "connect", "facebook", "--server", sandbox.base_url("facebook"),
        "--timeout", "10", "--json",
    ).json()  # fmt: skip
    page_id = next(p for p, page in emulator.pages.items() if page["name"] == "Hist Cafe")
    emulator.seed_history(page_id, seed=51, posts=130, days=90)
    report = ok("accounts", "backfill", account["ref"], "--since", "120d", "--json").json()
    assert report["fetched"] == 130 and report["created"] == 130
    again = ok("accounts", "backfill", account["ref"], "--since", "120d", "--json").json()
    assert again["unchanged"] == 130
    top = ok("analytics", "top", "--account", account["ref"], "--period", "120d", "--json").json()
    assert top[0]["interactions"] > 0
