"""Who acts in team mode (PostgreSQL): the database login, mapped to a user.

Each person connects with their own login; ``session_user`` names it and the
``user.db_role`` column maps it to a ClientNest user. An unmapped login is
refused. Owners and admins may act as someone else (``--as``); the audit log
then records the real person, "A acting as B".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import ROLE_RANK, Role
from clientnest_cli.errors import BadInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from sqlmodel import Session

_LOGIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$")


def check_login(name: str) -> str:
    name = (name or "").strip()
    if not _LOGIN.match(name):
        raise BadInput(
            f"'{name}' is not a PostgreSQL login name",
            hint="letters, digits and _ (at most 63), starting with a letter or _",
        )
    return name


def session_login(session: Session) -> str:
    from sqlalchemy import text

    return str(session.execute(text("SELECT session_user")).scalar())


def team_actor(users: Any) -> Any:
    """The user mapped to this connection's login, or PermissionDenied.

    ``users``: the store's users (``store.repos.Users`` on a session, or the
    thin store's ``LiteUsers``): by_db_role, any_login_mapped, first_owner,
    login, owns_database, map_login."""
    login = users.login()
    user = users.by_db_role(login)
    if user is not None:
        return user
    if not users.any_login_mapped() and users.owns_database():
        # A store from before team mode: the database's owner is its first owner.
        owner = users.first_owner()
        if owner is not None:
            users.map_login(owner, login)
            return owner
    raise PermissionDenied(
        f"the database login '{login}' is not mapped to a ClientNest user",
        hint="an owner or admin maps it: `clientnest users add EMAIL --db-role "
        f"{login}` (or `users set-db-role EMAIL {login}`)",
    )


def act_as(users: Any, real: Any, email: str) -> Any:
    """``real`` acting as ``email``: owners and admins only, never above their own role."""
    if ROLE_RANK[Role(real.role)] < ROLE_RANK[Role.ADMIN]:
        raise PermissionDenied(
            f"{real.email} is {real.role}; acting as someone else (--as) needs admin or above",
            hint="drop --as (and config's `user`): you act as your own database login",
        )
    target = users.by_email(email)
    if target is None:
        raise NotFound(
            f"no user with email {email}",
            hint="see `clientnest users list`, or fix --as / config's `user`",
        )
    if ROLE_RANK[Role(target.role)] > ROLE_RANK[Role(real.role)]:
        raise PermissionDenied(
            f"{real.email} is {real.role} and cannot act as {target.email} ({target.role})"
        )
    return target
