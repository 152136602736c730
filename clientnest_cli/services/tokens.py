"""Token lifecycle: refresh ahead of expiry, once on an auth error, then needs_reauth.

A refresh runs with the account row locked and re-reads the keyring inside
the lock: if another process refreshed meanwhile, its (rotated) tokens are
used instead of spending the now-revoked refresh token. The new credentials
are saved before anything else uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from clientnest_cli.domain.enums import AccountStatus
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.services import credentials
from clientnest_cli.store.repos import Accounts
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from clientnest_cli.platforms.base import Adapter
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

T = TypeVar("T")


def reconnect_hint(account: SocialAccount) -> str:
    return f"reconnect with `clientnest accounts connect {account.platform}`"


def ensure_usable(account: SocialAccount) -> None:
    """Refuse to work with an account that is disabled or needs re-authorisation."""
    if account.status == AccountStatus.NEEDS_REAUTH:
        raise BadInput(
            f"{account.platform}:{account.handle} needs re-authorisation ({account.status_reason})",
            hint=reconnect_hint(account),
        )
    if account.status == AccountStatus.DISABLED:
        raise BadInput(
            f"{account.platform}:{account.handle} is disconnected", hint=reconnect_hint(account)
        )


def refresh_now(
    ctx: AppContext,
    account: SocialAccount,
    actor: str,
    adapter: Adapter | None = None,
    used_token: str | None = None,
) -> Adapter:
    """Refresh the account's token (under the row lock); mark needs_reauth on failure.

    ``used_token`` is the access token that just failed or is about to expire:
    if the keyring already holds another one, someone refreshed meanwhile and
    that one is adopted instead of spending the (rotated) refresh token again.
    """
    from clientnest_cli.services.accounts import adapter_for

    with ctx.store.session() as session:
        row = Accounts(session).lock(account.id or 0)
        assert row is not None
        stored = credentials.load(ctx.secrets, row)
        adapter = adapter or adapter_for(ctx, row)
        used = used_token if used_token is not None else adapter.account.credentials.access_token
        if stored.access_token != used:
            adapter.account.credentials = stored  # someone else refreshed already
            return adapter
        try:
            fresh = adapter.refresh_token()
        except PlatformError as exc:
            if exc.kind != "auth":
                raise
            row.status, row.status_reason = AccountStatus.NEEDS_REAUTH, exc.message[:480]
            session.add(row)
            ctx.audit(session, actor, "account.needs_reauth", "account", row.id, reason=exc.message)
            session.commit()
            from clientnest_cli.services.notify import account_needs_reauth

            account_needs_reauth(ctx, row, exc.message)
            raise
        credentials.save(ctx.secrets, row, fresh)
        adapter.account.credentials = fresh
        row.token_expires_at = fresh.expires_at
        session.add(row)
        ctx.audit(session, actor, "account.token_refresh", "account", row.id)
    return adapter


def due_for_refresh(adapter: Adapter, ahead: timedelta) -> bool:
    expires = adapter.account.credentials.expires_at
    refreshable = adapter.capabilities.auth not in ("webhook", "file")
    return refreshable and expires is not None and expires - ahead <= utcnow()


def with_fresh_token(
    ctx: AppContext,
    account: SocialAccount,
    call: Callable[[Adapter], T],
    actor: str,
    adapter: Adapter | None = None,
) -> T:
    """Run ``call`` with a usable token: refresh ahead of expiry, and once on an auth error."""
    from clientnest_cli.services.accounts import adapter_for

    ensure_usable(account)
    adapter = adapter or adapter_for(ctx, account)
    ahead = timedelta(minutes=ctx.settings.daemon.token_refresh_ahead_minutes)
    if due_for_refresh(adapter, ahead):
        adapter = refresh_now(ctx, account, actor, adapter)
    used = adapter.account.credentials.access_token
    try:
        return call(adapter)
    except PlatformError as exc:
        if exc.kind != "auth":
            raise
    adapter = refresh_now(ctx, account, actor, adapter, used_token=used)
    return call(adapter)
