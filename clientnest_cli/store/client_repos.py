"""Queries for a departing client: everything under its accounts, read and deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col, select

from clientnest_cli.store.models import (
    AccountStatsSnapshot,
    Comment,
    Post,
    PostingSlot,
    PostMedia,
    PostMetricsSnapshot,
    SocialAccount,
)
from clientnest_cli.store.post_repos import Posts

if TYPE_CHECKING:
    from sqlmodel import Session


class ClientData:
    def __init__(self, session: Session) -> None:
        self.s = session

    def accounts(self, client_id: int) -> Sequence[SocialAccount]:
        return self.s.exec(
            select(SocialAccount)
            .where(SocialAccount.client_id == client_id)
            .order_by(col(SocialAccount.id))
        ).all()

    def posts(self, account_id: int) -> Sequence[Post]:
        return self.s.exec(
            select(Post).where(Post.account_id == account_id).order_by(col(Post.id))
        ).all()

    def rows_of_posts(self, model: type, post_ids: Sequence[int]) -> Sequence:  # type: ignore[type-arg]
        if not post_ids:
            return []
        return self.s.exec(select(model).where(col(model.post_id).in_(post_ids))).all()  # type: ignore[attr-defined]

    def rows_of_account(self, model: type, account_id: int) -> Sequence:  # type: ignore[type-arg]
        return self.s.exec(select(model).where(model.account_id == account_id)).all()  # type: ignore[attr-defined]

    def media_files_in_use(self) -> set[str]:
        return set(self.s.exec(select(PostMedia.file)).all())

    def delete_account(self, account: SocialAccount) -> dict[str, int]:
        """The account and everything hanging off it; counts of what went."""
        posts = self.posts(account.id or 0)
        ids = [p.id or 0 for p in posts]
        counts = {
            "posts": len(posts),
            "media": len(self.rows_of_posts(PostMedia, ids)),
            "metrics": len(self.rows_of_posts(PostMetricsSnapshot, ids)),
            "comments": len(self.rows_of_posts(Comment, ids)),
        }
        repo = Posts(self.s)
        for post in posts:
            if post.thread_parent_id is None:
                repo.delete(post)
        for model in (AccountStatsSnapshot, PostingSlot):
            self.s.exec(delete(model).where(model.account_id == account.id))  # type: ignore[call-overload,attr-defined]
        self.s.exec(delete(SocialAccount).where(col(SocialAccount.id) == account.id))  # type: ignore[call-overload]
        return counts
