"""Who acts in team mode (PostgreSQL): the database login, mapped to a user.

Each person connects with their own login; ``session_user`` names it and the
``user.db_role`` column maps it to a ClientNest user. An unmapped login is
refused. Owners and admins may act as someone else (``--as``); the audit log
then records the real person, "A acting as B".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import ROLE_RANK, Role
from clientnest_cli.errors import BadInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.store.models import User

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


def team_actor(session: Session) -> User:
    """The user mapped to this connection's login, or PermissionDenied."""
    from clientnest_cli.store.repos import Users

    login = session_login(session)
    users = Users(session)
    user = users.by_db_role(login)
    if user is not None:
        return user
    if not users.any_login_mapped() and _owns_database(session):
        # A store from before team mode: the database's owner is its first owner.
        owner = users.first_owner()
        if owner is not None:
            owner.db_role = login
            session.add(owner)
            session.flush()
            return owner
    raise PermissionDenied(
        f"the database login '{login}' is not mapped to a ClientNest user",
        hint="an owner or admin maps it: `clientnest users add EMAIL --db-role "
        f"{login}` (or `users set-db-role EMAIL {login}`)",
    )


def act_as(session: Session, real: User, email: str) -> User:
    """``real`` acting as ``email``: owners and admins only, never above their own role."""
    from clientnest_cli.store.repos import Users

    if ROLE_RANK[Role(real.role)] < ROLE_RANK[Role.ADMIN]:
        raise PermissionDenied(
            f"{real.email} is {real.role}; acting as someone else (--as) needs admin or above",
            hint="drop --as (and config's `user`): you act as your own database login",
        )
    target = Users(session).by_email(email)
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


def _owns_database(session: Session) -> bool:
    from sqlalchemy import text

    row = session.execute(
        text(
            "SELECT r.rolsuper OR d.datdba = r.oid FROM pg_roles r, pg_database d "
            "WHERE r.rolname = session_user AND d.datname = current_database()"
        )
    ).scalar()
    return bool(row)
