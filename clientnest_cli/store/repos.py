"""Typed queries for services: people, clients, accounts and the audit log.

Posts, AI and metrics queries live in post_repos.py, ai_repos.py and
metrics_repos.py. Services never build SQL themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AuditEvent,
    Client,
    PolicySetting,
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

    def by_db_role(self, name: str) -> User | None:
        return self.s.exec(select(User).where(User.db_role == name)).first()

    def any_login_mapped(self) -> bool:
        return self.s.exec(select(User.id).where(User.db_role != "").limit(1)).first() is not None

    # --- team mode (PostgreSQL; services/identity.py) -------------------------------
    @property
    def dialect(self) -> str:
        return self.s.get_bind().dialect.name

    def login(self) -> str:
        from sqlalchemy import text

        return str(self.s.execute(text("SELECT session_user")).scalar())

    def owns_database(self) -> bool:
        from sqlalchemy import text

        from clientnest_cli.store.lite_repos import OWNS_DATABASE

        return bool(self.s.execute(text(OWNS_DATABASE)).scalar())

    def map_login(self, user: User, login: str) -> None:
        user.db_role = login
        self.s.add(user)
        self.s.flush()

    def set_tier_token_limit(self, tier: str, limit: int) -> int:
        """Every user on ``tier`` gets the new monthly AI token limit; how many."""
        from sqlalchemy import update

        result = self.s.exec(  # type: ignore[call-overload]
            update(User).where(col(User.tier) == tier).values(ai_tokens_limit=limit)
        )
        return int(result.rowcount or 0)


class Policies:
    """The team-wide policy keys that were set (unset keys keep their defaults)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def all(self) -> dict[str, str]:
        return {p.key: p.value for p in self.s.exec(select(PolicySetting)).all()}

    def put(self, key: str, value: str, by: str) -> None:
        from clientnest_cli.store.types import utcnow

        row = self.s.get(PolicySetting, key) or PolicySetting(key=key)
        row.value, row.updated_by, row.updated_at = value, by, utcnow()
        self.s.add(row)
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


class OrmUnit:
    """What composing needs of the store, on an ORM session (see lite_repos.LiteUnit)."""

    def __init__(self, session: Session) -> None:
        from clientnest_cli.store.post_repos import Posts

        self.s = session
        self.users = Users(session)
        self.accounts = Accounts(session)
        self.posts = Posts(session)

    @property
    def dialect(self) -> str:
        return self.users.dialect

    def policy_values(self) -> dict[str, str]:
        return Policies(self.s).all()

    def count_status(self, status: str) -> int:
        return self.posts.count_status(status)

    def add_post(self, **values: Any) -> Any:
        from clientnest_cli.store.models import Post

        return self.posts.add(Post(**values))

    def add_media(self, **values: Any) -> None:
        from clientnest_cli.store.models import PostMedia

        self.posts.add_media(PostMedia(**values))

    def add_audit(self, **values: Any) -> None:
        Audit(self.s).record(AuditEvent(**values))
