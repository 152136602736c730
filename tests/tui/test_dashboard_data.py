"""The dashboard's figures (services.dashboard): recent results merge published and
failed posts newest first; the week's count only takes the last 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cli.ai_helpers import add_rows

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
