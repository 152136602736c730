"""`accounts backfill`: the account's earlier posts and their figures, from its platform.

The adapter lists the posts in the platform's page size (``fetch_history``);
each one we do not have yet is stored as published and imported (never sent
by us) with one metrics snapshot; one we have (published by ClientNest or an
earlier backfill) gets a snapshot only when its figures changed. A platform
whose API cannot list earlier posts says so and nothing is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role
from clientnest_cli.services.metrics_sync import FIGURES, engagement, snapshot_figures
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.domain.outgoing import PastPost
    from clientnest_cli.services.context import AppContext


@dataclass
class BackfillReport:
    account: str
    since: datetime
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backfill(ctx: AppContext, ref: str, since: datetime) -> BackfillReport:
    from clientnest_cli.errors import BadInput
    from clientnest_cli.platforms.base import Adapter
    from clientnest_cli.platforms.registry import get_adapter_class
    from clientnest_cli.services.accounts import resolve
    from clientnest_cli.services.tokens import with_fresh_token

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "backfilling accounts")
        account = resolve(session, ref)
    cls = get_adapter_class(account.platform)
    if cls.fetch_history is Adapter.fetch_history:
        raise BadInput(
            f"{cls.display_name} cannot backfill: {cls.backfill_note}",
            hint="import its analytics export with `clientnest metrics import`",
        )
    if since >= utcnow():
        raise BadInput("--since must be in the past")
    posts = with_fresh_token(ctx, account, lambda a: a.fetch_history(since), actor.email)
    report = BackfillReport(f"{account.platform}:{account.handle}", since, fetched=len(posts))
    with ctx.store.session() as session:
        _store(session, account.id or 0, posts, report)
        ctx.audit(
            session,
            actor.email,
            "account.backfill",
            "account",
            account.id,
            fetched=report.fetched,
            created=report.created,
            updated=report.updated,
        )
    from clientnest_cli.services.analytics_rates import refresh_account_rate

    refresh_account_rate(ctx, account.id or 0)
    return report


def _store(
    session: Session, account_id: int, posts: list[PastPost], report: BackfillReport
) -> None:
    from sqlmodel import col, select

    from clientnest_cli.store.metrics_repos import MetricsSync
    from clientnest_cli.store.models import Post

    repo = MetricsSync(session)
    known = {
        pid: int(i)
        for i, pid in session.exec(
            select(Post.id, Post.platform_post_id).where(
                Post.account_id == account_id, col(Post.platform_post_id) != ""
            )
        ).all()
    }
    latest = repo.latest_figures(account_id)
    created: set[int] = set()
    for past in posts:
        if past.ref.platform_post_id in known:
            continue
        post = Post(
            account_id=account_id,
            content=past.text,
            status="published",
            published_at=past.published_at,
            platform_post_id=past.ref.platform_post_id,
            platform_url=past.ref.url,
            platform_extra=dict(past.ref.extra),
            media_type=past.media_type,
            imported=True,
            created_at=past.published_at,
        )
        session.add(post)
        session.flush()
        known[past.ref.platform_post_id] = post.id or 0
        created.add(post.id or 0)
        report.created += 1
    session.flush()
    followers = repo.posting_followers(account_id)
    rows = []
    now = utcnow()
    for past in posts:
        post_id = known[past.ref.platform_post_id]
        figures = snapshot_figures(past.metrics)
        values = tuple(figures[k] for k in FIGURES)
        if latest.get(post_id) == values:
            report.unchanged += 1
            continue
        if post_id not in created:
            report.updated += 1
        latest[post_id] = values
        rate, basis = engagement(
            past.metrics.likes,
            past.metrics.comments,
            past.metrics.shares,
            figures["impressions"],
            followers.get(post_id),
        )
        rows.append(
            {"post_id": post_id, **figures, "engagement_rate": rate, "rate_basis": basis}
            | {"captured_at": now}
        )
    repo.add_snapshots(rows)
