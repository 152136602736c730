"""Graph API error envelopes turned into PlatformError for the Facebook adapter.

``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``:
190 (and 102, 2500) is a bad or expired token; 4, 17, 32, 613, 80001… are
throttling, sent as HTTP 400/403 as often as 429, with the wait in the usage
headers' ``estimated_time_to_regain_access`` (minutes); 506 is a duplicate.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:
    import httpx

DUPLICATE = 506
AUTH_CODES = {190, 102, 2500}
THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008}
TRANSIENT_CODES = {1, 2}
PERMISSION_CODES = {10, *range(200, 300)}
USAGE_HEADERS = ("x-business-use-case-usage", "x-page-usage", "x-app-usage", "x-ad-account-usage")
THROTTLE_WHO = {
    4: "the app's request limit",
    17: "the user's request limit",
    32: "the Page's request limit",
    613: "a rate limit",
}
RECONNECT = "reconnect with `clientnest accounts connect facebook`"


def error_of(resp: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a Graph response, or {} (also for successes)."""
    if resp.status_code < 400:
        return {}
    try:
        body = resp.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def graph_json(resp: httpx.Response, action: str) -> Any:
    try:
        return resp.json()
    except ValueError as exc:
        raise PlatformError(
            f"Facebook sent an unreadable answer while {action}",
            kind="retryable",
            platform="facebook",
            status=resp.status_code,
        ) from exc


def _regain_minutes(value: Any) -> list[float]:
    """Every ``estimated_time_to_regain_access`` found in a parsed usage header."""
    found: list[float] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "estimated_time_to_regain_access" and isinstance(inner, int | float):
                found.append(float(inner))
            else:
                found += _regain_minutes(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _regain_minutes(inner)
    return found


def regain_seconds(headers: httpx.Headers) -> float | None:
    """Seconds until access returns, from the usage headers (None when not said)."""
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            minutes += _regain_minutes(json.loads(raw))
        except ValueError:
            continue
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None


def _code(error: dict[str, Any]) -> int | None:
    try:
        return int(error.get("code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def raise_for_status(resp: httpx.Response, action: str) -> None:
    """Turn a Graph error response into a PlatformError (no-op below 400)."""
    status = resp.status_code
    if status < 400:
        return
    error = error_of(resp)
    code = _code(error)
    detail = str(error.get("message") or f"HTTP {status}")
    common: dict[str, Any] = {"platform": "facebook", "status": status}
    if code in AUTH_CODES or status == 401:
        raise PlatformError(
            f"Facebook no longer accepts the saved Page token while {action} ({detail})",
            kind="auth",
            hint=RECONNECT,
            **common,
        )
    if code in THROTTLE_CODES or status == 429:
        who = THROTTLE_WHO.get(code or 0, "the Page's request limit")
        raise PlatformError(
            f"Facebook is throttling requests ({who} was reached, code {code}) while {action}",
            kind="retryable",
            retry_after=regain_seconds(resp.headers),
            **common,
        )
    if status >= 500 or code in TRANSIENT_CODES or error.get("is_transient"):
        raise PlatformError(
            f"Facebook had a temporary problem while {action} ({detail})",
            kind="retryable",
            **common,
        )
    if code == DUPLICATE:
        raise PlatformError(
            f"Facebook rejected a duplicate of an earlier post while {action}", **common
        )
    hint = (
        f"the Page token lacks a permission (pages_manage_posts?); {RECONNECT}"
        if code in PERMISSION_CODES
        else None
    )
    raise PlatformError(f"Facebook refused {action}: {detail}", hint=hint, **common)
