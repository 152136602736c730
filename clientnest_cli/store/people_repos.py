"""Queries for data rights: everything held about one person, and erasing it.

A person's rows are their User row plus the rows that point at it
(``created_by``, ``approved_by``, ``connected_by``, ``user_id``,
``requested_by``, ``decided_by``) and the audit events that name them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import String, cast, delete, or_, update
from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AIJob,
    AIRequestLog,
    AuditEvent,
    Post,
    ReplyRequest,
    SocialAccount,
    User,
)

if TYPE_CHECKING:
    from sqlmodel import Session


class People:
    def __init__(self, session: Session) -> None:
        self.s = session

    # --- reading -------------------------------------------------------------
    def posts_by(self, user_id: int) -> Sequence[Post]:
        return self.s.exec(
            select(Post).where(Post.created_by == user_id).order_by(col(Post.id))
        ).all()

    def posts_approved_by(self, user_id: int) -> Sequence[Post]:
        return self.s.exec(
            select(Post).where(Post.approved_by == user_id).order_by(col(Post.id))
        ).all()

    def ai_requests(self, user_id: int) -> Sequence[AIRequestLog]:
        return self.s.exec(
            select(AIRequestLog)
            .where(AIRequestLog.user_id == user_id)
            .order_by(col(AIRequestLog.id))
        ).all()

    def ai_jobs(self, user_id: int) -> Sequence[AIJob]:
        return self.s.exec(select(AIJob).where(AIJob.user_id == user_id)).all()

    def replies(self, user_id: int) -> Sequence[ReplyRequest]:
        return self.s.exec(
            select(ReplyRequest).where(
                or_(ReplyRequest.requested_by == user_id, ReplyRequest.decided_by == user_id)
            )
        ).all()

    def accounts_connected(self, user_id: int) -> Sequence[SocialAccount]:
        return self.s.exec(select(SocialAccount).where(SocialAccount.connected_by == user_id)).all()

    def audit_naming(self, needles: Sequence[str]) -> Sequence[AuditEvent]:
        """Audit events whose actor or details mention any of ``needles`` (case-blind)."""
        terms = [n.lower() for n in needles if n]
        if not terms:
            return []
        clauses = []
        for term in terms:
            clauses.append(func.lower(AuditEvent.actor) == term)
            clauses.append(func.lower(cast(AuditEvent.details, String)).contains(term))
        return self.s.exec(
            select(AuditEvent).where(or_(*clauses)).order_by(col(AuditEvent.id))
        ).all()

    # --- erasing -------------------------------------------------------------
    def hand_over(self, user_id: int, to: int | None) -> dict[str, int]:
        """Reassign (``to``) or anonymise (None) what the user authored; counts."""
        counts = {}
        for name, column, new in (
            ("posts_reassigned", Post.created_by, to),
            ("approvals_anonymised", Post.approved_by, None),
            ("accounts_reassigned", SocialAccount.connected_by, to),
            ("ai_requests_anonymised", AIRequestLog.user_id, None),
            ("ai_jobs_anonymised", AIJob.user_id, None),
            ("replies_requested_reassigned", ReplyRequest.requested_by, to),
            ("replies_decided_anonymised", ReplyRequest.decided_by, None),
        ):
            table = column.class_  # type: ignore[attr-defined]
            result = self.s.exec(  # type: ignore[call-overload]
                update(table).where(column == user_id).values({column.key: new})  # type: ignore[attr-defined]
            )
            counts[name] = int(result.rowcount or 0)
        return counts

    def pseudonymise_audit(self, needles: Sequence[str], pseudonym: str) -> int:
        """Replace the person's email and name in audit rows by ``pseudonym``.

        On PostgreSQL with `db roles --apply`, audit rows are insert-only for
        every login; the rewrite then goes through the one function allowed to
        do it (``clientnest_pseudonymise_audit``), which only writes pseudonyms.
        """
        from sqlalchemy import text

        if self.s.get_bind().dialect.name == "postgresql" and _has_rewrite_function(self.s):
            changed = 0
            for needle in (n for n in needles if n):
                changed += int(
                    self.s.execute(
                        text("SELECT clientnest_pseudonymise_audit(:pattern, :alias)"),
                        {"pattern": name_pattern(needle), "alias": pseudonym},
                    ).scalar()
                    or 0
                )
            return changed
        changed = 0
        for row in self.audit_naming(needles):
            actor = replace_names(row.actor, needles, pseudonym)
            details = json.loads(replace_names(json.dumps(row.details), needles, pseudonym))
            if actor == row.actor and details == row.details:
                continue
            self.s.exec(  # type: ignore[call-overload]
                update(AuditEvent)
                .where(col(AuditEvent.id) == row.id)
                .values(actor=actor, details=details)
            )
            changed += 1
        return changed

    def pseudonymise_policy(self, email: str, pseudonym: str) -> int:
        from clientnest_cli.store.models import PolicySetting

        result = self.s.exec(  # type: ignore[call-overload]
            update(PolicySetting)
            .where(func.lower(PolicySetting.updated_by) == email.lower())
            .values(updated_by=pseudonym)
        )
        return int(result.rowcount or 0)

    def delete_user(self, user: User) -> None:
        self.s.exec(delete(User).where(col(User.id) == user.id))  # type: ignore[call-overload]
        self.s.expunge(user)


def name_pattern(needle: str) -> str:
    """A regex for ``needle`` as a whole word (works in Python and PostgreSQL)."""
    import re

    return rf"(?<![\w.@-]){re.escape(needle)}(?![\w@-])"


def replace_names(text: str, needles: Sequence[str], pseudonym: str) -> str:
    import re

    for needle in needles:
        if needle:
            text = re.sub(name_pattern(needle), pseudonym, text, flags=re.IGNORECASE)
    return text


def _has_rewrite_function(session: Session) -> bool:
    from sqlalchemy import text

    return bool(
        session.execute(
            text("SELECT 1 FROM pg_proc WHERE proname = 'clientnest_pseudonymise_audit'")
        ).scalar()
    )
