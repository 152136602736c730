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
    ) -> dict[int, tuple[int, int, int, int | None]]:
        """post id → (likes, comments, shares, views) of its newest snapshot, in one query."""
        from sqlalchemy import and_

        snap = PostMetricsSnapshot
        newest = (
            select(snap.post_id, func.max(snap.captured_at).label("at"))
            .join(Post, col(Post.id) == col(snap.post_id))
            .where(*self._published(account_id, since))
            .group_by(col(snap.post_id))
            .subquery()
        )
        query = select(snap.post_id, snap.likes, snap.comments, snap.shares, snap.views).join(
            newest,
            and_(
                col(snap.post_id) == newest.c.post_id,
                col(snap.captured_at) == newest.c.at,
            ),
        )
        return {int(p): (lk, c, sh, v) for p, lk, c, sh, v in self.s.exec(query).all()}

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
        self, post_id: int | None = None, limit: int = 200
    ) -> Sequence[tuple[Comment, str, str]]:
        """Stored comments, newest first, with their account's platform and handle."""
        query = (
            select(Comment, SocialAccount.platform, SocialAccount.handle)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .join(SocialAccount, col(SocialAccount.id) == col(Post.account_id))
        )
        if post_id is not None:
            query = query.where(Comment.post_id == post_id)
        query = query.order_by(
            col(Comment.created_at).desc().nulls_last(),
            col(Comment.fetched_at).desc(),
            col(Comment.id).desc(),
        )
        return self.s.exec(query.limit(limit)).all()  # type: ignore[return-value]
