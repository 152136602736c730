"""Setting up the store, team members and clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import Role
from clientnest_cli.domain.validation import (
    check_email,
    check_name,
    check_role,
    check_tier,
    check_timezone,
)
from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.store.models import Client, User
from clientnest_cli.store.repos import Clients, Users

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext


def initialise(ctx: AppContext, *, email: str, name: str, timezone: str) -> User:
    """Create (or migrate) the store and its first owner. Refuses a second init.

    Migration and the owner are one transaction under a lock (SQLite's write
    lock; a PostgreSQL advisory lock), so two `init`s at once make one owner.
    """
    from sqlmodel import Session

    from clientnest_cli.store.db import current_revision, init_lock, migrate_on

    email, timezone = check_email(email), check_timezone(timezone)
    name = check_name(name or email.split("@")[0], "name")
    store = ctx.create_store()
    if current_revision(store.engine) is not None:
        with store.session() as session:
            if Users(session).count():
                raise _already(store.url)
    with store.engine.begin() as conn:
        init_lock(conn)
        migrate_on(conn)
        session = Session(bind=conn, expire_on_commit=False)
        if Users(session).count():
            raise _already(store.url)
        owner = Users(session).add(
            User(
                email=email,
                name=name,
                role=Role.OWNER,
                tier="free",
                timezone=timezone,
                ai_tokens_limit=ctx.policy(session).tier_limits("free").ai_tokens_per_month,
            )
        )
        if store.dialect == "postgresql":
            from clientnest_cli.services.identity import session_login

            owner.db_role = session_login(session)
            session.add(owner)
        ctx.audit(session, email, "store.init", "user", owner.id, email=email)
        session.flush()
    return owner


def _already(url: str) -> BadInput:
    return BadInput(
        f"the store at {url.split('@')[-1]} is already initialised",
        hint="add people with `clientnest users add`; `clientnest db upgrade` migrates",
    )


def add_user(
    ctx: AppContext,
    *,
    email: str,
    name: str,
    role: str,
    tier: str,
    timezone: str,
    db_role: str = "",
) -> User:
    email, role_, tier_ = check_email(email), check_role(role), check_tier(tier)
    timezone = check_timezone(timezone)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "adding users")
        _only_owner_grants_owner(actor, role_)
        users = Users(session)
        if users.by_email(email):
            raise BadInput(f"a user with email {email} already exists", hint="see `users show`")
        login = _free_login(session, db_role) if db_role else ""
        user = users.add(
            User(
                email=email,
                name=check_name(name or email.split("@")[0], "name"),
                role=role_,
                tier=tier_,
                timezone=timezone,
                ai_tokens_limit=ctx.policy(session).tier_limits(tier_).ai_tokens_per_month,
                db_role=login,
            )
        )
        details = {"email": email, "role": role_} | ({"db_role": login} if login else {})
        ctx.audit(session, actor.email, "user.add", "user", user.id, **details)
        return user


def set_db_role(ctx: AppContext, email: str, db_role: str) -> User:
    """Map (or with "" unmap) a PostgreSQL login to a user."""
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "mapping database logins")
        user = get_user(session, email)
        _only_owner_grants_owner(actor, Role(user.role), user)
        login = _free_login(session, db_role, user) if db_role.strip() else ""
        old, user.db_role = user.db_role, login
        session.add(user)
        ctx.audit(session, actor.email, "user.set_db_role", "user", user.id, old=old, new=login)
        return user


def _free_login(session: Session, db_role: str, user: User | None = None) -> str:
    from clientnest_cli.services.identity import check_login

    login = check_login(db_role)
    holder = Users(session).by_db_role(login)
    if holder is not None and (user is None or holder.id != user.id):
        raise BadInput(f"the database login '{login}' is already mapped to {holder.email}")
    return login


def get_user(session: Session, email: str) -> User:
    user = Users(session).by_email(email)
    if user is None:
        raise NotFound(f"no user with email {email}", hint="see `clientnest users list`")
    return user


def show_user(ctx: AppContext, email: str) -> User:
    with ctx.store.session() as session:
        ctx.actor(session)
        return get_user(session, email)


def set_role(ctx: AppContext, email: str, role: str) -> User:
    role_ = check_role(role)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "changing roles")
        user = get_user(session, email)
        _only_owner_grants_owner(actor, role_, user)
        if user.role == Role.OWNER and role_ != Role.OWNER:
            _keep_an_owner(session)
        old, user.role = user.role, role_
        session.add(user)
        ctx.audit(session, actor.email, "user.set_role", "user", user.id, old=old, new=role_)
        return user


def set_tier(ctx: AppContext, email: str, tier: str) -> User:
    tier_ = check_tier(tier)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "changing tiers")
        user = get_user(session, email)
        old, user.tier = user.tier, tier_
        user.ai_tokens_limit = ctx.policy(session).tier_limits(tier_).ai_tokens_per_month
        session.add(user)
        ctx.audit(session, actor.email, "user.set_tier", "user", user.id, old=old, new=tier_)
        return user


def remove_user(ctx: AppContext, email: str, reassign_to: str | None = None) -> dict:
    """Remove a team member: `users erase` without the export (see data_rights)."""
    from clientnest_cli.services.data_rights import erase_user

    return erase_user(ctx, email, reassign_to, action="user.remove")


def _keep_an_owner(session: Session) -> None:
    if Users(session).count_role(Role.OWNER) <= 1:
        raise BadInput(
            "that is the last owner; a store always keeps one",
            hint="make someone else owner first (`clientnest users set-role EMAIL owner`)",
        )


def _only_owner_grants_owner(actor: User, role: Role, target: User | None = None) -> None:
    touches_owner = role == Role.OWNER or (target is not None and target.role == Role.OWNER)
    if touches_owner and actor.role != Role.OWNER:
        from clientnest_cli.errors import PermissionDenied

        raise PermissionDenied(
            f"{actor.email} is {actor.role}; changing an owner needs owner",
            hint="ask an owner, or act as one with --as EMAIL",
        )


# --- clients ---------------------------------------------------------------


def add_client(ctx: AppContext, name: str, notes: str = "") -> Client:
    name = check_name(name, "client name")
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "adding clients")
        clients = Clients(session)
        if clients.by_name(name):
            raise BadInput(f"a client named '{name}' already exists")
        client = clients.add(Client(name=name, notes=notes))
        ctx.audit(session, actor.email, "client.add", "client", client.id, name=name)
        return client


def list_clients(ctx: AppContext) -> list[tuple[Client, int]]:
    with ctx.store.session() as session:
        ctx.actor(session)
        clients = Clients(session)
        return [(c, clients.account_count(c.id or 0)) for c in clients.all()]


def get_client(session: Session, name: str) -> Client:
    client = Clients(session).by_name(name)
    if client is None:
        raise NotFound(f"no client named '{name}'", hint="see `clientnest clients list`")
    return client


def show_client(ctx: AppContext, name: str) -> tuple[Client, int]:
    with ctx.store.session() as session:
        ctx.actor(session)
        client = get_client(session, name)
        return client, Clients(session).account_count(client.id or 0)


def remove_client(ctx: AppContext, name: str) -> None:
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "removing clients")
        client = get_client(session, name)
        count = Clients(session).account_count(client.id or 0)
        if count:
            raise BadInput(
                f"client '{client.name}' still has {count} account(s)",
                hint="move them with `clientnest accounts set-client` first",
            )
        Clients(session).remove(client)
        ctx.audit(session, actor.email, "client.remove", "client", client.id, name=client.name)
