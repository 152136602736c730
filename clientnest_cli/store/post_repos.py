"""Typed queries for posts, their media and attempts, and posting slots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AIJob,
    Comment,
    Post,
    PostingSlot,
    PostMedia,
    PostMetricsSnapshot,
    PublishAttempt,
    SocialAccount,
)

if TYPE_CHECKING:
    from sqlmodel import Session


class Posts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_id(self, post_id: int) -> Post | None:
        return self.s.get(Post, post_id)

    def add(self, post: Post) -> Post:
        self.s.add(post)
        self.s.flush()
        return post

    def add_media(self, media: PostMedia) -> PostMedia:
        self.s.add(media)
        return media

    def media(self, post_id: int) -> Sequence[PostMedia]:
        return self.s.exec(
            select(PostMedia).where(PostMedia.post_id == post_id).order_by(col(PostMedia.position))
        ).all()

    def remove_media(self, post_id: int) -> None:
        for row in self.media(post_id):
            self.s.delete(row)
        self.s.flush()

    def thread_parts(self, lead_id: int) -> Sequence[Post]:
        return self.s.exec(
            select(Post)
            .where(Post.thread_parent_id == lead_id)
            .order_by(col(Post.thread_position), col(Post.id))
        ).all()

    def group_leads(self, group_id: str, limit: int = 1000) -> Sequence[Post]:
        """The posts of a group that are not thread parts (siblings, occurrences)."""
        return self.s.exec(
            select(Post)
            .where(Post.group_id == group_id, col(Post.thread_parent_id).is_(None))
            .order_by(col(Post.scheduled_at), col(Post.id))
            .limit(limit)
        ).all()

    def by_source(self, source_file: str) -> Sequence[Post]:
        return self.s.exec(
            select(Post)
            .where(Post.source_file == source_file, col(Post.thread_parent_id).is_(None))
            .order_by(col(Post.id))
        ).all()

    def count_status(self, status: str) -> int:
        return self.s.exec(
            select(func.count()).select_from(Post).where(Post.status == status)
        ).one()

    def scheduled_times(self, account_id: int, start: datetime, end: datetime) -> set[datetime]:
        rows = self.s.exec(
            select(Post.scheduled_at).where(
                Post.account_id == account_id,
                Post.status == "scheduled",
                col(Post.scheduled_at) >= start,
                col(Post.scheduled_at) <= end,
            )
        ).all()
        return {r for r in rows if r is not None}

    def attempts(self, post_id: int) -> Sequence[PublishAttempt]:
        return self.s.exec(
            select(PublishAttempt)
            .where(PublishAttempt.post_id == post_id)
            .order_by(col(PublishAttempt.started_at), col(PublishAttempt.id))
        ).all()

    def export_rows(self, statuses: Sequence[str] = (), limit: int = 100_000) -> Sequence[Post]:
        query = select(Post).where(col(Post.thread_parent_id).is_(None))
        if statuses:
            query = query.where(col(Post.status).in_(list(statuses)))
        return self.s.exec(query.order_by(col(Post.id)).limit(limit)).all()

    def delete(self, post: Post) -> None:
        """The post, its thread parts, and the rows that hang off them."""
        from sqlalchemy import delete, update

        from clientnest_cli.store.models import ReplyRequest

        ids = [post.id, *[p.id for p in self.thread_parts(post.id or 0)]]
        comments = select(Comment.id).where(col(Comment.post_id).in_(ids))
        self.s.exec(delete(ReplyRequest).where(col(ReplyRequest.comment_id).in_(comments)))  # type: ignore[call-overload]
        for model in (PostMedia, PublishAttempt, PostMetricsSnapshot, Comment):
            self.s.exec(delete(model).where(col(model.post_id).in_(ids)))  # type: ignore[attr-defined]
        self.s.exec(
            update(AIJob).where(col(AIJob.result_post_id).in_(ids)).values(result_post_id=None)
        )
        children = [i for i in ids[1:]]
        if children:
            self.s.exec(delete(Post).where(col(Post.id).in_(children)))
        self.s.exec(delete(Post).where(col(Post.id) == post.id))
        self.s.expunge(post)


class Slots:
    def __init__(self, session: Session) -> None:
        self.s = session

    def for_account(self, account_id: int) -> Sequence[PostingSlot]:
        return self.s.exec(
            select(PostingSlot)
            .where(PostingSlot.account_id == account_id)
            .order_by(col(PostingSlot.weekday), col(PostingSlot.local_time))
        ).all()

    def all(self, account_id: int | None = None) -> Sequence[tuple[PostingSlot, str, str]]:
        query = select(PostingSlot, SocialAccount.platform, SocialAccount.handle).join(
            SocialAccount, col(SocialAccount.id) == col(PostingSlot.account_id)
        )
        if account_id is not None:
            query = query.where(PostingSlot.account_id == account_id)
        query = query.order_by(
            col(SocialAccount.platform),
            col(SocialAccount.handle),
            col(PostingSlot.weekday),
            col(PostingSlot.local_time),
        )
        return self.s.exec(query).all()  # type: ignore[return-value]

    def add(self, slot: PostingSlot) -> PostingSlot:
        self.s.add(slot)
        self.s.flush()
        return slot

    def remove(self, slot: PostingSlot) -> None:
        self.s.delete(slot)
        self.s.flush()


# --- AI: usage metering, queued jobs, planning ---------------------------------
# (models are imported inside the methods so this section stays self-contained)
