"""Credentials as JSON under the account row's ``secret_key``, in ``ctx.vault``.

``ctx.vault`` is this host's keyring (``Secrets``) or, with ``[secrets] tokens
= "store"``, the store itself (``services/vault.py``). Pass ``session`` when
inside a unit of work: the store vault then writes in it, under its locks.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Credentials
from clientnest_cli.errors import SecretsError

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.store.models import SocialAccount


def _dump(creds: Credentials) -> dict[str, Any]:
    return {
        "access_token": creds.access_token,
        "refresh_token": creds.refresh_token,
        "expires_at": creds.expires_at.isoformat() if creds.expires_at else None,
        "refresh_expires_at": (
            creds.refresh_expires_at.isoformat() if creds.refresh_expires_at else None
        ),
        "extra": creds.extra,
    }


def _load(data: dict[str, Any]) -> Credentials:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Credentials(
        access_token=data.get("access_token", ""),
        refresh_token=data.get("refresh_token", ""),
        expires_at=when(data.get("expires_at")),
        refresh_expires_at=when(data.get("refresh_expires_at")),
        extra=dict(data.get("extra") or {}),
    )


def bound(vault: Any, session: Session | None) -> Any:
    return vault.bind(session) if session is not None and hasattr(vault, "bind") else vault


def save(
    vault: Any, account: SocialAccount, creds: Credentials, session: Session | None = None
) -> None:
    bound(vault, session).set_json(account.secret_key, _dump(creds))


def load(vault: Any, account: SocialAccount, session: Session | None = None) -> Credentials:
    data = bound(vault, session).get_json(account.secret_key)
    if data is None:
        raise SecretsError(
            f"no credentials in the keyring for {account.platform}:{account.handle}",
            hint=f"reconnect with `clientnest accounts connect {account.platform}`",
        )
    return _load(data)


def delete(vault: Any, account: SocialAccount, session: Session | None = None) -> None:
    """Forget the account's credentials wherever they are kept; already gone is fine."""
    bound(vault, session).delete(account.secret_key)
