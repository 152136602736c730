"""Secrets every daemon host shares: sealed in the store (``[secrets] tokens = "store"``).

Account tokens and OAuth app secrets are rows of ``StoredSecret``, each
sealed with AES-256-GCM under the store's data key (``security/sealing.py``).
The data key itself is never in the store: each enrolled host keeps it in its
own keyring or encrypted file. The first host makes it on first use;
``secrets enrol`` on an enrolled host offers it to a new host under a
one-time code, and ``secrets join`` on the new host takes it.

A secret not in the store yet (saved before the switch to ``store``) is read
from this host's keyring and moves to the store on its next write, or when
this host runs ``secrets enrol``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput, SecretsError

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext

ENROL_TTL = timedelta(hours=1)


def _not_enrolled(key_id: str) -> SecretsError:
    return SecretsError(
        f"this host does not hold the store's data key {key_id}",
        hint="on an enrolled host run `clientnest secrets enrol`, then here `clientnest secrets join`",
    )


@dataclass
class _KeyCache:
    keys: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StoreVault:
    """get/set/delete like ``Secrets``, over sealed rows of the store."""

    def __init__(
        self, ctx: AppContext, cache: _KeyCache | None = None, session: Session | None = None
    ) -> None:
        self.ctx = ctx
        self._cache = cache or _KeyCache()
        self._bound = session

    def bind(self, session: Session) -> StoreVault:
        """The same vault, working inside ``session`` (under the caller's row lock)."""
        return StoreVault(self.ctx, self._cache, session)

    @contextmanager
    def _session(self, write: bool) -> Iterator[Session]:
        if self._bound is not None:
            yield self._bound
            return
        with self.ctx.store.session(readonly=not write) as session:
            yield session

    # --- the data key ----------------------------------------------------------
    def _key(self, session: Session, key_id: str) -> bytes:
        from clientnest_cli.security.sealing import DATA_KEY_ENTRY, decode_key, verifies
        from clientnest_cli.store.models import SecretDataKey

        with self._cache.lock:
            if key_id in self._cache.keys:
                return self._cache.keys[key_id]
        held = self.ctx.secrets.get(DATA_KEY_ENTRY + key_id)
        row = session.get(SecretDataKey, key_id)
        if held is None or row is None:
            raise _not_enrolled(key_id)
        key = decode_key(held)
        if not verifies(key_id, key, row.verifier):
            raise SecretsError(
                f"this host's copy of data key {key_id} does not match the store's",
                hint="enrol this host again: `clientnest secrets enrol` / `clientnest secrets join`",
            )
        with self._cache.lock:
            self._cache.keys[key_id] = key
        return key

    def current_key(self, session: Session, create: bool = True) -> tuple[str, bytes] | None:
        """The store's data key (made here, once, if the store has none and ``create``)."""
        from sqlmodel import select

        from clientnest_cli.store.models import SecretDataKey

        def oldest() -> SecretDataKey | None:
            query = select(SecretDataKey).order_by(SecretDataKey.created_at, SecretDataKey.id)
            return session.exec(query).first()

        row = oldest()
        if row is None and create:
            if session.get_bind().dialect.name == "postgresql":
                from sqlalchemy import text

                session.exec(text("LOCK TABLE secretdatakey IN SHARE ROW EXCLUSIVE MODE"))  # type: ignore[call-overload]
            row = oldest() or self._make_key(session)
        if row is None:
            return None
        return row.id, self._key(session, row.id)

    def _make_key(self, session: Session) -> Any:
        from clientnest_cli.security.sealing import (
            DATA_KEY_ENTRY,
            encode_key,
            new_data_key,
            verifier,
        )
        from clientnest_cli.store.models import SecretDataKey

        key_id, key = new_data_key()
        self.ctx.secrets.set(DATA_KEY_ENTRY + key_id, encode_key(key))
        row = SecretDataKey(id=key_id, verifier=verifier(key_id, key))
        session.add(row)
        session.flush()
        return row

    # --- Secrets-like operations ---------------------------------------------
    def get(self, name: str) -> str | None:
        from cryptography.exceptions import InvalidTag

        from clientnest_cli.security.sealing import open_secret
        from clientnest_cli.store.models import StoredSecret

        with self._session(write=False) as session:
            row = session.get(StoredSecret, name)
            if row is None:
                return self.ctx.secrets.get(name)  # saved before the switch to the store
            try:
                return open_secret(self._key(session, row.data_key_id), name, row.sealed)
            except InvalidTag:
                raise SecretsError(
                    f"the store's secret {name} was altered or damaged",
                    hint="store it again (reconnect the account)",
                ) from None

    def set(self, name: str, value: str) -> None:
        from clientnest_cli.security.sealing import seal_secret
        from clientnest_cli.store.models import StoredSecret
        from clientnest_cli.store.types import utcnow

        with self._session(write=True) as session:
            current = self.current_key(session)
            assert current is not None
            key_id, key = current
            row = session.get(StoredSecret, name)
            moved = row is None
            row = row or StoredSecret(key=name, data_key_id=key_id, sealed="")
            row.data_key_id, row.sealed = key_id, seal_secret(key, name, value)
            row.updated_at = utcnow()
            session.add(row)
            session.flush()
        if moved:
            self.ctx.secrets.delete(name)  # a copy from before the switch, now stale

    def delete(self, name: str) -> None:
        """Remove the secret from the store and from this host's keyring; gone is fine."""
        from clientnest_cli.store.models import StoredSecret

        with self._session(write=True) as session:
            row = session.get(StoredSecret, name)
            if row is not None:
                session.delete(row)
                session.flush()
        self.ctx.secrets.delete(name)

    def set_json(self, name: str, value: dict[str, Any]) -> None:
        self.set(name, json.dumps(value, separators=(",", ":")))

    def get_json(self, name: str) -> dict[str, Any] | None:
        raw = self.get(name)
        return json.loads(raw) if raw else None


# --- bringing a host in ------------------------------------------------------
def _require_store_mode(ctx: AppContext) -> None:
    if ctx.settings.secrets.tokens != "store":
        raise BadInput(
            "account tokens are kept in this host's keyring, not in the store",
            hint='set `tokens = "store"` under [secrets] in config.toml on every daemon host',
        )


def move_host_secrets(ctx: AppContext, session: Session) -> int:
    """Seal into the store every account token and app secret this host still holds."""
    from sqlmodel import select

    from clientnest_cli.store.models import SocialAccount, StoredSecret

    vault = StoreVault(ctx).bind(session)
    accounts = session.exec(select(SocialAccount)).all()
    names = {a.secret_key for a in accounts}
    names |= {f"app:{platform}:client_secret" for platform in {a.platform for a in accounts}}
    moved = 0
    for name in sorted(names):
        if session.get(StoredSecret, name) is not None:
            continue
        value = ctx.secrets.get(name)
        if value is not None:
            vault.set(name, value)
            moved += 1
    return moved


def enrol(ctx: AppContext) -> tuple[str, datetime]:
    """A one-time code (valid for an hour) that lets another host take the data key.

    This host's tokens that are not in the store yet move there first, so the
    new host finds every account's credentials.
    """
    from sqlmodel import delete

    from clientnest_cli.security.sealing import code_hash, new_code, wrap_for_code
    from clientnest_cli.store.models import SecretEnrolment
    from clientnest_cli.store.types import utcnow

    _require_store_mode(ctx)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "enrolling daemon hosts")
        current = StoreVault(ctx).bind(session).current_key(session)
        assert current is not None
        key_id, key = current
        moved = move_host_secrets(ctx, session)
        session.exec(delete(SecretEnrolment).where(SecretEnrolment.expires_at <= utcnow()))  # type: ignore[call-overload]
        code, raw = new_code()
        expires = utcnow() + ENROL_TTL
        session.add(
            SecretEnrolment(
                code_hash=code_hash(raw),
                data_key_id=key_id,
                wrapped=wrap_for_code(raw, key_id, key),
                created_by=actor.email,
                expires_at=expires,
            )
        )
        ctx.audit(
            session,
            actor.email,
            "secrets.enrol",
            "data_key",
            key_id,
            expires_at=expires.isoformat(),
            moved_to_store=moved,
        )
    return code, expires


def join(ctx: AppContext, code: str) -> str:
    """Take the data key offered under ``code`` into this host's keyring; return its id."""
    from cryptography.exceptions import InvalidTag

    from clientnest_cli.security.sealing import (
        DATA_KEY_ENTRY,
        code_hash,
        encode_key,
        parse_code,
        unwrap_with_code,
        verifies,
    )
    from clientnest_cli.store.models import SecretDataKey, SecretEnrolment
    from clientnest_cli.store.types import utcnow

    _require_store_mode(ctx)
    raw = parse_code(code)
    unknown = BadInput(
        "the enrolment code is unknown, already used or expired",
        hint="run `clientnest secrets enrol` on an enrolled host for a new one",
    )
    with ctx.store.session() as session:
        actor = ctx.actor(session)
        offer = session.get(SecretEnrolment, code_hash(raw))
        if offer is None or offer.expires_at <= utcnow():
            raise unknown
        try:
            key = unwrap_with_code(raw, offer.data_key_id, offer.wrapped)
        except InvalidTag:
            raise unknown from None
        row = session.get(SecretDataKey, offer.data_key_id)
        if row is None or not verifies(row.id, key, row.verifier):
            raise unknown
        ctx.secrets.set(DATA_KEY_ENTRY + row.id, encode_key(key))
        session.delete(offer)
        ctx.audit(session, actor.email, "secrets.join", "data_key", row.id)
        return row.id


def status(ctx: AppContext) -> dict[str, Any]:
    """Where secrets live, and (store mode) whether this host holds the data key."""
    out: dict[str, Any] = {"backend": ctx.secrets.check(), "tokens": ctx.settings.secrets.tokens}
    if ctx.settings.secrets.tokens == "store":
        with ctx.store.session(readonly=True) as session:
            vault = StoreVault(ctx).bind(session)
            try:
                current = vault.current_key(session, create=False)
                out["data_key"] = current[0] if current else "none yet (made on first use)"
                out["enrolled"] = current is not None
            except SecretsError as exc:
                out["data_key"], out["enrolled"] = exc.one_line(), False
    return out
