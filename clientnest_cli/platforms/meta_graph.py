"""Graph API errors shared by the Facebook, Instagram and Threads adapters.

Errors arrive as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` (the older Instagram OAuth host answers
``{"error_type", "code", "error_message"}``). Code 190 (and 102, 2500) is a
dead or expired token; 4, 17, 32, 613 (and 80001…) are throttling, sent as
HTTP 400/403 as often as 429, with the wait in the usage headers'
``estimated_time_to_regain_access`` (minutes). Instagram and Threads add
code 9 (publishing limit) and 9007 / 2207027 (a container is not ready
yet); Facebook adds 506 (a duplicate post). What differs between the
products is described by a :class:`GraphProduct`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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
NOT_READY_SUBCODE = 2207027
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage")
DEFAULT_THROTTLE_WAIT_S = 60.0
PUBLISH_LIMIT_WAIT_S = 3600.0
NOT_READY_WAIT_S = 10.0


@dataclass(frozen=True)
class GraphProduct:
    """One Graph API product (Instagram, Threads, Facebook Pages) and its wording."""

    platform: str
    display: str
    token: str = "access token"
    auth_reason: str | None = "expired or revoked"  # None: quote Graph's message
    permission_hint: str = "the token lacks a permission"
    throttle_wait_s: float | None = DEFAULT_THROTTLE_WAIT_S  # when no usage header says
    throttle_who: Mapping[int, str] | None = None  # whose limit a code means; key 0: others
    publish_limits: bool = True  # codes 9 and 9007 / 2207027 (the container products)
    duplicate_code: int | None = None

    @property
    def reconnect(self) -> str:
        return f"reconnect with `clientnest accounts connect {self.platform}`"


def error_object(resp: httpx.Response) -> dict[str, Any]:
    """The Graph ``error`` object (or the old OAuth shape) of a response, or {}."""
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
    """Every ``estimated_time_to_regain_access`` found in a parsed usage header."""
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


def graph_failure(resp: httpx.Response, product: GraphProduct, action: str) -> PlatformError:
    """A Graph error response as a PlatformError with a message a person reads."""
    status = resp.status_code
    error = error_object(resp)
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    detail = str(error.get("message") or f"HTTP {status}").strip()
    display = product.display
    common: dict[str, Any] = {"platform": product.platform, "status": status}
    if code in AUTH_CODES or status == 401:
        return PlatformError(
            f"{display} no longer accepts the saved {product.token} while {action} "
            f"({product.auth_reason or detail})",
            kind="auth",
            hint=product.reconnect,
            **common,
        )
    if code in THROTTLE_CODES or status == 429:
        reason = f"code {code}"
        if product.throttle_who is not None:
            who = product.throttle_who.get(code or 0, product.throttle_who[0])
            reason = f"{who} was reached, {reason}"
        return PlatformError(
            f"{display} is throttling requests ({reason}) while {action}",
            kind="retryable",
            retry_after=regain_seconds(resp.headers) or product.throttle_wait_s,
            **common,
        )
    if product.publish_limits and code == PUBLISH_LIMIT_CODE:
        return PlatformError(
            f"{display}'s publishing limit for the last 24 hours is reached while {action}",
            kind="retryable",
            retry_after=PUBLISH_LIMIT_WAIT_S,
            **common,
        )
    if product.publish_limits and (code == NOT_READY_CODE or subcode == NOT_READY_SUBCODE):
        return PlatformError(
            f"{display} is still processing the media while {action}",
            kind="retryable",
            retry_after=NOT_READY_WAIT_S,
            **common,
        )
    if status >= 500 or code in TRANSIENT_CODES or error.get("is_transient"):
        return PlatformError(
            f"{display} had a temporary problem while {action} ({detail})",
            kind="retryable",
            **common,
        )
    if product.duplicate_code is not None and code == product.duplicate_code:
        return PlatformError(
            f"{display} rejected a duplicate of an earlier post while {action}", **common
        )
    hint = f"{product.permission_hint}; {product.reconnect}" if code in PERMISSION_CODES else None
    return PlatformError(f"{display} refused {action}: {detail}", hint=hint, **common)


def raise_for_status(resp: httpx.Response, product: GraphProduct, action: str) -> None:
    """Raise the Graph error of a failed response (no-op below 400)."""
    if resp.status_code >= 400:
        raise graph_failure(resp, product, action)


def graph_json(resp: httpx.Response, product: GraphProduct, action: str) -> Any:
    """The parsed JSON body, or a retryable error if it cannot be read."""
    from clientnest_cli.platforms.http import read_json

    return read_json(resp, platform=product.platform, display=product.display, action=action)


def json_of(resp: httpx.Response, product: GraphProduct, action: str) -> dict[str, Any]:
    """The JSON object of a successful answer, or a retryable error if it is not one."""
    body = graph_json(resp, product, action)
    if not isinstance(body, dict):
        raise PlatformError(
            f"{product.display} sent an unexpected answer while {action}",
            kind="retryable",
            platform=product.platform,
            status=resp.status_code,
        )
    return body
