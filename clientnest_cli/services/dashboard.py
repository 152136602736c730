"""The figures on the TUI's dashboard: counts, what is due next, what just happened.

One short read-only session; every figure is a plain count or sum the user can
check with `post list` / `accounts list`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


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


def _followers(session, since: datetime) -> tuple[int, int, list[tuple[datetime, int]]]:  # type: ignore[no-untyped-def]
    """(followers now, change since ``since``, daily totals) over every account."""
    from sqlmodel import select

    from clientnest_cli.store.models import AccountStatsSnapshot, SocialAccount

    accounts = session.exec(select(SocialAccount)).all()
    now_total = sum(a.followers for a in accounts)
    rows = session.exec(
        select(AccountStatsSnapshot)
        .where(AccountStatsSnapshot.captured_at >= since)
        .order_by(AccountStatsSnapshot.captured_at)
    ).all()
    first: dict[int, int] = {}
    daily: dict[datetime, dict[int, int]] = {}
    for row in rows:
        first.setdefault(row.account_id, row.followers)
        day = row.captured_at.replace(hour=0, minute=0, second=0, microsecond=0)
        daily.setdefault(day, {})[row.account_id] = row.followers
    current = {a.id: a.followers for a in accounts}
    change = sum(current.get(acc, 0) - start for acc, start in first.items())
    series, carried = [], dict(first)
    for day in sorted(daily):
        carried.update(daily[day])
        series.append((day, sum(carried.values())))
    return now_total, change, series


def _row(post, platform: str, handle: str) -> DueRow:  # type: ignore[no-untyped-def]
    return DueRow(
        post.id or 0,
        f"{platform}:{handle}",
        post.scheduled_at or post.published_at or post.updated_at,
        post.status,
        post.content,
    )


def _rows(session, statement) -> list[DueRow]:  # type: ignore[no-untyped-def]
    return [_row(*found) for found in session.exec(statement).all()]


def prepare(ctx: AppContext) -> None:
    """Open the store and load what ``dashboard`` needs (the TUI does this on a worker
    while Textual starts, so the first figures are not waiting for imports)."""
    import sqlmodel  # noqa: F401

    from clientnest_cli.services import ai_usage  # noqa: F401
    from clientnest_cli.store import models  # noqa: F401

    ctx.store  # noqa: B018 (opening it is the point)


def dashboard(ctx: AppContext, now: datetime | None = None, limit: int = 8) -> Dashboard:
    from sqlalchemy import func
    from sqlmodel import select

    from clientnest_cli.domain.enums import PostStatus
    from clientnest_cli.services.ai_usage import current_month
    from clientnest_cli.store.models import Post, SocialAccount

    now = now or datetime.now(UTC)
    week_ago = now - timedelta(days=7)
    with ctx.store.session(readonly=True) as session:
        actor = ctx.actor(session)

        def count(*where) -> int:  # type: ignore[no-untyped-def]
            return session.exec(select(func.count()).select_from(Post).where(*where)).one()

        joined = select(Post, SocialAccount.platform, SocialAccount.handle).join(
            SocialAccount, SocialAccount.id == Post.account_id
        )
        followers, change, series = _followers(session, week_ago)
        used = actor.ai_tokens_used if actor.ai_usage_month == current_month(now) else 0
        return Dashboard(
            tz_name=actor.timezone,
            posts_this_week=count(
                Post.status == PostStatus.PUBLISHED, Post.published_at >= week_ago
            ),
            scheduled=count(Post.status == PostStatus.SCHEDULED),
            failed=count(Post.status == PostStatus.FAILED),
            needs_reauth=session.exec(
                select(func.count())
                .select_from(SocialAccount)
                .where(SocialAccount.status == "needs_reauth")
            ).one(),
            followers=followers,
            followers_change=change,
            ai_tokens_left=max(0, actor.ai_tokens_limit - used),
            ai_tokens_limit=actor.ai_tokens_limit,
            next_due=_rows(
                session,
                joined.where(Post.status == PostStatus.SCHEDULED)
                .order_by(Post.scheduled_at, Post.id)
                .limit(limit),
            ),
            recent=_recent(session, joined, limit),
            followers_series=series,
        )


def _recent(session, joined, limit: int) -> list[DueRow]:  # type: ignore[no-untyped-def]
    """The newest published or failed posts: each status's newest, read in order
    from ``ix_post_updated`` (one IN over both would sort every such post), merged."""
    from clientnest_cli.domain.enums import PostStatus
    from clientnest_cli.store.models import Post

    found = []
    for status in (PostStatus.PUBLISHED, PostStatus.FAILED):
        found += session.exec(
            joined.where(Post.status == status)
            .order_by(Post.updated_at.desc(), Post.id.desc())  # type: ignore[attr-defined,union-attr]
            .limit(limit)
        ).all()
    found.sort(key=lambda r: (r[0].updated_at, r[0].id or 0), reverse=True)
    return [_row(*r) for r in found[:limit]]
