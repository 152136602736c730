"""Mastodon adapter helpers: error mapping and the text a status shows back.

Kept apart from ``mastodon.py`` so the adapter reads as the API calls it makes.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import AccountInfo, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.http import parse_rate_limit
from clientnest_cli.platforms.http import read_json as http_read_json

if TYPE_CHECKING:
    import httpx

RECONNECT_HINT = (
    "reconnect with `clientnest accounts connect mastodon` (Mastodon tokens do not refresh)"
)
REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.\-]+\w")


def error_detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("error_description") or body.get("error")
        if message:
            return str(message)
    return f"HTTP {resp.status_code}"


def raise_for_status(resp: httpx.Response, action: str) -> None:
    """Turn a Mastodon error response into a PlatformError (no-op below 400)."""
    status = resp.status_code
    if status < 400:
        return
    detail = error_detail(resp)
    common: dict[str, Any] = {"platform": "mastodon", "status": status}
    if status == 401:
        raise PlatformError(
            f"Mastodon rejected the access token while {action} ({detail})",
            kind="auth",
            hint=RECONNECT_HINT,
            **common,
        )
    if status == 429:
        wait = parse_rate_limit(resp.headers, "mastodon").wait_seconds()
        raise PlatformError(
            f"Mastodon rate limit reached while {action}",
            kind="retryable",
            retry_after=wait,
            **common,
        )
    if status >= 500:
        raise PlatformError(
            f"Mastodon server error {status} while {action}", kind="retryable", **common
        )
    hint = "the app may lack a permission; reconnect the account" if status == 403 else None
    raise PlatformError(
        f"Mastodon refused {action}: {detail}", kind="permanent", hint=hint, **common
    )


def read_json(resp: httpx.Response, action: str) -> Any:
    return http_read_json(resp, platform="mastodon", display="Mastodon", action=action)


def html_to_text(content: str) -> str:
    """Plain text of a status' HTML content (paragraphs and line breaks kept)."""
    text = re.sub(r"<br\s*/?>", "\n", content, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def comparable(text: str) -> str:
    """Text as Mastodon shows it back: NFC, remote mentions as @user, spaces collapsed."""
    text = REMOTE_MENTION.sub(r"@\1", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def normalise_instance(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else f"https://{url}"


def created_at(status: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(status.get("created_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


def status_ref(status: dict[str, Any]) -> PublishedRef:
    return PublishedRef(
        platform_post_id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        extra={"uri": str(status.get("uri") or "")},
    )


def account_info_from(body: dict[str, Any]) -> AccountInfo:
    return AccountInfo(
        platform_user_id=str(body["id"]),
        handle=str(body.get("acct") or body.get("username") or ""),
        display_name=str(body.get("display_name") or ""),
        followers=body.get("followers_count"),
        following=body.get("following_count"),
        posts=body.get("statuses_count"),
    )
