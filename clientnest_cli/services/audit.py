"""Reading the audit log and the team (through the thin store: no ORM import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.rows import AuditRow, UserRow


def list_events(
    ctx: AppContext, *, since: str | None, actor: str | None, limit: int
) -> list[AuditRow]:
    from clientnest_cli.store.lite_repos import LiteAudit, LiteUsers

    with ctx.lite() as db:
        user = ctx.actor_in(LiteUsers(db))
        if since:
            from clientnest_cli.services.timeparse import parse_when

            since_at = parse_when(since, user.timezone, allow_past=True)
        else:
            since_at = None
        return LiteAudit(db).list(since=since_at, actor=actor, limit=limit)


def list_users(ctx: AppContext) -> list[UserRow]:
    """Every user, by id (for `users list`)."""
    from clientnest_cli.store.lite_repos import LiteUsers

    with ctx.lite() as db:
        users = LiteUsers(db)
        ctx.actor_in(users)
        return users.all()
