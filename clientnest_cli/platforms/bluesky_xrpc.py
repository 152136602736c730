"""XRPC plumbing for the Bluesky adapter: sending calls and reading their answers.

Error bodies are ``{"error", "message"}``. Mapping: 429 -> retryable with the
wait from ``RateLimit-Reset``; 5xx -> retryable; 400 ``ExpiredToken`` and any
401 -> auth; everything else -> permanent with the platform's message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Credentials
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.bluesky_support import jwt_expiry

if TYPE_CHECKING:
    import httpx

PLATFORM = "bluesky"
RECONNECT_HINT = "reconnect with `clientnest accounts connect bluesky`"


def xrpc_request(
    http: httpx.Client,
    base_url: str,
    method: str,
    nsid: str,
    *,
    token: str | None = None,
    write: bool = False,
    **kwargs: Any,
) -> httpx.Response:
    """Send one XRPC call; transport failures become PlatformError (see http.send)."""
    from clientnest_cli.platforms.http import send, send_authorised

    url = f"{base_url.rstrip('/')}/xrpc/{nsid}"
    if token:
        return send_authorised(http, method, url, token, platform=PLATFORM, write=write, **kwargs)
    return send(http, method, url, platform=PLATFORM, write=write, **kwargs)


def error_name(response: httpx.Response) -> tuple[str, str]:
    """(error, message) of an XRPC error body; empty strings when it has none."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


def checked(response: httpx.Response, *, write: bool = False) -> dict[str, Any]:
    """The JSON body of a successful response, or the PlatformError it means."""
    from clientnest_cli.platforms.http import parse_rate_limit, retry_after_seconds, unreadable

    status = response.status_code
    if 200 <= status < 300:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        raise unreadable(response, platform=PLATFORM, display="Bluesky", write=write)
    error, message = error_name(response)
    detail = f": {message}" if message else (f" ({error})" if error else "")
    if status == 429:
        wait = parse_rate_limit(response.headers, "ietf").wait_seconds()
        raise PlatformError(
            "Bluesky rate limit reached",
            kind="retryable",
            platform=PLATFORM,
            status=status,
            retry_after=wait if wait is not None else retry_after_seconds(response.headers),
        )
    if status >= 500:
        raise PlatformError(
            f"Bluesky is having trouble (HTTP {status}){detail}",
            kind="retryable",
            platform=PLATFORM,
            status=status,
        )
    if error == "ExpiredToken" or status == 401:
        text = (
            "Bluesky session has expired"
            if error == "ExpiredToken"
            else "Bluesky refused the session"
        )
        raise PlatformError(
            text, kind="auth", platform=PLATFORM, status=status, hint=RECONNECT_HINT
        )
    raise PlatformError(
        f"Bluesky rejected the request{detail}", kind="permanent", platform=PLATFORM, status=status
    )


def credentials_from_session(body: dict[str, Any]) -> Credentials:
    try:
        access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        extra = {"did": str(body["did"]), "handle": str(body["handle"])}
    except KeyError as exc:
        raise PlatformError(
            "Bluesky answered the login without a session", platform=PLATFORM
        ) from exc
    return Credentials(
        access_token=access,
        refresh_token=refresh,
        expires_at=jwt_expiry(access),
        refresh_expires_at=jwt_expiry(refresh),
        extra=extra,
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def split_uri(uri: str) -> tuple[str, str, str]:
    """at://repo/collection/rkey -> (repo, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3:
        raise PlatformError(f"not a Bluesky post address: {uri}", platform=PLATFORM)
    return parts[0], parts[1], parts[2]
