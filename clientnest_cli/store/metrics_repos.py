"""Typed queries for metrics snapshots and fetched comments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    Comment,
    Post,
    PostMetricsSnapshot,
    SocialAccount,
)

if TYPE_CHECKING:
    from sqlmodel import Session


class MetricsSync:
    """What `metrics sync` reads and writes: refs, latest figures, snapshots, comments.

    Built for big accounts (100,000 posts): reads select columns, not rows;
    the latest snapshot of every post is one query; writes are executemany.
    """

    def __init__(self, session: Session) -> None:
        self.s = session

    def _published(self, account_id: int, since: datetime | None):  # type: ignore[no-untyped-def]
        conditions = [
            col(Post.account_id) == account_id,
            col(Post.status) == "published",
            col(Post.platform_post_id) != "",
        ]
        if since is not None:
            conditions.append(col(Post.published_at) >= since)
        return conditions

    def published_refs(
        self, account_id: int, since: datetime | None = None
    ) -> list[tuple[int, str, str, dict]]:
        """(post id, platform post id, url, extra) of the account's published posts."""
        query = (
            select(Post.id, Post.platform_post_id, Post.platform_url, Post.platform_extra)
            .where(*self._published(account_id, since))
            .order_by(col(Post.id))
        )
        return [(int(i), p, u or "", dict(e or {})) for i, p, u, e in self.s.exec(query).all()]

    def continued_ids(self, account_id: int) -> set[int]:
        """Published posts whose next thread part is published too: that part is a
        reply the platform counts among the post's replies, but it is ours."""
        query = select(Post.id, Post.thread_parent_id, Post.thread_position).where(
            *self._published(account_id, None)
        )
        rows = [(int(i), int(parent or i), int(pos)) for i, parent, pos in self.s.exec(query).all()]
        parts = {(root, pos) for _i, root, pos in rows}
        return {i for i, root, pos in rows if (root, pos + 1) in parts}

    def latest_figures(
        self, account_id: int, since: datetime | None = None
    ) -> dict[int, tuple[int | None, ...]]:
        """post id → (likes, comments, shares, views, impressions, reach, clicks, saves,
        quotes) of its newest snapshot, in one query."""
        from sqlalchemy import and_

        snap = PostMetricsSnapshot
        newest = (
            select(snap.post_id, func.max(snap.captured_at).label("at"))
            .join(Post, col(Post.id) == col(snap.post_id))
            .where(*self._published(account_id, since))
            .group_by(col(snap.post_id))
            .subquery()
        )
        query = select(
            snap.post_id,
            snap.likes,
            snap.comments,
            snap.shares,
            snap.views,
            snap.impressions,
            snap.reach,
            snap.clicks,
            snap.saves,
            snap.quotes,
        ).join(
            newest,
            and_(
                col(snap.post_id) == newest.c.post_id,
                col(snap.captured_at) == newest.c.at,
            ),
        )
        return {int(row[0]): tuple(row[1:]) for row in self.s.exec(query).all()}

    def add_snapshots(self, rows: Sequence[dict]) -> None:
        """Insert many PostMetricsSnapshot rows (dicts of column values) at once."""
        from sqlalchemy import insert

        if rows:
            self.s.connection().execute(insert(PostMetricsSnapshot.__table__), list(rows))  # type: ignore[attr-defined]

    def history(self, post_id: int, limit: int = 1000) -> Sequence[PostMetricsSnapshot]:
        return self.s.exec(
            select(PostMetricsSnapshot)
            .where(PostMetricsSnapshot.post_id == post_id)
            .order_by(
                col(PostMetricsSnapshot.captured_at).desc(), col(PostMetricsSnapshot.id).desc()
            )
            .limit(limit)
        ).all()

    def comment_keys(self, account_id: int, since: datetime | None = None) -> set[tuple[int, str]]:
        """(post id, platform comment id) of the comments already stored for the account."""
        query = (
            select(Comment.post_id, Comment.platform_comment_id)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .where(*self._published(account_id, since))
        )
        return {(int(p), str(c)) for p, c in self.s.exec(query).all()}

    def add_comments(self, rows: Sequence[dict]) -> None:
        """Insert many Comment rows; one already there (a concurrent sync) is left alone."""
        if not rows:
            return
        table = Comment.__table__  # type: ignore[attr-defined]
        dialect = self.s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(table).on_conflict_do_nothing(
                index_elements=["post_id", "platform_comment_id"]
            )
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(table).on_conflict_do_nothing(
                index_elements=["post_id", "platform_comment_id"]
            )
        else:
            from sqlalchemy import insert

            stmt = insert(table)
        self.s.connection().execute(stmt, list(rows))

    def comments(
        self, post_id: int | None = None, limit: int = 200, sentiment: str | None = None
    ) -> Sequence[tuple[Comment, str, str]]:
        """Stored comments, newest first, with their account's platform and handle."""
        query = (
            select(Comment, SocialAccount.platform, SocialAccount.handle)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .join(SocialAccount, col(SocialAccount.id) == col(Post.account_id))
        )
        if post_id is not None:
            query = query.where(Comment.post_id == post_id)
        if sentiment is not None:  # "" = not scored (not English)
            query = query.where(Comment.sentiment_label == sentiment)
        query = query.order_by(
            col(Comment.created_at).desc().nulls_last(),
            col(Comment.fetched_at).desc(),
            col(Comment.id).desc(),
        )
        return self.s.exec(query.limit(limit)).all()  # type: ignore[return-value]

    def posting_followers(
        self, account_id: int, since: datetime | None = None
    ) -> dict[int, int | None]:
        """post id → the account's followers when the post went out.

        The post's own ``followers_at_post`` when known (imports carry it), else the
        newest follower snapshot at or before its publication (the first one after
        when none is older), else the account's current count; None when nothing
        is known (0 followers tells nothing either).
        """
        from bisect import bisect_right

        from clientnest_cli.store.models import AccountStatsSnapshot

        stats = self.s.exec(
            select(AccountStatsSnapshot.captured_at, AccountStatsSnapshot.followers)
            .where(AccountStatsSnapshot.account_id == account_id)
            .order_by(col(AccountStatsSnapshot.captured_at))
        ).all()
        times = [t for t, _f in stats]
        account = self.s.get(SocialAccount, account_id)
        current = account.followers if account is not None and account.followers else None
        posts = self.s.exec(
            select(Post.id, Post.published_at, Post.followers_at_post).where(
                *self._published(account_id, since)
            )
        ).all()
        found: dict[int, int | None] = {}
        for post_id, published_at, own in posts:
            value: int | None = own
            if not value and stats and published_at is not None:
                at = bisect_right(times, published_at)
                value = stats[max(0, at - 1)][1]
            found[int(post_id)] = value or current
        return found

    def latest_rates(self, account_id: int) -> list[tuple[float, str]]:
        """(engagement rate, basis) of each post's newest snapshot whose rate is known."""
        from sqlalchemy import and_

        snap = PostMetricsSnapshot
        newest = (
            select(snap.post_id, func.max(snap.captured_at).label("at"))
            .join(Post, col(Post.id) == col(snap.post_id))
            .where(col(Post.account_id) == account_id)
            .group_by(col(snap.post_id))
            .subquery()
        )
        query = (
            select(snap.engagement_rate, snap.rate_basis)
            .join(
                newest,
                and_(col(snap.post_id) == newest.c.post_id, col(snap.captured_at) == newest.c.at),
            )
            .where(col(snap.engagement_rate).is_not(None))
        )
        return [(float(r), str(b)) for r, b in self.s.exec(query).all()]

    def unscored_comments(self, limit: int = 5000) -> list[tuple[int, str]]:
        """(id, text) of comments never looked at for sentiment (stored before scoring)."""
        query = (
            select(Comment.id, Comment.text)
            .where(Comment.sentiment_label == "", Comment.language == "")
            .where(col(Comment.sentiment).is_(None))
            .limit(limit)
        )
        return [(int(i), str(t)) for i, t in self.s.exec(query).all()]

    def set_sentiments(self, rows: Sequence[dict]) -> None:
        """Bulk update: dicts of cid, sentiment, sentiment_label, language."""
        from sqlalchemy import bindparam, update

        if not rows:
            return
        table = Comment.__table__  # type: ignore[attr-defined]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(
                sentiment=bindparam("sentiment"),
                sentiment_label=bindparam("sentiment_label"),
                language=bindparam("language"),
            )
        )
        self.s.connection().execute(stmt, list(rows))
