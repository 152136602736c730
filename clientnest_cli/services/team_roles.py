"""`clientnest db roles [--apply]`: database grants that back the roles in team mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput, StoreError

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


@dataclass
class RolesPlan:
    statements: list[str]
    members: dict[str, str]  # login -> ClientNest role
    applied: bool


def db_roles(ctx: AppContext, apply: bool = False) -> RolesPlan:
    """The SQL that creates the group roles, grants and guards (and, with
    ``apply``, runs it in one transaction); owners only, PostgreSQL only."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from clientnest_cli.store.pg_roles import grant_statements, member_statements
    from clientnest_cli.store.repos import Users

    if ctx.store.dialect != "postgresql":
        raise BadInput(
            "database roles are for a PostgreSQL store (team mode)",
            hint="a SQLite store is one person's 0600 file: roles there organise work",
        )
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.OWNER, "applying database roles")
        members = {u.db_role: u.role for u in Users(session).all() if u.db_role}
        statements = grant_statements() + member_statements(members)
        if not apply:
            return RolesPlan(statements, members, False)
        try:
            for statement in statements:
                session.execute(text(statement))
        except DBAPIError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise StoreError(
                f"cannot apply database roles: {reason}",
                hint="connect as the login that owns ClientNest's tables and may create roles",
            ) from None
        ctx.audit(session, actor.email, "store.db_roles", "store", "", logins=len(members))
        return RolesPlan(statements, members, True)
