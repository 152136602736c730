"""Helpers of the X adapter: error mapping, text matching, token parsing.

Kept apart from ``x.py`` so the adapter reads as the list of API calls it
makes. Facts from PLATFORMS.md § X.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Credentials
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.http import parse_rate_limit, retry_after_seconds

if TYPE_CHECKING:
    import httpx

PLATFORM = "x"
DUPLICATE_DETAIL = "duplicate content"
RECONNECT_HINT = "reconnect with `clientnest accounts connect x`"
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _body(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def problem_text(resp: httpx.Response) -> str:
    """The human part of a problem+json (or OAuth) error body, on one line."""
    body = _body(resp)
    messages = [
        str(e.get("message"))
        for e in body.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    detail = body.get("detail") or body.get("error_description") or body.get("title") or ""
    text = "; ".join(messages) if messages else str(detail)
    text = _SPACE.sub(" ", text).strip()
    return (text[:300] + "…") if len(text) > 300 else (text or f"HTTP {resp.status_code}")


def is_duplicate(resp: httpx.Response) -> bool:
    return (
        resp.status_code == 403 and DUPLICATE_DETAIL in str(_body(resp).get("detail", "")).lower()
    )


def is_too_long(resp: httpx.Response) -> bool:
    return resp.status_code == 400 and "too long" in problem_text(resp).lower()


def retry_after(resp: httpx.Response) -> float | None:
    """X sends no Retry-After: wait until x-rate-limit-reset."""
    wait = parse_rate_limit(resp.headers, "x").wait_seconds()
    return wait if wait is not None else retry_after_seconds(resp.headers)


def error_for(resp: httpx.Response, action: str) -> PlatformError:
    """Map an X error response to a PlatformError the engine can act on."""
    status = resp.status_code
    if status == 401:
        return PlatformError(
            "X did not accept the access token (expired or revoked)",
            kind="auth", platform=PLATFORM, status=status, hint=RECONNECT_HINT,
        )  # fmt: skip
    if status == 429:
        wait = retry_after(resp)
        when = f"; the limit resets in {wait:.0f} s" if wait is not None else ""
        return PlatformError(
            f"X rate limit reached while trying to {action}{when}",
            kind="retryable", platform=PLATFORM, status=status, retry_after=wait,
        )  # fmt: skip
    if status >= 500:
        return PlatformError(
            f"X had a server error (HTTP {status}) while trying to {action}",
            kind="retryable", platform=PLATFORM, status=status,
        )  # fmt: skip
    if is_too_long(resp):
        return PlatformError(
            "X rejected the post: the text is longer than 280 weighted characters",
            platform=PLATFORM, status=status,
            hint="shorten it (links count 23, emoji and CJK characters count 2)",
        )  # fmt: skip
    return PlatformError(
        f"X refused to {action}: {problem_text(resp)}", platform=PLATFORM, status=status
    )


def credentials_from(
    body: dict[str, Any], previous: Credentials | None = None, extra: dict[str, str] | None = None
) -> Credentials:
    """Credentials from a token response; a rotated refresh token replaces the old one."""
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise PlatformError(
            "X answered the token request without an access token",
            kind="auth",
            platform=PLATFORM,
            hint=RECONNECT_HINT,
        )
    expires_in = body.get("expires_in")
    expires_at = (
        datetime.now(UTC) + timedelta(seconds=int(expires_in))
        if isinstance(expires_in, int | float) and expires_in > 0
        else None
    )
    refresh = body.get("refresh_token") or (previous.refresh_token if previous else "")
    merged = dict(previous.extra) if previous else {}
    merged.update(extra or {})
    if body.get("scope"):
        merged["scope"] = str(body["scope"])
    return Credentials(
        access_token=access, refresh_token=refresh, expires_at=expires_at, extra=merged
    )


def normalise_text(text: str) -> str:
    """Text as X may echo it back: entities unescaped, links wrapped, spaces squeezed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return _SPACE.sub(" ", _URL.sub("<url>", text)).strip()


def replied_to(tweet: dict[str, Any]) -> str | None:
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def x_time(moment: datetime) -> str:
    """RFC 3339 in UTC, the form start_time accepts."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
