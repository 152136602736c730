"""The posts detail pane: each target's metrics over time and its comments with sentiment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import DataTable, Static

from tests.cli.ai_helpers import add_rows
from tests.tui.conftest import settle
from tests.tui.test_screens import create, text_of

pytestmark = pytest.mark.asyncio
SIZE = (160, 45)


def snapshots(post_id: int, likes: list[int]) -> None:
    from clientnest_cli.store.models import PostMetricsSnapshot

    add_rows(
        *(
            PostMetricsSnapshot(
                post_id=post_id, likes=n, comments=n // 10, shares=1, views=n * 20,
                captured_at=datetime(2030, 1, 8 + day, 12, tzinfo=UTC),
            )
            for day, n in enumerate(likes)
        )
    )  # fmt: skip


def comment(post_id: int, key: str, text: str, label: str, score: float | None) -> None:
    from clientnest_cli.store.models import Comment

    add_rows(
        Comment(
            post_id=post_id, platform_comment_id=key, author="bob", text=text,
            sentiment=score, sentiment_label=label,
            created_at=datetime(2030, 1, 9, 12, tzinfo=UTC),
        )
    )  # fmt: skip


async def test_detail_pane_shows_each_targets_metrics_history_and_comments(make_app):
    x, bsky = create(
        "Launch day", "--to", "x:acme", "--to", "bluesky:acme.bsky.social",
        "--at", "2030-01-08 09:00",
    )  # fmt: skip
    snapshots(x["id"], [10, 25, 40, 70])
    comment(x["id"], "c1", "Love it [b]loud[/b] \x1b[2J", "positive", 0.82)
    comment(x["id"], "c2", "Too pricey", "negative", -0.6)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#posts", DataTable).focus()
        table = app.screen.query_one("#posts", DataTable)
        table.move_cursor(row=table.get_row_index(str(x["id"])))
        await settle(pilot)
        shown = text_of(app.screen.query_one("#activity", Static))
    assert f"x:acme #{x['id']}" in shown and f"bluesky:acme.bsky.social #{bsky['id']}" in shown
    assert "likes ▁▃▅█ 10 → 70" in shown and "(4 snapshots)" in shown
    assert "11 Jan 13:00" in shown  # the newest snapshot, in the user's zone (Berlin)
    assert "1,400" in shown  # its views
    assert "positive +0.82" in shown and "negative -0.60" in shown
    assert "Love it [b]loud[/b]" in shown and "\x1b" not in shown
    assert "no metrics yet" in shown and "no comments fetched" in shown  # the Bluesky target
