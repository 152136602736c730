"""Reading the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from clientnest_cli.services.timeparse import parse_when
from clientnest_cli.store.repos import Audit

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import AuditEvent


def list_events(
    ctx: AppContext, *, since: str | None, actor: str | None, limit: int
) -> Sequence[AuditEvent]:
    with ctx.store.session() as session:
        user = ctx.actor(session)
        since_at = parse_when(since, user.timezone, allow_past=True) if since else None
        return Audit(session).list(since=since_at, actor=actor, limit=limit)
