"""Graph API errors and calls shared by the Instagram and Threads adapters.

Errors arrive as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` (the older Instagram OAuth host answers
``{"error_type", "code", "error_message"}``). Code 190 is a dead or expired
token; 4, 17, 32, 613 (and 80001…) are throttling, sent as HTTP 400/403 as
often as 429, with the wait in the usage headers'
``estimated_time_to_regain_access`` (minutes); code 9 is a publishing limit;
9007 / 2207027 means a container is not ready yet.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:
    import httpx

AUTH_CODES = {190, 102, 2500}
THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008}
TRANSIENT_CODES = {1, 2}
PERMISSION_CODES = {10, *range(200, 300)}
PUBLISH_LIMIT_CODE = 9
NOT_READY_CODE = 9007
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage")
DEFAULT_THROTTLE_WAIT_S = 60.0
PUBLISH_LIMIT_WAIT_S = 3600.0


def error_object(resp: httpx.Response) -> dict[str, Any]:
    """The Graph ``error`` object (or the old OAuth shape) of a failed response."""
    try:
        body = resp.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("error"), dict):
        return body["error"]
    if "error_message" in body:
        return {"message": body["error_message"], "type": body.get("error_type"), "code": None}
    return {}


def _minutes_in(value: Any) -> list[float]:
    found: list[float] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "estimated_time_to_regain_access" and isinstance(inner, int | float):
                found.append(float(inner))
            else:
                found += _minutes_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _minutes_in(inner)
    return found


def regain_seconds(headers: httpx.Headers) -> float | None:
    """Seconds until the throttle lifts, from the usage headers (None: not said)."""
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if raw:
            try:
                minutes += _minutes_in(json.loads(raw))
            except ValueError:
                continue
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def graph_failure(resp: httpx.Response, platform: str, display: str, action: str) -> PlatformError:
    """A Graph error response as a PlatformError with a message a person reads."""
    status = resp.status_code
    error = error_object(resp)
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    detail = str(error.get("message") or f"HTTP {status}").strip()
    common: dict[str, Any] = {"platform": platform, "status": status}
    reconnect = f"reconnect with `clientnest accounts connect {platform}`"
    if code in AUTH_CODES or status == 401:
        return PlatformError(
            f"{display} no longer accepts the saved access token while {action} "
            "(expired or revoked)",
            kind="auth",
            hint=reconnect,
            **common,
        )
    if code in THROTTLE_CODES or status == 429:
        return PlatformError(
            f"{display} is throttling requests (code {code}) while {action}",
            kind="retryable",
            retry_after=regain_seconds(resp.headers) or DEFAULT_THROTTLE_WAIT_S,
            **common,
        )
    if code == PUBLISH_LIMIT_CODE:
        return PlatformError(
            f"{display}'s publishing limit for the last 24 hours is reached while {action}",
            kind="retryable",
            retry_after=PUBLISH_LIMIT_WAIT_S,
            **common,
        )
    if code == NOT_READY_CODE or subcode == 2207027:
        return PlatformError(
            f"{display} is still processing the media while {action}",
            kind="retryable",
            retry_after=10.0,
            **common,
        )
    if status >= 500 or code in TRANSIENT_CODES or error.get("is_transient"):
        return PlatformError(
            f"{display} had a temporary problem while {action} ({detail})",
            kind="retryable",
            **common,
        )
    hint = f"the token lacks a permission; {reconnect}" if code in PERMISSION_CODES else None
    return PlatformError(f"{display} refused {action}: {detail}", hint=hint, **common)


def json_of(resp: httpx.Response, platform: str, display: str, action: str) -> dict[str, Any]:
    """The JSON body of a successful answer, or a retryable error if unreadable."""
    try:
        body = resp.json()
    except ValueError as exc:
        raise PlatformError(
            f"{display} sent an unreadable answer while {action}",
            kind="retryable",
            platform=platform,
            status=resp.status_code,
        ) from exc
    if not isinstance(body, dict):
        raise PlatformError(
            f"{display} sent an unexpected answer while {action}",
            kind="retryable",
            platform=platform,
            status=resp.status_code,
        )
    return body
