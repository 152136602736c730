"""What every use case needs: settings, the store, secrets, the acting user.

Everything is loaded on first use, so a command pays only for what it touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import ROLE_RANK, Role
from clientnest_cli.errors import BadInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.config import Settings
    from clientnest_cli.paths import Paths
    from clientnest_cli.security.secrets import Secrets
    from clientnest_cli.services.policy import Policy
    from clientnest_cli.store.db import Store
    from clientnest_cli.store.models import User


class AppContext:
    def __init__(self, config_path: Path | None = None, acting_email: str | None = None) -> None:
        self.config_path = config_path
        self.acting_email = acting_email
        self._store: Store | None = None
        # team mode: set when the real login acts as someone else (--as)
        self.real_email: str | None = None
        self.acting_as: str | None = None

    @cached_property
    def paths(self) -> Paths:
        from clientnest_cli.paths import resolve_paths

        return resolve_paths()

    @cached_property
    def settings(self) -> Settings:
        from clientnest_cli.config import load_settings

        return load_settings(self.config_path, self.paths)

    @property
    def database_url(self) -> str:
        from clientnest_cli.store.db import default_url

        return self.settings.database_url or default_url(self.paths)

    @property
    def store(self) -> Store:
        """The migrated store; refuses when it does not exist or is at another schema."""
        if self._store is None:
            from clientnest_cli.store.db import Store

            self._store = Store.open(self.database_url)
        return self._store

    def open_store_unchecked(self) -> Store:
        """The store whatever its schema (for `db status` / `db upgrade`)."""
        from clientnest_cli.store.db import Store

        if self._store is None:
            self._store = Store.open(self.database_url, check=False)
        return self._store

    def create_store(self) -> Store:
        from clientnest_cli.store.db import Store

        # only the default data folder is made; a database_url's folder must exist
        make_folder = self.settings.database_url is None
        self._store = Store.open(self.database_url, create=True, make_folder=make_folder)
        return self._store

    @cached_property
    def secrets(self) -> Secrets:
        from clientnest_cli.security.secrets import Secrets

        return Secrets(self.settings.secrets.backend, self.paths.secrets_file)

    @cached_property
    def vault(self) -> Any:
        """Where account tokens and app secrets live: this host's keyring, or the store.

        Both offer get/set/delete and get_json/set_json; see services/vault.py.
        """
        if self.settings.secrets.tokens == "store":
            from clientnest_cli.services.vault import StoreVault

            return StoreVault(self)
        return self.secrets

    # --- the acting user ---------------------------------------------------
    def actor(self, session: Session) -> User:
        """Who acts.

        SQLite (one person's store): --as EMAIL, else config's `user`, else the
        first owner; roles there organise work and are not a lock.
        PostgreSQL (a team): the database login (session_user) mapped to its
        user; --as / config's `user` only for owners and admins, audited as
        "A acting as B".
        """
        from clientnest_cli.store.repos import Users

        users = Users(session)
        email = self.acting_email or self.settings.user
        if session.get_bind().dialect.name == "postgresql":
            from clientnest_cli.services.identity import team_actor

            real = team_actor(session)
            user = real
            if email and email.lower() != real.email.lower():
                from clientnest_cli.services.identity import act_as

                user = act_as(session, real, email)
            self.real_email = real.email if user is not real else None
            self.acting_as = user.email
            return user
        if email:
            user = users.by_email(email)
            if user is None:
                raise NotFound(
                    f"no user with email {email}",
                    hint="see `clientnest users list`, or fix --as / config's `user`",
                )
            return user
        owner = users.first_owner()
        if owner is None:
            raise BadInput("the store has no owner", hint="run `clientnest init`")
        return owner

    def policy(self, session: Session) -> Policy:
        """The team-wide policy held in the store (approval rules, tier limits)."""
        from clientnest_cli.services.policy import load

        return load(session)

    def require(self, session: Session, role: Role, action: str) -> User:
        """The acting user, if their role is at least ``role``."""
        user = self.actor(session)
        if ROLE_RANK[Role(user.role)] < ROLE_RANK[role]:
            raise PermissionDenied(
                f"{user.email} is {user.role}; {action} needs {role} or above",
                hint="ask an owner or admin, or act as one with --as EMAIL",
            )
        return user

    def audit(
        self,
        session: Session,
        actor: str,
        action: str,
        object_type: str = "",
        object_id: Any = "",
        **details: Any,
    ) -> None:
        from clientnest_cli.store.models import AuditEvent
        from clientnest_cli.store.repos import Audit

        actor, details = self._audit_actor(actor, details)
        Audit(session).record(
            AuditEvent(
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                details=details,
            )
        )

    def audit_many(
        self,
        session: Session,
        actor: str,
        action: str,
        object_type: str,
        events: Iterable[tuple[Any, dict[str, Any]]],
    ) -> None:
        """``audit`` for many objects, ``(object id, details)`` each, in one INSERT."""
        from clientnest_cli.store.models import AuditEvent
        from clientnest_cli.store.types import utcnow

        now = utcnow()
        rows = []
        for object_id, details in events:
            who, details = self._audit_actor(actor, details)
            rows.append(
                dict(
                    actor=who,
                    action=action,
                    object_type=object_type,
                    object_id=str(object_id),
                    details=details,
                    created_at=now,
                )
            )
        if rows:
            session.execute(AuditEvent.__table__.insert(), rows)  # type: ignore[attr-defined]

    def _audit_actor(self, actor: str, details: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.real_email and self.acting_as and actor.lower() == self.acting_as.lower():
            # the audit actor is always the real one: "A acting as B"
            return self.real_email, {**details, "acting_as": self.acting_as}
        return actor, details

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None
