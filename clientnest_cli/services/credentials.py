"""Credentials in the keyring, as JSON under the account row's ``secret_key``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Credentials
from clientnest_cli.errors import SecretsError

if TYPE_CHECKING:
    from clientnest_cli.security.secrets import Secrets
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


def save(secrets: Secrets, account: SocialAccount, creds: Credentials) -> None:
    secrets.set_json(account.secret_key, _dump(creds))


def load(secrets: Secrets, account: SocialAccount) -> Credentials:
    data = secrets.get_json(account.secret_key)
    if data is None:
        raise SecretsError(
            f"no credentials in the keyring for {account.platform}:{account.handle}",
            hint=f"reconnect with `clientnest accounts connect {account.platform}`",
        )
    return _load(data)
