"""The adapter protocol every platform implements.

An adapter speaks one platform's HTTP API for one account. It never touches
the database or the keyring: services hand it an ``AccountContext`` (base URL,
ids and the current ``Credentials``) and persist whatever it returns. When an
adapter refreshes a token it returns the new ``Credentials``; the service
saves them before anything else uses them (refresh tokens rotate).

Errors are always ``PlatformError`` with a ``kind`` the engine acts on:
retryable, permanent, auth, unknown (see errors.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    CommentData,
    Credentials,
    Existence,
    OutgoingPost,
    PastPost,
    PostMetrics,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:  # httpx is imported lazily: keep `clientnest --help` fast
    from datetime import datetime

    import httpx


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do, shown by `clientnest platforms list`."""

    threads: bool = False
    media_types: tuple[str, ...] = ()  # MIME types accepted
    max_media: int = 0
    text_only: bool = True  # False: media is required
    idempotency: str = "none"  # key | record-key | container | publish-id | duplicate-detect | none
    edit: bool = False
    delete: bool = False
    metrics: bool = True
    metrics_batch: int = 1  # ids per metrics request
    comments: bool = False
    auth: str = "oauth"  # oauth | oauth-pkce | app-password | oauth-app | webhook | file
    max_length: int | None = None  # None: per instance / not limited


@dataclass
class AccountContext:
    """One connected account as an adapter sees it."""

    handle: str
    base_url: str
    credentials: Credentials
    platform_user_id: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # e.g. media host URL


@dataclass
class ConnectRequest:
    """Everything a connect flow may need; each adapter reads its own fields."""

    base_url: str
    auth_base_url: str = ""  # where the browser goes for consent; "" = the adapter's default
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    code: str = ""
    code_verifier: str = ""
    identifier: str = ""  # Bluesky handle
    password: str = ""  # Bluesky app password
    url: str = ""  # webhook URL
    path: str = ""  # feed file
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Connected:
    """Result of a completed connect flow."""

    credentials: Credentials
    info: AccountInfo
    base_url: str


class Adapter(ABC):
    """Base class for platform adapters. Subclasses set the class attributes."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    default_base_url: ClassVar[str]
    default_auth_base_url: ClassVar[str] = ""

    def __init__(self, account: AccountContext, http: httpx.Client | None = None) -> None:
        self.account = account
        self._http = http

    @property
    def http(self) -> httpx.Client:
        """The shared client, limited to the hosts this account may send credentials to
        (the platform's documented hosts and the account's configured ones)."""
        from clientnest_cli.platforms.transport import guarded

        if self._http is None:
            from clientnest_cli.platforms.http import make_client

            self._http = make_client()
        view = getattr(self, "_guarded", None)
        if view is None or view.client is not self._http:
            auth = self.account.settings.get("auth_base_url") or self.default_auth_base_url
            urls = [self.account.base_url or self.default_base_url, auth]
            urls.append(self.account.credentials.extra.get("url", ""))  # a webhook's own URL
            view = self._guarded = guarded(self._http, self.name, urls)
        return view  # type: ignore[return-value]

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # --- content ---------------------------------------------------------
    @abstractmethod
    def validate(self, post: OutgoingPost) -> list[Violation]:
        """Length and media rules, counted the platform's way."""

    @abstractmethod
    def publish(self, post: OutgoingPost) -> PublishedRef:
        """Send one post (one part of a thread). Raises PlatformError."""

    @abstractmethod
    def find_existing(self, post: OutgoingPost) -> Existence:
        """Did an earlier, interrupted ``publish`` of this post land?"""

    # --- metrics and comments --------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        """Metrics for many posts, batched to ``capabilities.metrics_batch``."""
        return []

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        return []

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        raise PlatformError(
            f"{self.display_name} does not support replies here", platform=self.name
        )

    # --- account ---------------------------------------------------------
    def refresh_token(self) -> Credentials:
        """Return fresh credentials; raise PlatformError(kind='auth') if impossible."""
        raise PlatformError(
            f"{self.display_name} tokens cannot be refreshed",
            kind="auth",
            platform=self.name,
            hint=f"reconnect with `clientnest accounts connect {self.name}`",
        )

    @abstractmethod
    def account_info(self) -> AccountInfo: ...

    # --- connecting (class-level: there is no account yet) ----------------
    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        """The URL a browser opens for OAuth consent (OAuth platforms only)."""
        raise NotImplementedError

    @classmethod
    def prepare_connect(cls, req: ConnectRequest, http: httpx.Client) -> ConnectRequest:
        """Steps before consent, e.g. Mastodon's per-instance app registration."""
        return req

    @classmethod
    @abstractmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        """Finish connecting: exchange a code, log in, or check a webhook/file."""

    # --- deleting what was published (``capabilities.delete``) -------------
    #: Why this platform's API cannot delete a post, in words for the user.
    cannot_delete: ClassVar[str] = "its API offers no way to delete a post"

    def delete(self, ref: PublishedRef) -> bool:
        """Delete one published post: True when deleted now, False when it was
        already gone (so a repeat is done, not an error). Platforms whose API
        cannot delete keep this refusal."""
        raise PlatformError(
            f"{self.display_name} cannot delete posts here: {self.cannot_delete}",
            platform=self.name,
            hint=f"delete it in the {self.display_name} app or website",
        )

    # --- history (backfill) ------------------------------------------------
    backfill_note: ClassVar[str] = "its API does not list an account's earlier posts here"

    def fetch_history(self, since: datetime) -> list[PastPost]:
        """The account's own posts published since ``since``, newest first, with their
        figures; read in the platform's page size. Adapters that cannot, raise."""
        raise PlatformError(
            f"{self.display_name} cannot backfill: {self.backfill_note}", platform=self.name
        )


def lookup_failed(exc: PlatformError, prefix: str = "") -> Existence:
    """``find_existing``'s answer when its lookup failed.

    A transient failure (5xx, 429, timeout, cut connection) or an auth problem
    is not an answer: it is raised, so the publisher retries the lookup with
    backoff (and parks the post in ``checking`` if it still cannot ask). Only
    a definite refusal becomes "unknown".
    """
    if exc.kind in ("retryable", "unknown", "auth"):
        raise exc
    return Existence.unknown(f"{prefix}{exc.message}")


def expect_success(
    resp: httpx.Response,
    expected: Collection[int],
    *,
    platform: str,
    display: str,
    action: str,
) -> None:
    """Only the documented success status counts as success.

    Error statuses (4xx, 5xx) are left to the adapter's own mapping. A redirect
    is never followed — the request did not reach the API — so it is a
    permanent error quoting the answer. Any other 2xx than the documented one
    may mean the platform acted after all: "unknown", so the publisher asks the
    platform before any retry.
    """
    status = resp.status_code
    if status in expected or status >= 400:
        return
    words = " ".join(resp.text.split())[:200] or "an empty answer"
    if 300 <= status < 400:
        raise PlatformError(
            f"{display} answered {action} with a redirect (HTTP {status}): {words}",
            platform=platform,
            status=status,
            hint="check the account's server address; redirects are never followed",
        )
    wanted = " or ".join(str(s) for s in sorted(expected)) if len(expected) < 5 else "2xx"
    raise PlatformError(
        f"{display} answered {action} with HTTP {status}, not the documented {wanted}: {words}",
        kind="unknown",
        platform=platform,
        status=status,
    )
