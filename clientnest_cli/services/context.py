"""What every use case needs: settings, the store, secrets, the acting user.

Everything is loaded on first use, so a command pays only for what it touches.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import ROLE_RANK, Role
from clientnest_cli.errors import BadInput, NotFound, PermissionDenied, StoreError

if TYPE_CHECKING:
    import sqlite3

    from clientnest_cli.config import Settings
    from clientnest_cli.config_file import StoreKeys
    from clientnest_cli.paths import Paths
    from clientnest_cli.security.secrets import Secrets
    from clientnest_cli.services.policy import Policy
    from clientnest_cli.store.db import Store
    from clientnest_cli.store.lite import LiteDB
    from clientnest_cli.store.models import User


class AppContext:
    def __init__(self, config_path: Path | None = None, acting_email: str | None = None) -> None:
        self.config_path = config_path
        self.acting_email = acting_email
        self._store: Store | None = None
        self._lite: dict[threading.Thread, LiteDB] = {}  # the thin store, per thread
        self._lite_lock = threading.Lock()
        # team mode: set when the real login acts as someone else (--as)
        self.real_email: str | None = None
        self.acting_as: str | None = None
        self.light_settings = False  # see ``settings``
        self._full: Settings | None = None

    @cached_property
    def paths(self) -> Paths:
        from clientnest_cli.paths import resolve_paths

        return resolve_paths()

    @cached_property
    def settings(self) -> Settings:
        """The settings; with ``light_settings`` set (`publish now`), read without
        pydantic when the config is plainly valid (config_file.light_settings)."""
        if self.light_settings:
            from clientnest_cli.config_file import _Unsure, light_settings

            try:
                found = light_settings(self.config_path, self.paths.config_file, self._settings)
                return found  # type: ignore[return-value]
            except _Unsure:
                pass
        return self._settings()

    def _settings(self) -> Settings:
        """The settings as pydantic loads and checks them (once)."""
        if self._full is None:
            from clientnest_cli.config import load_settings

            self._full = load_settings(self.config_path, self.paths)
        return self._full

    @cached_property
    def store_keys(self) -> StoreKeys:
        """``user`` and ``database_url``, read without pydantic when the config is
        plainly valid (config_file.py); otherwise from the full settings, with
        their errors."""
        from clientnest_cli.config_file import StoreKeys, _Unsure, store_keys

        if "settings" not in self.__dict__:
            try:
                return store_keys(self.config_path, self.paths.config_file)
            except _Unsure:
                pass
        return StoreKeys(self.settings.user, self.settings.database_url)

    @property
    def database_url(self) -> str:
        from clientnest_cli.store.db import default_url

        return self.store_keys.database_url or default_url(self.paths)

    @property
    def store(self) -> Store:
        """The migrated store; refuses when it does not exist or is at another schema."""
        if self._store is None:
            from clientnest_cli.store.db import Store

            self._store = Store.open(self.database_url)
        return self._store

    def sqlite_reader(self) -> sqlite3.Connection | None:
        """The thin store's SQLite connection, for the read-only analytics that pandas
        reads without SQLAlchemy; None on PostgreSQL (those read through ``store``)."""
        from clientnest_cli.store.lite import dialect_of

        if dialect_of(self.database_url) != "sqlite":
            return None
        with self.lite() as db:
            return db.conn

    def open_store_unchecked(self) -> Store:
        """The store whatever its schema (for `db status` / `db upgrade`)."""
        from clientnest_cli.store.db import Store

        if self._store is None:
            self._store = Store.open(self.database_url, check=False)
        return self._store

    def create_store(self) -> Store:
        from clientnest_cli.store.db import Store

        # only the default data folder is made; a database_url's folder must exist
        make_folder = self.store_keys.database_url is None
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
    def actor(self, session: Any) -> User:
        """Who acts (see ``actor_in``), on an ORM session or a unit (store/units.py)."""
        from clientnest_cli.store.units import unit_of

        return self.actor_in(unit_of(session).users)  # type: ignore[no-any-return]

    def actor_in(self, users: Any) -> Any:
        """Who acts, found through ``users`` (``store.repos.Users`` or the thin
        store's ``LiteUsers``).

        SQLite (one person's store): --as EMAIL, else config's `user`, else the
        first owner; roles there organise work and are not a lock.
        PostgreSQL (a team): the database login (session_user) mapped to its
        user; --as / config's `user` only for owners and admins, audited as
        "A acting as B".
        """
        email = self.acting_email or self.store_keys.user
        if users.dialect == "postgresql":
            from clientnest_cli.services.identity import team_actor

            real = team_actor(users)
            user = real
            if email and email.lower() != real.email.lower():
                from clientnest_cli.services.identity import act_as

                user = act_as(users, real, email)
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

    @contextmanager
    def lite(self, *, write: bool = False) -> Iterator[LiteDB]:
        """A unit of work on the thin store (store/lite.py): the store-only commands
        and the publishing engine, with no SQLAlchemy import. A connection that
        failed (a server restart, a cut network) is dropped, so the next unit of
        this thread opens a fresh one, as the ORM pool's pre-ping does."""
        lite = self._lite_connection()
        try:
            with lite.unit(write=write) as db:
                yield db
        except StoreError:
            self._drop_lite(lite)
            raise

    def _drop_lite(self, lite: LiteDB) -> None:
        with self._lite_lock:
            for thread, held in list(self._lite.items()):
                if held is lite:
                    del self._lite[thread]
        lite.close()

    def _lite_connection(self) -> LiteDB:
        """This thread's connection: one per thread (the TUI reads in workers); a
        finished thread's is taken over, so workers that come and go (a poll every few
        seconds) reuse one connection instead of opening one each."""
        me = threading.current_thread()
        with self._lite_lock:
            lite = self._lite.get(me)
            if lite is None:
                done = next((t for t in self._lite if not t.is_alive()), None)
                if done is not None:
                    lite = self._lite[me] = self._lite.pop(done)
        if lite is None:
            from clientnest_cli.store.lite import LiteDB

            lite = LiteDB.open(self.database_url)  # not under the lock: it may wait
            with self._lite_lock:
                self._lite[me] = lite
        return lite

    def policy(self, session: Any) -> Policy:
        """The team-wide policy held in the store (approval rules, tier limits)."""
        from clientnest_cli.services.policy import load

        return load(session)

    def require(self, session: Any, role: Role, action: str) -> User:
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
        session: Any,
        actor: str,
        action: str,
        object_type: str = "",
        object_id: Any = "",
        **details: Any,
    ) -> None:
        """Record an audit event in ``session`` (an ORM session or a unit)."""
        from clientnest_cli.store.units import unit_of

        actor, details = self._audit_actor(actor, details)
        unit_of(session).add_audit(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=details,
        )

    def audit_many(
        self,
        db: LiteDB,
        actor: str,
        action: str,
        object_type: str,
        events: Iterable[tuple[Any, dict[str, Any]]],
    ) -> None:
        """``audit`` for many objects, ``(object id, details)`` each, in one statement on
        the thin store (the publishing engine's records)."""
        from clientnest_cli.store.lite_repos import LiteUnit

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
                )
            )
        if rows:
            LiteUnit(db).add_audits(rows)

    def _audit_actor(self, actor: str, details: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.real_email and self.acting_as and actor.lower() == self.acting_as.lower():
            # the audit actor is always the real one: "A acting as B"
            return self.real_email, {**details, "acting_as": self.acting_as}
        return actor, details

    def close(self) -> None:
        while self._lite:
            self._lite.popitem()[1].close()
        if self._store is not None:
            self._store.dispose()
            self._store = None
