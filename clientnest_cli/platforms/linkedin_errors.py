"""LinkedIn error bodies turned into PlatformError for the LinkedIn adapter.

``{"serviceErrorCode", "message", "status", "code"?}`` for the REST API,
``{"error", "error_description"}`` for OAuth. 65600/65601 (and any 401) mean
the sign-in is invalid or revoked; 429 is a daily limit with no headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.http import read_json, retry_after_seconds

if TYPE_CHECKING:
    import httpx

AUTH_SERVICE_CODES = {65600, 65601, 65602}
RECONNECT = "reconnect with `clientnest accounts connect linkedin`"


def error_fields(resp: httpx.Response) -> dict[str, Any]:
    """The error body ({serviceErrorCode, message, status, code} or OAuth's), or {}."""
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_message(body: dict[str, Any], status: int) -> str:
    text = body.get("message") or body.get("error_description") or body.get("error")
    return str(text) if text else f"HTTP {status}"


def raise_for_status(resp: httpx.Response, action: str) -> None:
    """Turn a LinkedIn error response into a PlatformError (no-op below 400)."""
    status = resp.status_code
    if status < 400:
        return
    body = error_fields(resp)
    detail = error_message(body, status)
    common: dict[str, Any] = {"platform": "linkedin", "status": status}
    if status == 401 or body.get("serviceErrorCode") in AUTH_SERVICE_CODES:
        why = "was revoked" if body.get("serviceErrorCode") == 65601 else "is no longer valid"
        raise PlatformError(
            f"LinkedIn sign-in {why} while {action} ({detail})",
            kind="auth",
            hint=RECONNECT,
            **common,
        )
    if status == 429:
        raise PlatformError(
            f"LinkedIn's daily request limit was reached while {action}",
            kind="retryable",
            retry_after=retry_after_seconds(resp.headers),
            hint="LinkedIn limits reset daily; ClientNest will try again later",
            **common,
        )
    if status >= 500:
        raise PlatformError(
            f"LinkedIn server error {status} while {action}", kind="retryable", **common
        )
    hint = None
    if status == 426 or str(body.get("code", "")).startswith("VERSION"):
        hint = "set the account setting linkedin_version to a current YYYYMM release"
    elif status == 403:
        hint = f"the app needs the w_member_social permission; {RECONNECT}"
    raise PlatformError(f"LinkedIn refused {action}: {detail}", hint=hint, **common)


def li_json(resp: httpx.Response, action: str) -> Any:
    return read_json(resp, platform="linkedin", display="LinkedIn", action=action)
