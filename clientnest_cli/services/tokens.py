"""Token lifecycle: refresh ahead of expiry, once on an auth error, then needs_reauth.

A refresh never holds a transaction across the platform call:

1. claim: briefly lock the account row, re-read the credentials, and if
   another process refreshed meanwhile adopt its (rotated) tokens instead of
   spending the now-revoked refresh token; otherwise mark the row as being
   refreshed by us until ``now + CLAIM_TTL`` (the HTTP timeout with retries
   and a margin) and commit. A claim
   held by someone else is waited out (polling, no lock held).
2. call the platform's token endpoint with no transaction open.
3. record: briefly lock the row again; if the stored refresh token is still
   the one we spent, save the new credentials (with the store backend, in
   that same transaction, under the row lock: written once) and release the
   claim; if another process rotated it meanwhile, adopt theirs.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from clientnest_cli.domain.enums import AccountStatus
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.services import credentials
from clientnest_cli.store.values import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.domain.outgoing import Credentials
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


# platforms/http.py's client times out at 20 s; the claim outlives a slow call with retries
CLAIM_TTL = timedelta(seconds=60)
POLL_SECONDS = 0.1


@dataclass
class _Claim:
    owner: str
    refresh_token: str


def _locked_row(session: Session, account_id: int) -> SocialAccount | None:
    """The account's row, locked for this transaction (the refresh path uses the ORM)."""
    from clientnest_cli.store.repos import Accounts

    return Accounts(session).lock(account_id)


def _claim(
    ctx: AppContext, account_id: int, used: str, ahead: timedelta | None
) -> _Claim | Credentials:
    """Our claim on the refresh, or the credentials someone else already refreshed."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    ttl = CLAIM_TTL
    deadline = time.monotonic() + 2 * ttl.total_seconds()
    while True:
        with ctx.store.session() as session:
            row = _locked_row(session, account_id)
            assert row is not None
            if row.status == AccountStatus.NEEDS_REAUTH:
                raise PlatformError(
                    f"{row.platform}:{row.handle} needs re-authorisation ({row.status_reason})",
                    kind="auth",
                    platform=row.platform,
                    hint=reconnect_hint(row),
                )
            stored = credentials.load(ctx.vault, row, session)
            fresh_enough = ahead is not None and (
                row.token_expires_at is None or row.token_expires_at - ahead > utcnow()
            )
            if stored.access_token != used or fresh_enough:
                return stored  # someone else refreshed already
            now = utcnow()
            if row.refresh_claim_until is None or row.refresh_claim_until <= now:
                row.refresh_claimed_by, row.refresh_claim_until = owner, now + ttl
                session.add(row)
                return _Claim(owner, stored.refresh_token)
        if time.monotonic() > deadline:
            raise PlatformError(
                "another process is refreshing this account's token and has not finished",
                kind="retryable",
            )
        time.sleep(POLL_SECONDS)


def _release(ctx: AppContext, account_id: int, claim: _Claim) -> None:
    with ctx.store.session() as session:
        row = _locked_row(session, account_id)
        if row is not None and row.refresh_claimed_by == claim.owner:
            row.refresh_claimed_by, row.refresh_claim_until = "", None
            session.add(row)


def _record(
    ctx: AppContext, account_id: int, claim: _Claim, fresh: Credentials, actor: str
) -> Credentials:
    """Save ``fresh`` unless another process rotated the token meanwhile; return the winner."""
    with ctx.store.session() as session:
        row = _locked_row(session, account_id)
        assert row is not None
        stored = credentials.load(ctx.vault, row, session)
        if row.refresh_claimed_by == claim.owner:
            row.refresh_claimed_by, row.refresh_claim_until = "", None
        if stored.refresh_token != claim.refresh_token:
            session.add(row)
            return stored  # rotated by someone else after our claim ran out: theirs stands
        credentials.save(ctx.vault, row, fresh, session)
        row.token_expires_at = fresh.expires_at
        session.add(row)
        ctx.audit(session, actor, "account.token_refresh", "account", row.id, by=claim.owner)
        return fresh


def _needs_reauth(
    ctx: AppContext, account_id: int, claim: _Claim, exc: PlatformError, actor: str
) -> None:
    with ctx.store.session() as session:
        row = _locked_row(session, account_id)
        assert row is not None
        if row.refresh_claimed_by == claim.owner:
            row.refresh_claimed_by, row.refresh_claim_until = "", None
        row.status, row.status_reason = AccountStatus.NEEDS_REAUTH, exc.message[:480]
        session.add(row)
        ctx.audit(session, actor, "account.needs_reauth", "account", row.id, reason=exc.message)
        session.commit()
        from clientnest_cli.services.notify import account_needs_reauth

        account_needs_reauth(ctx, row, exc.message)


def refresh_now(
    ctx: AppContext,
    account: SocialAccount,
    actor: str,
    adapter: Adapter | None = None,
    used_token: str | None = None,
    ahead: timedelta | None = None,
) -> Adapter:
    """Refresh the account's token (claim, call, record); mark needs_reauth on failure.

    ``used_token`` is the access token that just failed or is about to expire:
    if the store already holds another one, someone refreshed meanwhile and
    that one is adopted instead of spending the (rotated) refresh token again.
    With ``ahead``, a token that no longer expires within it is left alone.
    """
    from clientnest_cli.services.accounts import adapter_for

    adapter = adapter or adapter_for(ctx, account)
    used = used_token if used_token is not None else adapter.account.credentials.access_token
    account_id = account.id or 0
    claim = _claim(ctx, account_id, used, ahead)
    if not isinstance(claim, _Claim):
        adapter.account.credentials = claim
        adapter.adopted_token = True  # type: ignore[attr-defined]
        return adapter
    adapter.adopted_token = False  # type: ignore[attr-defined]
    adapter.account.credentials = replace(
        adapter.account.credentials, refresh_token=claim.refresh_token
    )
    try:
        fresh = adapter.refresh_token()
    except PlatformError as exc:
        if exc.kind != "auth":
            _release(ctx, account_id, claim)
            raise
        _needs_reauth(ctx, account_id, claim, exc, actor)
        raise
    except BaseException:
        _release(ctx, account_id, claim)
        raise
    adapter.account.credentials = _record(ctx, account_id, claim, fresh, actor)
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
    """Run ``call`` with a usable token: refresh ahead of expiry, and once on an auth error.

    A token adopted from another process (it refreshed first) that is refused
    too was stale where we found it (e.g. this adapter was cached): that one
    is refreshed, once.
    """
    from clientnest_cli.services.accounts import adapter_for

    ensure_usable(account)
    adapter = adapter or adapter_for(ctx, account)
    ahead = timedelta(minutes=ctx.settings.daemon.token_refresh_ahead_minutes)
    if due_for_refresh(adapter, ahead):
        adapter = refresh_now(ctx, account, actor, adapter, ahead=ahead)
    for last in (False, False, True):
        used = adapter.account.credentials.access_token
        try:
            return call(adapter)
        except PlatformError as exc:
            if exc.kind != "auth" or last:
                raise
        adapter = refresh_now(ctx, account, actor, adapter, used_token=used)
        if not getattr(adapter, "adopted_token", False):
            return call(adapter)  # we refreshed it ourselves: no third try
    raise AssertionError("unreachable")
