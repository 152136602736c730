"""The figures on the TUI's dashboard: counts, what is due next, what just happened.

One short read-only unit on the thin store (store/lite.py: no SQLAlchemy, SQLModel or
pydantic before the TUI's first paint); every figure is a plain count or sum the user
can check with `post list` / `accounts list`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.lite_dashboard import LiteDashboard
    from clientnest_cli.store.rows import PostRow


@dataclass
class DueRow:
    post_id: int
    account: str
    at: datetime  # UTC
    status: str
    text: str


@dataclass
class Dashboard:
    tz_name: str
    posts_this_week: int  # published in the last 7 days
    scheduled: int
    failed: int
    needs_reauth: int
    followers: int
    followers_change: int  # against the oldest snapshot within the last 7 days
    ai_tokens_left: int
    ai_tokens_limit: int
    next_due: list[DueRow] = field(default_factory=list)
    recent: list[DueRow] = field(default_factory=list)
    followers_series: list[tuple[datetime, int]] = field(default_factory=list)


def _followers(
    reads: LiteDashboard, since: datetime
) -> tuple[int, int, list[tuple[datetime, int]]]:
    """(followers now, change since ``since``, daily totals) over every account."""
    current = reads.followers()
    first: dict[int, int] = {}
    daily: dict[datetime, dict[int, int]] = {}
    for account_id, followers, captured_at in reads.snapshots(since):
        first.setdefault(account_id, followers)
        day = captured_at.replace(hour=0, minute=0, second=0, microsecond=0)
        daily.setdefault(day, {})[account_id] = followers
    change = sum(current.get(acc, 0) - start for acc, start in first.items())
    series, carried = [], dict(first)
    for day in sorted(daily):
        carried.update(daily[day])
        series.append((day, sum(carried.values())))
    return sum(current.values()), change, series


def _row(post: PostRow, platform: str, handle: str) -> DueRow:
    return DueRow(
        post.id,
        f"{platform}:{handle}",
        post.scheduled_at or post.published_at or post.updated_at,
        post.status,
        post.content,
    )


def prepare(ctx: AppContext) -> None:
    """Open the thin store and load what ``dashboard`` needs (the TUI does this on a
    worker while Textual starts, so the first figures are not waiting for imports)."""
    from clientnest_cli.domain import ai_month  # noqa: F401
    from clientnest_cli.store import lite_dashboard, lite_repos  # noqa: F401

    with ctx.lite():
        pass  # opening it (and checking its schema) is the point: the dashboard's
        # worker takes this connection over once this worker's thread has finished


def dashboard(ctx: AppContext, now: datetime | None = None, limit: int = 8) -> Dashboard:
    """The figures, read through the thin store (no ORM: the TUI's first paint)."""
    from clientnest_cli.domain.ai_month import current_month, tokens_used
    from clientnest_cli.domain.enums import PostStatus
    from clientnest_cli.store.lite_dashboard import LiteDashboard
    from clientnest_cli.store.lite_repos import LiteUsers

    now = now or datetime.now(UTC)
    week_ago = now - timedelta(days=7)
    with ctx.lite() as db:
        actor = ctx.actor_in(LiteUsers(db))
        reads = LiteDashboard(db)
        followers, change, series = _followers(reads, week_ago)
        used = tokens_used(actor, current_month(now))
        next_due = reads.posts(PostStatus.SCHEDULED, "p.scheduled_at, p.id", limit)
        return Dashboard(
            tz_name=actor.timezone,
            posts_this_week=reads.count_posts(PostStatus.PUBLISHED, published_since=week_ago),
            scheduled=reads.count_posts(PostStatus.SCHEDULED),
            failed=reads.count_posts(PostStatus.FAILED),
            needs_reauth=reads.count_accounts("needs_reauth"),
            followers=followers,
            followers_change=change,
            ai_tokens_left=max(0, actor.ai_tokens_limit - used),
            ai_tokens_limit=actor.ai_tokens_limit,
            next_due=[_row(*found) for found in next_due],
            recent=_recent(reads, limit),
            followers_series=series,
        )


def _recent(reads: LiteDashboard, limit: int) -> list[DueRow]:
    """The newest published or failed posts: each status's newest, read in order
    from ``ix_post_updated`` (one IN over both would sort every such post), merged."""
    from clientnest_cli.domain.enums import PostStatus

    found = []
    for status in (PostStatus.PUBLISHED, PostStatus.FAILED):
        found += reads.posts(status, "p.updated_at DESC, p.id DESC", limit)
    found.sort(key=lambda r: (r[0].updated_at, r[0].id), reverse=True)
    return [_row(*r) for r in found[:limit]]
