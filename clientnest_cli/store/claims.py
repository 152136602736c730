"""The publishing engine's SQL: claims with leases, and the guarded outcome writes.

A post is claimed by one conditional UPDATE whose WHERE clause carries the
status, the due time and an empty-or-expired lease, so two publishers can
never both own it; on PostgreSQL batches come from ``FOR UPDATE SKIP LOCKED``.
Every later write is guarded by ``lease_owner``: a publisher whose lease was
taken over (it was too slow, or presumed dead) cannot overwrite the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.orm import aliased

from clientnest_cli.store.models import Post, PostMedia, PublishAttempt, SocialAccount

if TYPE_CHECKING:
    from sqlmodel import Session

CLAIMABLE_APPROVALS = ("not_required", "approved")


@dataclass
class Batch:
    """A claimed batch's rows: posts, their accounts, media, thread rows, open attempts."""

    posts: dict[Any, Post]
    accounts: dict[Any, SocialAccount]
    media: dict[int, list[PostMedia]]
    threads: dict[tuple[int, int], Post]
    attempts: dict[int, int]

    def previous_part(self, post: Post) -> Post | None:
        """The part a thread part replies to: the lead for part 1, else the part before."""
        lead = post.thread_parent_id
        if lead is None:
            return None
        if post.thread_position <= 1:
            return self.threads.get((lead, 0))
        return self.threads.get((lead, post.thread_position - 1))


_prev = aliased(Post)


def _previous_part_published() -> Any:
    """A thread part may go only after the part before it is published."""
    return or_(
        Post.thread_parent_id.is_(None),  # type: ignore[union-attr]
        exists().where(
            _prev.status == "published",
            or_(
                and_(Post.thread_position == 1, _prev.id == Post.thread_parent_id),
                and_(
                    _prev.thread_parent_id == Post.thread_parent_id,
                    _prev.thread_position == Post.thread_position - 1,
                ),
            ),
        ),
    )


def _due(now: datetime) -> Any:
    return and_(
        Post.status == "scheduled",
        Post.scheduled_at <= now,  # type: ignore[operator]
        or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now),  # type: ignore[union-attr,operator]
        Post.approval_status.in_(CLAIMABLE_APPROVALS),  # type: ignore[attr-defined]
        or_(Post.lease_expires_at.is_(None), Post.lease_expires_at <= now),  # type: ignore[union-attr,operator]
        exists().where(SocialAccount.id == Post.account_id, SocialAccount.status == "active"),
        _previous_part_published(),
    )


class Claims:
    def __init__(self, session: Session) -> None:
        self.s = session

    def claim_due(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        due_by: datetime | None = None,
        attempt_by: str = "",
    ) -> list[int]:
        """Claim up to ``limit`` posts due by ``due_by`` (default now) for ``owner``.

        With ``attempt_by`` the PublishAttempt rows are opened in the same
        transaction, so a batch costs one write transaction, not one per post.
        """
        due = _due(now if due_by is None else min(now, due_by))
        stmt = (
            update(Post)
            .where(self._at_most(limit, due, Post.scheduled_at, Post.id), due)
            .values(
                status="publishing",
                lease_owner=owner,
                lease_expires_at=now + lease,
                attempts=Post.attempts + 1,
            )
            .returning(Post.id)
        )
        ids = [row[0] for row in self.s.execute(stmt).all()]
        if attempt_by and ids:
            self.s.execute(
                insert(PublishAttempt),
                [dict(post_id=post_id, daemon_id=attempt_by, started_at=now) for post_id in ids],
            )
        return ids

    def load_batch(self, ids: Sequence[int]) -> Batch:
        """Everything a claimed batch needs to be sent, one query per table."""
        posts = {p.id: p for p in self.s.execute(select(Post).where(Post.id.in_(ids))).scalars()}  # type: ignore[union-attr]
        account_ids = {p.account_id for p in posts.values()}
        accounts = {
            a.id: a
            for a in self.s.execute(
                select(SocialAccount).where(SocialAccount.id.in_(account_ids))  # type: ignore[union-attr]
            ).scalars()
        }
        media: dict[int, list[PostMedia]] = {}
        for m in self.s.execute(
            select(PostMedia).where(PostMedia.post_id.in_(ids)).order_by(PostMedia.position)  # type: ignore[attr-defined,arg-type]
        ).scalars():
            media.setdefault(m.post_id, []).append(m)
        return Batch(posts, accounts, media, self._thread_rows(posts), self.open_attempts(ids))

    def _thread_rows(self, posts: dict[Any, Post]) -> dict[tuple[int, int], Post]:
        """The leads and parts of the batch's threads, by (lead id, position); a lead is
        at (its id, 0)."""
        leads = {p.thread_parent_id for p in posts.values() if p.thread_parent_id is not None}
        if not leads:
            return {}
        rows = self.s.execute(
            select(Post).where(or_(Post.id.in_(leads), Post.thread_parent_id.in_(leads)))  # type: ignore[union-attr]
        ).scalars()
        return {
            (p.thread_parent_id, p.thread_position) if p.thread_parent_id else (p.id, 0): p
            for p in rows
        }

    def open_attempts(self, ids: Sequence[int]) -> dict[int, int]:
        """Post id → its newest attempt that has no outcome yet."""
        from sqlalchemy import func

        rows = self.s.execute(
            select(PublishAttempt.post_id, func.max(PublishAttempt.id))
            .where(PublishAttempt.post_id.in_(ids), PublishAttempt.finished_at.is_(None))  # type: ignore[attr-defined,union-attr]
            .group_by(PublishAttempt.post_id)
        ).all()
        return {post_id: attempt_id for post_id, attempt_id in rows}

    def claim_one(
        self, post_id: int, owner: str, now: datetime, lease: timedelta, attempt_by: str = ""
    ) -> bool:
        """Claim one post if it is due now (used by `publish now`)."""
        stmt = (
            update(Post)
            .where(Post.id == post_id, _due(now))
            .values(
                status="publishing",
                lease_owner=owner,
                lease_expires_at=now + lease,
                attempts=Post.attempts + 1,
            )
        )
        claimed = self.s.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
        if claimed and attempt_by:
            self.s.add(PublishAttempt(post_id=post_id, daemon_id=attempt_by, started_at=now))
        return claimed

    def take_over_expired(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        grace: timedelta = timedelta(0),
    ) -> list[int]:
        """Claim `publishing` posts whose lease ran out ``grace`` ago: their publisher died
        mid-send. ``grace`` (HTTP timeout + margin) lets a request the old holder started
        just before its lease ended finish before anyone looks for it (fencing)."""
        expired = and_(Post.status == "publishing", Post.lease_expires_at <= now - grace)  # type: ignore[operator]
        return self._take_over(expired, owner, now, lease, limit)

    def take_over_checking(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[int]:
        """Claim `checking` posts whose next check is due, back to `publishing`, to ask."""
        due = and_(
            Post.status == "checking",
            or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now),  # type: ignore[union-attr,operator]
        )
        return self._take_over(due, owner, now, lease, limit, status="publishing")

    def _take_over(
        self, where: Any, owner: str, now: datetime, lease: timedelta, limit: int, **values: Any
    ) -> list[int]:
        stmt = (
            update(Post)
            .where(self._at_most(limit, where, Post.id), where)
            .values(lease_owner=owner, lease_expires_at=now + lease, **values)
            .returning(Post.id)
        )
        return [row[0] for row in self.s.execute(stmt).all()]

    def _at_most(self, limit: int, where: Any, *order: Any) -> Any:
        """``Post.id`` among the first ``limit`` rows matching ``where``, for one UPDATE.

        On PostgreSQL the rows are picked once, in a MATERIALIZED CTE, locked with
        SKIP LOCKED so concurrent claimers take different rows. As a plain ``IN
        (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)`` the planner may rescan the
        subquery for every outer row (a nested-loop semi-join); each rescan skips
        the rows this statement has just updated and yields the next ones, so one
        claim took every due post instead of ``limit``.
        """
        picked = select(Post.id).where(where).order_by(*order).limit(limit)  # type: ignore[arg-type]
        if self.s.get_bind().dialect.name == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        batch = picked.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
        return Post.id.in_(select(batch.c.id))  # type: ignore[union-attr]

    def _owned(self, post_id: int, owner: str) -> Any:
        return and_(Post.id == post_id, Post.status == "publishing", Post.lease_owner == owner)

    def finish(self, post_id: int, owner: str, **values: Any) -> bool:
        """Write an outcome if we still hold the lease; False means we lost it."""
        values.setdefault("lease_owner", "")
        values.setdefault("lease_expires_at", None)
        stmt = update(Post).where(self._owned(post_id, owner)).values(**values)
        return self.s.execute(stmt).rowcount == 1  # type: ignore[attr-defined]

    def end_attempts(self, finished: datetime, outcomes: Sequence[tuple[int, str]]) -> None:
        """Close many attempts without an error, ``(attempt id, outcome)`` each: one
        statement, executed for every row."""
        if not outcomes:
            return
        t = PublishAttempt.__table__  # type: ignore[attr-defined]
        stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                finished_at=finished, outcome=bindparam("b_outcome"), http_status=None, error=""
            )
        )
        self.s.execute(stmt, [{"b_id": a, "b_outcome": o} for a, o in outcomes])

    def finish_published(
        self, owner: str, now: datetime, refs: dict[int, tuple[str, str, dict[str, Any]]]
    ) -> set[int]:
        """Mark published the posts of ``refs`` (id → platform id, url, extra) whose lease
        we still hold; returns those ids. The held rows are read and written in one
        transaction (locked FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds
        the write lock), and each UPDATE keeps the lease guard."""
        held_q = select(Post.id).where(
            Post.id.in_(list(refs)),  # type: ignore[union-attr]
            Post.status == "publishing",
            Post.lease_owner == owner,
        )
        if self.s.get_bind().dialect.name == "postgresql":
            held_q = held_q.with_for_update()
        held = {row[0] for row in self.s.execute(held_q).all()}
        if not held:
            return held
        t = Post.__table__  # type: ignore[attr-defined]
        stmt = (
            update(t)
            .where(
                t.c.id == bindparam("b_id"), t.c.status == "publishing", t.c.lease_owner == owner
            )
            .values(
                status="published",
                published_at=now,
                platform_post_id=bindparam("b_pid"),
                platform_url=bindparam("b_url"),
                platform_extra=bindparam("b_extra", type_=t.c.platform_extra.type),
                last_error="",
                lease_owner="",
                lease_expires_at=None,
            )
        )
        rows = [
            {"b_id": i, "b_pid": pid, "b_url": url, "b_extra": extra}
            for i, (pid, url, extra) in refs.items()
            if i in held
        ]
        self.s.execute(stmt, rows)
        return held

    def extend_many(self, ids: Sequence[int], owner: str, until: datetime) -> set[int]:
        """Renew the leases we still hold among ``ids``; returns the renewed ids."""
        stmt = (
            update(Post)
            .where(Post.id.in_(ids), Post.status == "publishing", Post.lease_owner == owner)  # type: ignore[union-attr]
            .values(lease_expires_at=until)
            .returning(Post.id)
        )
        return {row[0] for row in self.s.execute(stmt).all()}

    def start_attempt(self, post_id: int, daemon_id: str, started: datetime) -> int:
        attempt = PublishAttempt(post_id=post_id, daemon_id=daemon_id, started_at=started)
        self.s.add(attempt)
        self.s.flush()
        return attempt.id or 0

    def drop_attempt(self, attempt_id: int) -> None:
        """An attempt that never became a send (deferred by the rate limiter)."""
        from sqlalchemy import delete

        self.s.execute(delete(PublishAttempt).where(PublishAttempt.id == attempt_id))  # type: ignore[arg-type]

    def end_attempt(
        self, attempt_id: int, finished: datetime, outcome: str, status: int | None, error: str
    ) -> None:
        self.s.execute(
            update(PublishAttempt)
            .where(PublishAttempt.id == attempt_id)  # type: ignore[arg-type]
            .values(finished_at=finished, outcome=outcome, http_status=status, error=error[:2000])
        )

    def fail_unusable_accounts(self, now: datetime, reason_for: dict[str, str]) -> Sequence[int]:
        """Due posts of accounts that need re-auth or are disconnected: failed, with why."""
        rows = self.s.execute(
            select(Post.id, SocialAccount.status, SocialAccount.status_reason)
            .join(SocialAccount, SocialAccount.id == Post.account_id)  # type: ignore[arg-type]
            .where(
                Post.status == "scheduled",
                Post.scheduled_at <= now,  # type: ignore[operator]
                SocialAccount.status != "active",
            )
        ).all()
        failed = []
        for post_id, status, reason in rows:
            text = reason_for.get(status, status) + (f" ({reason})" if reason else "")
            done = self.s.execute(
                update(Post)
                .where(Post.id == post_id, Post.status == "scheduled")  # type: ignore[arg-type]
                .values(status="failed", last_error=text)
            ).rowcount  # type: ignore[attr-defined]
            if done:
                failed.append(post_id)
        return failed

    def due_count(self, now: datetime) -> int:
        from sqlalchemy import func

        return self.s.execute(select(func.count()).select_from(Post).where(_due(now))).scalar_one()

    def save_resume_token(self, post_id: int, owner: str, token: str) -> bool:
        stmt = update(Post).where(self._owned(post_id, owner)).values(resume_token=token)
        return self.s.execute(stmt).rowcount == 1  # type: ignore[attr-defined]

    def fail_later_parts(self, post: Post, reason: str) -> None:
        """When a thread part fails, the parts after it can never go: fail them too."""
        root = post.thread_parent_id or post.id
        self.s.execute(
            update(Post)
            .where(
                Post.thread_parent_id == root,
                Post.thread_position > post.thread_position,  # type: ignore[operator]
                Post.status == "scheduled",
            )
            .values(status="failed", last_error=reason)
        )

    def next_due_at(self) -> datetime | None:
        """When the earliest scheduled post becomes due (for the dispatcher's sleep)."""
        from sqlalchemy import func

        due_at = func.coalesce(Post.next_attempt_at, Post.scheduled_at)
        value = self.s.execute(
            select(func.min(due_at)).where(Post.status == "scheduled")
        ).scalar_one_or_none()
        return _aware(value)


def _aware(value: datetime | None) -> datetime | None:
    """min() over a column loses the column type on SQLite: re-attach UTC."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
