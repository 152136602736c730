"""Setting up the store, team members and clients."""

from __future__ import annotations

from collections.abc import Sequence
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
    """Create (or migrate) the store and its first owner. Refuses a second init."""
    from clientnest_cli.store.db import current_revision, migrate

    email, timezone = check_email(email), check_timezone(timezone)
    name = check_name(name or email.split("@")[0], "name")
    store = ctx.create_store()
    if current_revision(store.engine) is not None:
        with store.session() as session:
            if Users(session).count():
                raise BadInput(
                    f"the store at {store.url.split('@')[-1]} is already initialised",
                    hint="add people with `clientnest users add`; `clientnest db upgrade` migrates",
                )
    migrate(store.engine)
    with store.session() as session:
        limits = ctx.settings.tier_limits("free")
        owner = Users(session).add(
            User(
                email=email,
                name=name,
                role=Role.OWNER,
                tier="free",
                timezone=timezone,
                ai_tokens_limit=limits.ai_tokens_per_month,
            )
        )
        ctx.audit(session, email, "store.init", "user", owner.id, email=email)
    return owner


def add_user(
    ctx: AppContext, *, email: str, name: str, role: str, tier: str, timezone: str
) -> User:
    email, role_, tier_ = check_email(email), check_role(role), check_tier(tier)
    timezone = check_timezone(timezone)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "adding users")
        _only_owner_grants_owner(actor, role_)
        users = Users(session)
        if users.by_email(email):
            raise BadInput(f"a user with email {email} already exists", hint="see `users show`")
        user = users.add(
            User(
                email=email,
                name=check_name(name or email.split("@")[0], "name"),
                role=role_,
                tier=tier_,
                timezone=timezone,
                ai_tokens_limit=ctx.settings.tier_limits(tier_).ai_tokens_per_month,
            )
        )
        ctx.audit(session, actor.email, "user.add", "user", user.id, email=email, role=role_)
        return user


def list_users(ctx: AppContext) -> Sequence[User]:
    with ctx.store.session() as session:
        ctx.actor(session)
        return Users(session).all()


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
        user.ai_tokens_limit = ctx.settings.tier_limits(tier_).ai_tokens_per_month
        session.add(user)
        ctx.audit(session, actor.email, "user.set_tier", "user", user.id, old=old, new=tier_)
        return user


def remove_user(ctx: AppContext, email: str) -> None:
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "removing users")
        user = get_user(session, email)
        _only_owner_grants_owner(actor, Role(user.role), user)
        if user.role == Role.OWNER:
            _keep_an_owner(session)
        Users(session).remove(user)
        ctx.audit(session, actor.email, "user.remove", "user", user.id, email=user.email)


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
