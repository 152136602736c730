"""The dashboard's figures (services.dashboard): recent results merge published and
failed posts newest first; the week's count only takes the last 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.cli.ai_helpers import add_rows
from tests.helpers import init_store, seed_account

NOW = datetime(2030, 1, 10, 12, tzinfo=UTC)


def test_recent_results_are_the_newest_published_or_failed(accounts) -> None:  # type: ignore[no-untyped-def]
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.dashboard import dashboard
    from clientnest_cli.store.models import Post

    def post(status: str, hours_ago: int, published: bool = False) -> Post:
        at = NOW - timedelta(hours=hours_ago)
        return Post(
            account_id=accounts["x"], content=f"{status} {hours_ago}", status=status,
            updated_at=at, published_at=at if published else None,
        )  # fmt: skip

    ids = add_rows(
        post("published", 1, True), post("failed", 2), post("published", 3, True),
        post("failed", 4), post("draft", 0), post("published", 24 * 9, True),
    )  # fmt: skip
    ctx = AppContext()
    try:
        data = dashboard(ctx, now=NOW, limit=3)
    finally:
        ctx.close()
    assert [r.post_id for r in data.recent] == ids[:3]
    assert [r.status for r in data.recent] == ["published", "failed", "published"]
    assert data.posts_this_week == 2 and data.failed == 2


@pytest.fixture
def both(home, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The TUI's accounts on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store(tz="Europe/Berlin")
    return {"x": seed_account("x", "acme"), "bluesky": seed_account("bluesky", "acme.bsky.social")}


def _seed_figures(accounts: dict[str, int]) -> list[int]:
    """Followers now and over the week, a re-auth, AI tokens used, two due posts."""
    from sqlmodel import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import AccountStatsSnapshot, SocialAccount, User

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            session.get(SocialAccount, accounts["x"]).followers = 120  # type: ignore[union-attr]
            bluesky = session.get(SocialAccount, accounts["bluesky"])
            bluesky.followers, bluesky.status = 50, "needs_reauth"  # type: ignore[union-attr]
            owner = session.exec(select(User)).one()
            owner.ai_tokens_used, owner.ai_usage_month = 1500, "2030-01"
            for account, followers, days_ago in (("x", 90, 9), ("x", 100, 6), ("x", 110, 3)):
                session.add(
                    AccountStatsSnapshot(
                        account_id=accounts[account],
                        followers=followers,
                        captured_at=NOW - timedelta(days=days_ago),
                    )
                )
            session.add(
                AccountStatsSnapshot(
                    account_id=accounts["bluesky"],
                    followers=40,
                    captured_at=NOW - timedelta(days=3),
                )
            )
    finally:
        ctx.close()
    return add_rows(*(_due(accounts["x"], hours) for hours in (2, 1)))


def _due(account_id: int, hours: int) -> Any:
    from clientnest_cli.store.models import Post

    return Post(
        account_id=account_id, content=f"due in {hours}h", status="scheduled",
        scheduled_at=NOW + timedelta(hours=hours),
    )  # fmt: skip


def test_every_figure_on_sqlite_and_postgresql(both: dict[str, int]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.dashboard import dashboard

    later, sooner = _seed_figures(both)
    ctx = AppContext()
    try:
        data = dashboard(ctx, now=NOW)
        next_month = dashboard(ctx, now=NOW + timedelta(days=31))
    finally:
        ctx.close()
    assert data.tz_name == "Europe/Berlin"
    assert (data.scheduled, data.failed, data.needs_reauth) == (2, 0, 1)
    assert (data.followers, data.followers_change) == (170, (120 - 100) + (50 - 40))
    day = NOW.replace(hour=0)
    # each account counts from its first snapshot of the week on
    assert data.followers_series == [(day - timedelta(days=6), 140), (day - timedelta(days=3), 150)]
    assert (data.ai_tokens_left, data.ai_tokens_limit) == (20_000 - 1500, 20_000)
    assert next_month.ai_tokens_left == 20_000  # January's counter is not February's use
    assert [(r.post_id, r.account, r.at) for r in data.next_due] == [
        (sooner, "x:acme", NOW + timedelta(hours=1)),
        (later, "x:acme", NOW + timedelta(hours=2)),
    ]


def test_polling_workers_share_one_connection(accounts) -> None:  # type: ignore[no-untyped-def]
    """Each poll runs on a new worker thread: it takes over the finished one's
    connection to the thin store instead of opening (and keeping) another."""
    import threading

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.dashboard import dashboard, prepare

    ctx = AppContext()
    try:
        for work in (prepare, dashboard, dashboard):
            worker = threading.Thread(target=work, args=(ctx,))
            worker.start()
            worker.join()
        opened = list(ctx._lite.values())
        assert len(opened) == 1 and dashboard(ctx).scheduled == 0
        assert ctx._lite[threading.current_thread()] is opened[0]
    finally:
        ctx.close()
