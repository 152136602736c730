"""Typed queries for services: people, clients, accounts and the audit log.

Posts, AI and metrics queries live in post_repos.py, ai_repos.py and
metrics_repos.py. Services never build SQL themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AuditEvent,
    Client,
    SocialAccount,
    User,
)
from clientnest_cli.store.types import fold_key

if TYPE_CHECKING:
    from sqlmodel import Session


class Users:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_email(self, email: str) -> User | None:
        return self.s.exec(select(User).where(func.lower(User.email) == email.lower())).first()

    def by_id(self, user_id: int) -> User | None:
        return self.s.get(User, user_id)

    def all(self) -> Sequence[User]:
        return self.s.exec(select(User).order_by(col(User.id))).all()

    def count(self) -> int:
        return self.s.exec(select(func.count()).select_from(User)).one()

    def count_role(self, role: str) -> int:
        return self.s.exec(select(func.count()).select_from(User).where(User.role == role)).one()

    def first_owner(self) -> User | None:
        return self.s.exec(select(User).where(User.role == "owner").order_by(col(User.id))).first()

    def add(self, user: User) -> User:
        self.s.add(user)
        self.s.flush()
        return user

    def remove(self, user: User) -> None:
        self.s.delete(user)
        self.s.flush()


class Clients:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_name(self, name: str) -> Client | None:
        return self.s.exec(select(Client).where(Client.name_key == fold_key(name))).first()

    def by_id(self, client_id: int) -> Client | None:
        return self.s.get(Client, client_id)

    def all(self) -> Sequence[Client]:
        return self.s.exec(select(Client).order_by(col(Client.name))).all()

    def account_count(self, client_id: int) -> int:
        return self.s.exec(
            select(func.count())
            .select_from(SocialAccount)
            .where(SocialAccount.client_id == client_id)
        ).one()

    def add(self, client: Client) -> Client:
        self.s.add(client)
        self.s.flush()
        return client

    def remove(self, client: Client) -> None:
        self.s.delete(client)
        self.s.flush()


class Audit:
    def __init__(self, session: Session) -> None:
        self.s = session

    def record(self, event: AuditEvent) -> None:
        self.s.add(event)

    def list(
        self, *, since: datetime | None = None, actor: str | None = None, limit: int = 100
    ) -> Sequence[AuditEvent]:
        query = select(AuditEvent)
        if since is not None:
            query = query.where(col(AuditEvent.created_at) >= since)
        if actor:
            query = query.where(func.lower(AuditEvent.actor) == actor.lower())
        query = query.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
        return self.s.exec(query.limit(limit)).all()


class Accounts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_id(self, account_id: int) -> SocialAccount | None:
        return self.s.get(SocialAccount, account_id)

    def find(self, platform: str, platform_user_id: str, base_url: str) -> SocialAccount | None:
        return self.s.exec(
            select(SocialAccount).where(
                SocialAccount.platform == platform,
                SocialAccount.platform_user_id == platform_user_id,
                SocialAccount.instance_url == base_url,
            )
        ).first()

    def by_handle(self, handle: str, platform: str | None = None) -> Sequence[SocialAccount]:
        query = select(SocialAccount).where(SocialAccount.handle_key == fold_key(handle))
        if platform:
            query = query.where(SocialAccount.platform == platform.lower())
        return self.s.exec(query.order_by(col(SocialAccount.id))).all()

    def all(self, client_id: int | None = None) -> Sequence[SocialAccount]:
        query = select(SocialAccount)
        if client_id is not None:
            query = query.where(SocialAccount.client_id == client_id)
        return self.s.exec(
            query.order_by(col(SocialAccount.platform), col(SocialAccount.handle))
        ).all()

    def active(self) -> Sequence[SocialAccount]:
        return self.s.exec(
            select(SocialAccount)
            .where(SocialAccount.status == "active")
            .order_by(col(SocialAccount.id))
        ).all()

    def count(self) -> int:
        return self.s.exec(
            select(func.count())
            .select_from(SocialAccount)
            .where(SocialAccount.status != "disabled")
        ).one()

    def add(self, account: SocialAccount) -> SocialAccount:
        self.s.add(account)
        self.s.flush()
        return account

    def lock(self, account_id: int) -> SocialAccount | None:
        """The row, locked for update until the transaction ends (PostgreSQL).

        SQLite sessions already hold the database's write lock (BEGIN IMMEDIATE).
        """
        return self.s.exec(
            select(SocialAccount).where(SocialAccount.id == account_id).with_for_update()
        ).first()


# --- posts and posting slots (issue 5) --------------------------------------
