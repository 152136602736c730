"""OAuth and tokens of the Meta adapters (Instagram, Threads).

Code → short-lived (1 h) token → ``GET /access_token?grant_type=…_exchange_token``
→ 60-day token. ``GET /refresh_access_token?grant_type=…_refresh_token``
renews a long-lived token once it is at least 24 hours old (the platform
refuses younger ones; the refusal becomes a permanent PlatformError).
``Credentials.extra["issued_at"]`` records when the token was issued. Tokens
travel in the Authorization header, never in a logged URL, except the
short-lived one during the exchange (as the API requires).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from clientnest_cli.domain.outgoing import Credentials
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, Adapter, Connected, ConnectRequest
from clientnest_cli.platforms.http import send, send_authorised
from clientnest_cli.platforms.meta_graph import (
    GraphProduct,
    graph_failure,
    json_of,
    raise_for_status,
)
from clientnest_cli.platforms.oauth import exchange_code

if TYPE_CHECKING:
    import httpx


class MetaOAuth(Adapter):
    """Connect, authorize and refresh for Graph-style platforms."""

    exchange_grant: ClassVar[str]
    refresh_grant: ClassVar[str]
    scopes: ClassVar[str]

    @classmethod
    def graph(cls) -> GraphProduct:
        """How this platform's Graph errors are worded."""
        return GraphProduct(cls.name, cls.display_name)

    @classmethod
    def code_exchange_url(cls, req: ConnectRequest) -> str:
        return f"{req.base_url.rstrip('/')}/oauth/access_token"

    def refresh_token(self) -> Credentials:
        """A new 60-day token; the platform refuses tokens younger than 24 hours."""
        url = f"{self.account.base_url.rstrip('/')}/refresh_access_token"
        resp = send_authorised(
            self.http,
            "GET",
            url,
            self.account.credentials.access_token,
            platform=self.name,
            params={"grant_type": self.refresh_grant},
        )
        if resp.status_code >= 400:
            failure = graph_failure(resp, self.graph(), "refreshing the access token")
            if failure.kind == "permanent":
                failure.hint = (
                    "a token can be refreshed once it is at least 24 hours old; "
                    "the current one stays valid until it expires"
                )
            raise failure
        body = json_of(resp, self.graph(), "refreshing the access token")
        creds = credentials_from(body, self.account.credentials.extra)
        self.account.credentials = creds
        return creds

    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        """Meta's consent page (no PKCE: the client secret protects the exchange)."""
        base = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        query = {
            "client_id": req.client_id,
            "redirect_uri": req.redirect_uri,
            "scope": cls.scopes,
            "response_type": "code",
            "state": state,
        }
        return f"{base}/oauth/authorize?{urlencode(query)}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        """Code → short-lived token → 60-day token → the account's profile."""
        action = "exchanging the authorization code"
        resp = exchange_code(http, cls.code_exchange_url(req), req, platform=cls.name)
        raise_for_status(resp, cls.graph(), action)
        short = json_of(resp, cls.graph(), action)
        action = "exchanging for a long-lived token"
        resp = send(
            http,
            "GET",
            f"{req.base_url.rstrip('/')}/access_token",
            platform=cls.name,
            params={
                "grant_type": cls.exchange_grant,
                "client_secret": req.client_secret,
                "access_token": str(short.get("access_token", "")),
            },
        )
        raise_for_status(resp, cls.graph(), action)
        creds = credentials_from(json_of(resp, cls.graph(), action), {})
        account = AccountContext(
            handle="",
            base_url=req.base_url,
            credentials=creds,
            platform_user_id=str(short.get("user_id", "")),
        )
        info = cls(account, http).account_info()
        return Connected(credentials=creds, info=info, base_url=req.base_url)


def credentials_from(body: dict[str, Any], extra: dict[str, str]) -> Credentials:
    """Credentials from a long-lived token answer; ``issued_at`` marks its age."""
    token = str(body.get("access_token") or "")
    if not token:
        raise PlatformError("the token answer carried no access token", kind="auth")
    now = datetime.now(UTC)
    expires_in = body.get("expires_in")
    expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    return Credentials(
        access_token=token,
        expires_at=expires_at,
        extra={**extra, "issued_at": now.isoformat()},
    )
