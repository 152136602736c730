"""The one HTTP client setup every adapter shares.

Timeouts, user agent and TLS verification are set here; ``send`` turns
transport failures into ``PlatformError`` with the right ``kind``: a failure
before the request could reach the server is retryable, a failure after a
write was sent is "unknown" (the platform may have applied it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli import __version__
from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"ClientNest/{__version__} (+local-first social media manager)"


def make_client(timeout: float = 20.0, **kwargs: Any) -> httpx.Client:
    import httpx

    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT},
        verify=True,
        follow_redirects=False,
        **kwargs,
    )


@dataclass(frozen=True)
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds

    def wait_seconds(self, now: float | None = None) -> float | None:
        if self.reset_at is None:
            return None
        return max(0.0, self.reset_at - (now if now is not None else time.time()))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_rate_limit(headers: httpx.Headers, style: str) -> RateLimit:
    """Read a platform's rate-limit headers.

    style "x": x-rate-limit-* with epoch reset; "ietf": RateLimit-* (Bluesky,
    epoch reset); "mastodon": X-RateLimit-* with an ISO 8601 reset.
    """
    if style == "x":
        prefix = "x-rate-limit-"
    elif style == "ietf":
        prefix = "ratelimit-"
    else:
        prefix = "x-ratelimit-"
    reset_raw = headers.get(prefix + "reset")
    reset: float | None = None
    if reset_raw:
        if style == "mastodon":
            try:
                reset = datetime.fromisoformat(reset_raw.replace("Z", "+00:00")).timestamp()
            except ValueError:
                reset = None
        else:
            reset = float(_int(reset_raw) or 0) or None
    return RateLimit(
        _int(headers.get(prefix + "limit")), _int(headers.get(prefix + "remaining")), reset
    )


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def _reach_hint(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).netloc or url
    if host.startswith(("127.0.0.1", "localhost", "[::1]")):
        return f"nothing answers at {host}: is `clientnest sandbox serve` (or your server) running?"
    return f"check the network connection and that {host} is up; due posts are retried"


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    platform: str,
    write: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; map transport failures to PlatformError.

    ``write`` marks a request that creates something: if it fails after the
    request went out, the outcome is unknown and must be reconciled.
    """
    import httpx

    try:
        return client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise PlatformError(
            f"could not reach {platform} ({type(exc).__name__})",
            kind="retryable",
            platform=platform,
            hint=_reach_hint(url),
        ) from exc
    except httpx.TransportError as exc:  # read timeout, dropped connection, protocol error
        kind = "unknown" if write else "retryable"
        raise PlatformError(
            f"connection to {platform} broke before the answer arrived ({type(exc).__name__})",
            kind=kind,
            platform=platform,
            hint="the post may have gone out; it will be checked before any retry"
            if write
            else None,
        ) from exc
