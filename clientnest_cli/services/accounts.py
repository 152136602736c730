"""Connecting social accounts, and everything done to them afterwards.

Tokens go to the keyring, never the database. Connecting the same account
again updates its row and its secret instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import AccountStatus, Role
from clientnest_cli.domain.transport import host_of, is_loopback_host
from clientnest_cli.errors import BadInput, LimitReached
from clientnest_cli.platforms.base import AccountContext, Adapter, ConnectRequest
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.services import credentials
from clientnest_cli.store.values import utcnow

if TYPE_CHECKING:
    import httpx
    from sqlmodel import Session

    from clientnest_cli.platforms.base import Connected
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount
    from clientnest_cli.store.rows import SendingAccountRow

OAUTH_KINDS = ("oauth", "oauth-pkce", "oauth-app")
FETCHES_MEDIA = ("instagram", "threads", "tiktok")  # media must be at a public URL


@dataclass
class ConnectOptions:
    """What the user gave `accounts connect`; each platform reads its own fields."""

    base_url: str | None = None  # API base or instance URL
    handle: str = ""  # Bluesky identifier
    password: str = ""  # Bluesky app password
    url: str = ""  # webhook URL
    path: str = ""  # feed file
    page_id: str = ""  # Facebook/Instagram page when a login has several
    client: str | None = None  # ClientNest client to attach the account to
    timeout: float = 180.0
    open_browser: Callable[[str], None] | None = None


def _base_url(ctx: AppContext, cls: type[Adapter], given: str | None) -> str:
    configured = ctx.settings.platform(cls.name).base_url
    base = (given or configured or cls.default_base_url).rstrip("/")
    if not base and cls.capabilities.auth in ("webhook", "file"):
        return ""  # the webhook URL or the file path is the whole address
    local = base.startswith("http://") and is_loopback_host(host_of(base))
    if not base.startswith("https://") and not local:
        raise BadInput(
            f"{base} is not an https:// URL",
            hint="platform APIs are reached over https; only the local sandbox may use http://127.0.0.1",
        )
    return base


def _request(ctx: AppContext, cls: type[Adapter], opts: ConnectOptions) -> ConnectRequest:
    settings = ctx.settings.platform(cls.name)
    base = _base_url(ctx, cls, opts.base_url)
    sandbox = is_loopback_host(host_of(base))
    auth_base = settings.auth_base_url or (base if sandbox else "")
    registers_itself = cls.capabilities.auth == "oauth-app"  # Mastodon: one app per instance
    client_id = (
        "" if registers_itself else settings.client_id or ("clientnest-sandbox" if sandbox else "")
    )
    extra = {"page_id": opts.page_id} if opts.page_id else {}
    return ConnectRequest(
        base_url=base,
        auth_base_url=auth_base,
        client_id=client_id,
        client_secret=""
        if registers_itself
        else app_secret(ctx, cls.name) or ("clientnest-sandbox-secret" if sandbox else ""),
        identifier=opts.handle,
        password=opts.password,
        url=opts.url,
        path=opts.path,
        extra=extra,
    )


def app_secret_key(platform: str) -> str:
    return f"app:{platform}:client_secret"


def app_secret(ctx: AppContext, platform: str) -> str:
    """Your app's OAuth client secret: CLIENTNEST_<PLATFORM>_CLIENT_SECRET, else the keyring."""
    import os

    from_env = os.environ.get(f"CLIENTNEST_{platform.upper()}_CLIENT_SECRET")
    if from_env:
        return from_env
    if get_adapter_class(platform).capabilities.auth not in OAUTH_KINDS:
        return ""
    return ctx.vault.get(app_secret_key(platform)) or ""


def set_app_secret(ctx: AppContext, platform: str, secret: str) -> None:
    cls = get_adapter_class(platform)
    if cls.capabilities.auth not in OAUTH_KINDS:
        raise BadInput(f"{cls.display_name} does not use an OAuth app secret")
    if not secret.strip():
        raise BadInput(
            "the client secret is empty",
            hint="pipe it in: `… | clientnest accounts app-secret PLATFORM`",
        )
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "setting app secrets")
        credentials.bound(ctx.vault, session).set(app_secret_key(platform), secret.strip())
        ctx.audit(session, actor.email, "app_secret.set", "platform", platform)


def connect(ctx: AppContext, platform: str, opts: ConnectOptions) -> SocialAccount:
    """Run the platform's connect flow and store the account (and its secret)."""
    from clientnest_cli.platforms.http import make_client
    from clientnest_cli.platforms.transport import guarded

    cls = get_adapter_class(platform)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "connecting accounts")
        client_id = _client_id(session, opts.client)
    req = _request(ctx, cls, opts)
    with make_client() as raw:
        base = req.base_url or cls.default_base_url
        http = guarded(
            raw, cls.name, [base, req.auth_base_url or cls.default_auth_base_url, req.url]
        )
        if cls.capabilities.auth in OAUTH_KINDS:
            if not req.client_id and cls.capabilities.auth != "oauth-app":
                raise BadInput(
                    f"connecting {cls.display_name} needs your app's OAuth client id",
                    hint=f"set [platforms.{platform}] client_id in config.toml",
                )
            req = _run_browser_flow(cls, req, opts, http)
        else:
            req = cls.prepare_connect(req, http)
        connected = cls.connect(req, http)
    return _store_connected(ctx, cls, connected, actor.email, client_id, opts)


def _run_browser_flow(
    cls: type[Adapter], req: ConnectRequest, opts: ConnectOptions, http: httpx.Client
) -> ConnectRequest:
    """Consent in the browser; the redirect comes back to a loopback listener."""
    from clientnest_cli.services.oauth_loopback import LoopbackReceiver, pkce_pair

    verifier, challenge = pkce_pair()
    with LoopbackReceiver() as receiver:
        req.redirect_uri = receiver.redirect_uri
        req = cls.prepare_connect(req, http)  # e.g. Mastodon registers this redirect URI
        url = cls.authorize_url(req, receiver.state, challenge)
        if opts.open_browser is not None:
            opts.open_browser(url)
        req.code = receiver.wait(opts.timeout, cls.name)
    req.code_verifier = verifier
    return req


def _client_id(session: Session, name: str | None) -> int | None:
    from clientnest_cli.services.account_refs import client_id_in
    from clientnest_cli.store.repos import Clients

    return client_id_in(Clients(session), name)


def _store_connected(
    ctx: AppContext,
    cls: type[Adapter],
    connected: Connected,
    actor_email: str,
    client_id: int | None,
    opts: ConnectOptions,
) -> SocialAccount:
    from clientnest_cli.store.models import SocialAccount
    from clientnest_cli.store.repos import Accounts

    info = connected.info
    with ctx.store.session() as session:
        accounts = Accounts(session)
        account = accounts.find(cls.name, info.platform_user_id, connected.base_url)
        is_new = account is None
        if account is None:
            _check_account_limit(ctx, session)
            account = SocialAccount(
                platform=cls.name,
                platform_user_id=info.platform_user_id,
                instance_url=connected.base_url,
                handle=info.handle,
            )
        account.handle = info.handle or account.handle
        account.display_name = info.display_name
        account.status, account.status_reason = AccountStatus.ACTIVE, ""
        account.token_expires_at = connected.credentials.expires_at
        if client_id is not None:
            account.client_id = client_id
        if opts.path:
            account.settings = {**account.settings, "path": opts.path}
        if cls.name in FETCHES_MEDIA and is_loopback_host(host_of(connected.base_url)):
            # the sandbox serves the store's media itself (`clientnest sandbox serve`)
            origin = connected.base_url.rsplit("/", 1)[0]
            account.settings = {"media_base_url": f"{origin}/media", **account.settings}
        _apply_counts(account, info)
        accounts.add(account)
        credentials.save(ctx.vault, account, connected.credentials, session)
        ctx.audit(
            session,
            actor_email,
            "account.connect" if is_new else "account.reconnect",
            "account",
            account.id,
            platform=cls.name,
            handle=account.handle,
        )
        return account


def _apply_counts(account: SocialAccount, info: object) -> None:
    for field, attr in (
        ("followers", "followers"),
        ("following", "following"),
        ("posts", "post_count"),
    ):
        value = getattr(info, field, None)
        if value is not None:
            setattr(account, attr, value)


def _check_account_limit(ctx: AppContext, session: Session) -> None:
    from clientnest_cli.store.repos import Accounts

    actor = ctx.actor(session)
    limit = ctx.policy(session).tier_limits(actor.tier).accounts
    count = Accounts(session).count()
    if count >= limit:
        raise LimitReached(
            f"the {actor.tier} tier allows {limit} connected accounts and {count} are connected",
            hint="disconnect one, or move to a bigger tier (`clientnest users set-tier`)",
        )


# --- finding accounts ----------------------------------------------------------


def resolve(session: Session, ref: str) -> SocialAccount:
    """An account from `PLATFORM:HANDLE`, `HANDLE` or its numeric id."""
    from clientnest_cli.services.account_refs import resolve_in
    from clientnest_cli.store.repos import Accounts

    return resolve_in(Accounts(session), ref)  # type: ignore[no-any-return]


def show(ctx: AppContext, ref: str) -> SocialAccount:
    with ctx.store.session() as session:
        ctx.actor(session)
        return resolve(session, ref)


def adapter_for(
    ctx: AppContext, account: SocialAccount | SendingAccountRow, http: object | None = None
) -> Adapter:
    """An adapter for a stored account, with its credentials from the keyring."""
    cls = get_adapter_class(account.platform)
    creds = credentials.load(ctx.vault, account)
    settings = dict(account.settings)
    configured = ctx.settings.platform(account.platform)
    if configured.media_base_url:
        settings.setdefault("media_base_url", configured.media_base_url)
    if configured.client_id:
        settings.setdefault("client_id", configured.client_id)
    context = AccountContext(
        handle=account.handle,
        base_url=account.instance_url or cls.default_base_url,
        credentials=creds,
        platform_user_id=account.platform_user_id,
        settings=settings,
    )
    return cls(context, http)  # type: ignore[arg-type]


def set_client(ctx: AppContext, ref: str, client: str | None) -> SocialAccount:
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "moving accounts between clients")
        account = resolve(session, ref)
        account.client_id = _client_id(session, client)
        session.add(account)
        ctx.audit(session, actor.email, "account.set_client", "account", account.id, client=client)
        return account


def disconnect(ctx: AppContext, ref: str) -> SocialAccount:
    """Forget the account's secret and disable it; its posts and history stay."""
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "disconnecting accounts")
        account = resolve(session, ref)
        credentials.delete(ctx.vault, account, session)
        account.status, account.status_reason = AccountStatus.DISABLED, "disconnected"
        session.add(account)
        ctx.audit(session, actor.email, "account.disconnect", "account", account.id)
        return account


def refresh(ctx: AppContext, ref: str) -> SocialAccount:
    from clientnest_cli.services.tokens import refresh_now

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "refreshing tokens")
        account = resolve(session, ref)
    refresh_now(ctx, account, actor.email)
    return show(ctx, str(account.id))


def sync(
    ctx: AppContext,
    refs: Sequence[str] = (),
    progress: Callable[[SocialAccount], None] | None = None,
) -> list[tuple[SocialAccount, str]]:
    """Pull profile and counts into AccountStatsSnapshot; returns (account, outcome)."""
    from clientnest_cli.errors import ClientNestError
    from clientnest_cli.services.tokens import with_fresh_token
    from clientnest_cli.store.repos import Accounts

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "syncing accounts")
        targets = [resolve(session, r) for r in refs] or list(Accounts(session).active())
    results = []
    for account in targets:
        try:
            info = with_fresh_token(
                ctx, account, lambda adapter: adapter.account_info(), actor.email
            )
        except ClientNestError as exc:
            results.append((account, f"failed: {exc.one_line()}"))
        else:
            results.append((_record_stats(ctx, account, info), "ok"))  # the row after the sync
        if progress:
            progress(account)
    return results


def _record_stats(ctx: AppContext, account: SocialAccount, info: object) -> SocialAccount:
    from clientnest_cli.store.models import AccountStatsSnapshot, SocialAccount

    with ctx.store.session() as session:
        row = session.get(SocialAccount, account.id)
        assert row is not None
        _apply_counts(row, info)
        row.last_synced_at = utcnow()
        session.add(row)
        session.add(
            AccountStatsSnapshot(
                account_id=row.id or 0,
                followers=row.followers,
                following=row.following,
                post_count=row.post_count,
            )
        )
        session.flush()
        return row
