"""Typed queries for AI usage, budgets and the AI job queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AIJob,
    Comment,
    Post,
    User,
)

if TYPE_CHECKING:
    from sqlmodel import Session


if TYPE_CHECKING:
    from clientnest_cli.store.models import AIJob as AIJobRow
    from clientnest_cli.store.models import AIRequestLog as AIRequestLogRow
    from clientnest_cli.store.models import Comment as CommentRow


class AIUsage:
    """The per-user monthly token counter and the AIRequestLog rows."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def log(self, row: AIRequestLogRow) -> None:
        self.s.add(row)
        self.s.flush()

    def start_month(self, user_id: int, month: str) -> None:
        """Reset the counter when it belongs to an earlier month."""
        from sqlalchemy import update

        self.s.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.ai_usage_month) != month)
            .values(ai_tokens_used=0, ai_usage_month=month)
        )

    def reserve(self, user_id: int, month: str, tokens: int) -> bool:
        """Add ``tokens`` to the counter if it stays within the limit (one atomic UPDATE)."""
        from sqlalchemy import update

        result = self.s.exec(
            update(User)
            .where(
                col(User.id) == user_id,
                col(User.ai_usage_month) == month,
                col(User.ai_tokens_used) + tokens <= col(User.ai_tokens_limit),
            )
            .values(ai_tokens_used=col(User.ai_tokens_used) + tokens)
        )
        return result.rowcount == 1

    def settle(self, user_id: int, month: str, reserved: int, actual: int) -> None:
        """Replace a reservation by what was actually used (never below zero)."""
        from sqlalchemy import case, update

        new = col(User.ai_tokens_used) - reserved + actual
        self.s.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.ai_usage_month) == month)
            .values(ai_tokens_used=case((new < 0, 0), else_=new))
        )

    def summary(
        self, start: datetime, end: datetime, user_id: int | None = None
    ) -> list[tuple[int | None, str, int, int, int, int, float]]:
        """(user_id, purpose, requests, failed, prompt, completion, cost) per user and purpose."""
        from sqlalchemy import case

        from clientnest_cli.store.models import AIRequestLog

        failed = func.sum(case((col(AIRequestLog.outcome) != "ok", 1), else_=0))
        query = (
            select(
                AIRequestLog.user_id,
                AIRequestLog.purpose,
                func.count(),
                failed,
                func.sum(AIRequestLog.prompt_tokens),
                func.sum(AIRequestLog.completion_tokens),
                func.sum(AIRequestLog.cost),
            )
            .where(col(AIRequestLog.created_at) >= start, col(AIRequestLog.created_at) < end)
            .group_by(col(AIRequestLog.user_id), col(AIRequestLog.purpose))
            .order_by(col(AIRequestLog.user_id), col(AIRequestLog.purpose))
        )
        if user_id is not None:
            query = query.where(AIRequestLog.user_id == user_id)
        return [
            (uid, purpose, int(n), int(bad or 0), int(p or 0), int(c or 0), float(cost or 0.0))
            for uid, purpose, n, bad, p, c, cost in self.s.exec(query).all()
        ]


class AIJobs:
    """Queued AI requests, claimed one at a time by a conditional UPDATE."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, job: AIJobRow) -> AIJobRow:
        self.s.add(job)
        self.s.flush()
        return job

    def by_id(self, job_id: int) -> AIJobRow | None:

        return self.s.get(AIJob, job_id)

    def recent(self, limit: int = 50, status: str | None = None) -> Sequence[AIJobRow]:

        query = select(AIJob)
        if status:
            query = query.where(AIJob.status == status)
        return self.s.exec(query.order_by(col(AIJob.id).desc()).limit(limit)).all()

    def claimable_ids(self, now: datetime, limit: int) -> list[int]:

        query = select(AIJob.id).where(_claimable(now)).order_by(col(AIJob.id)).limit(limit)
        return [int(i) for i in self.s.exec(query).all() if i is not None]

    def claim(self, job_id: int, owner: str, now: datetime, until: datetime) -> bool:
        from sqlalchemy import update

        result = self.s.exec(
            update(AIJob)
            .where(col(AIJob.id) == job_id, _claimable(now))
            .values(status="running", lease_owner=owner, lease_expires_at=until)
        )
        return result.rowcount == 1

    def finish(self, job_id: int, owner: str, **values: object) -> bool:
        """Set ``values`` on a job this owner still holds."""
        from sqlalchemy import update

        result = self.s.exec(
            update(AIJob)
            .where(col(AIJob.id) == job_id, col(AIJob.lease_owner) == owner)
            .values(**values)
        )
        return result.rowcount == 1


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    """Queued and not held back, or running with an expired lease (its worker died)."""
    from sqlalchemy import and_, or_

    lease = col(AIJob.lease_expires_at)
    free = or_(lease.is_(None), lease < now)
    return and_(or_(col(AIJob.status) == "queued", col(AIJob.status) == "running"), free)


class AIPlanning:
    """What the AI planner and reply helper read beyond Posts and Slots."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def taken_times(self, account_id: int, start: datetime, end: datetime) -> set[datetime]:
        """Times of the account's drafts and scheduled posts in [start, end)."""

        query = select(Post.scheduled_at).where(
            Post.account_id == account_id,
            col(Post.status).in_(("draft", "scheduled", "publishing", "checking")),
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
        return {t for t in self.s.exec(query).all() if t is not None}

    def comment(self, comment_id: int) -> CommentRow | None:

        return self.s.get(Comment, comment_id)


# --- metrics and comments sync (issue 6) ---------------------------------------
