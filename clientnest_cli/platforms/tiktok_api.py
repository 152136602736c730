"""TikTok API errors, tokens and the chunked upload, for the TikTok adapter.

API errors arrive as ``{"data": {}, "error": {"code", "message", "log_id"}}``
(``code`` is "ok" on success); the OAuth endpoint answers
``{"error", "error_description", "log_id"}``. ``access_token_invalid`` (401)
is a dead token; ``rate_limit_exceeded`` (429) a per-minute window (init 6,
status 30 per user).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Credentials, MediaItem
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.http import read_json, retry_after_seconds, send

if TYPE_CHECKING:
    import httpx

PLATFORM = "tiktok"
RECONNECT = "reconnect with `clientnest accounts connect tiktok`"
AUTH_CODES = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
DAILY_CAP_CODES = {"spam_risk_too_many_posts", "reached_active_user_cap"}
DEFAULT_WAIT_S = 60.0
CHUNK_TRIES = 3
HUMAN = {
    "spam_risk_user_banned_from_posting": "the account is banned from posting",
    "unaudited_client_can_only_post_to_private_accounts": (
        "this app is not audited by TikTok yet and may only post privately"
    ),
    "privacy_level_option_mismatch": "the privacy level is not one the creator allows",
    "url_ownership_unverified": "the media URL's domain is not verified for this app",
}
FAIL_REASONS = {
    "file_format_check_failed": "the file format is not accepted",
    "duration_check_failed": "the video is too long or too short",
    "frame_rate_check_failed": "the video frame rate is not accepted",
    "picture_size_check_failed": "the picture size is not accepted",
    "video_pull_failed": "TikTok could not download the video",
    "photo_pull_failed": "TikTok could not download the photos",
    "publish_cancelled": "the post was cancelled",
    "auth_removed": "the account removed this app's access",
    "spam_risk_too_many_posts": "the account posted too often today",
    "spam_risk_user_banned_from_posting": "the account is banned from posting",
}


def api_error(resp: httpx.Response, action: str) -> PlatformError:
    """A TikTok error answer as a PlatformError with a message a person reads."""
    status = resp.status_code
    try:
        body = resp.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):  # the OAuth endpoint's shape
        code, detail = error, str(body.get("error_description") or error)
    else:
        error = error if isinstance(error, dict) else {}
        code, detail = str(error.get("code") or ""), str(error.get("message") or f"HTTP {status}")
    common: dict[str, Any] = {"platform": PLATFORM, "status": status}
    if code in AUTH_CODES or code == "invalid_grant" or status == 401:
        what = "lacks a permission" if code.startswith("scope") else "is no longer valid"
        return PlatformError(
            f"TikTok says the saved access {what} while {action}",
            kind="auth",
            hint=RECONNECT,
            **common,
        )
    if code == "rate_limit_exceeded" or status == 429:
        return PlatformError(
            f"TikTok is rate-limiting requests while {action}",
            kind="retryable",
            retry_after=retry_after_seconds(resp.headers) or DEFAULT_WAIT_S,
            **common,
        )
    if code in DAILY_CAP_CODES:
        return PlatformError(
            f"TikTok refused {action}: the account reached today's posting limit",
            kind="retryable",
            retry_after=3600.0,
            **common,
        )
    if status >= 500 or code == "internal_error":
        return PlatformError(
            f"TikTok had a temporary problem while {action}", kind="retryable", **common
        )
    return PlatformError(f"TikTok refused {action}: {HUMAN.get(code, detail)}", **common)


def data_of(resp: httpx.Response, action: str) -> dict[str, Any]:
    """The ``data`` object of a successful answer."""
    if resp.status_code >= 400:
        raise api_error(resp, action)
    body = read_json(resp, platform=PLATFORM, display="TikTok", action=action)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("code") not in (None, "ok"):
        raise api_error(resp, action)
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def credentials_from(body: dict[str, Any], extra: dict[str, str]) -> Credentials:
    """Credentials from a token answer; TikTok rotates the refresh token."""
    if not body.get("access_token"):
        raise PlatformError("TikTok's token answer carried no access token", kind="auth")
    now = datetime.now(UTC)

    def after(seconds: Any) -> datetime | None:
        return now + timedelta(seconds=int(seconds)) if seconds else None

    return Credentials(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or ""),
        expires_at=after(body.get("expires_in")),
        refresh_expires_at=after(body.get("refresh_expires_in")),
        extra={**extra, "open_id": str(body.get("open_id") or extra.get("open_id", ""))},
    )


def clip_utf16(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that is at most ``limit`` UTF-16 units."""
    out, used = [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit:
            break
        out.append(char)
        used += width
    return "".join(out)


def fail_message(reason: str) -> str:
    return f"TikTok could not publish the post: {FAIL_REASONS.get(reason, reason or 'unknown')}"


def token_call(
    http: httpx.Client, base_url: str, form: dict[str, str], action: str, extra: dict[str, str]
) -> Credentials:
    resp = send(
        http, "POST", f"{base_url.rstrip('/')}/v2/oauth/token/", platform=PLATFORM, data=form
    )
    if resp.status_code >= 400:
        raise api_error(resp, action)
    body = read_json(resp, platform=PLATFORM, display="TikTok", action=action)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]:
        raise api_error(resp, action)
    return credentials_from(body, extra)


def chunk_spans(size: int, chunk: int, total: int) -> list[tuple[int, int]]:
    """(first, last) byte of each chunk; the last chunk takes the remainder."""
    return [(i * chunk, size - 1 if i == total - 1 else (i + 1) * chunk - 1) for i in range(total)]


def upload_chunks(http: httpx.Client, item: MediaItem, url: str, chunk: int, total: int) -> None:
    size = item.path.stat().st_size
    with item.path.open("rb") as handle:
        for first, last in chunk_spans(size, chunk, total):
            handle.seek(first)
            put_chunk(http, url, handle.read(last - first + 1), item.mime_type, (first, last, size))


def put_chunk(
    http: httpx.Client, url: str, body: bytes, mime: str, span: tuple[int, int, int]
) -> None:
    """PUT one chunk; re-sending the same range is safe, so it is retried (with waits).

    Success is what TikTok documents: 206 Partial Content while chunks are
    missing, 201 Created once the file is complete; any other status (a 3xx,
    a 200) is an error quoting TikTok's answer.
    """
    from clientnest_cli.domain.retry import retrying

    first, last, size = span
    headers = {"Content-Type": mime, "Content-Range": f"bytes {first}-{last}/{size}"}

    def once() -> None:
        resp = send(http, "PUT", url, platform=PLATFORM, write=True, content=body, headers=headers)
        if resp.status_code in (201, 206):  # the last chunk (or all of them) / more to come
            return
        if resp.status_code >= 400:
            raise api_error(resp, "uploading the video")
        raise PlatformError(
            f"TikTok answered the video upload with HTTP {resp.status_code} "
            f"(expected 206 or 201): {resp.text[:200].strip() or 'no body'}",
            platform=PLATFORM,
            status=resp.status_code,
        )

    policy = retrying(
        tries=CHUNK_TRIES,
        base=0.5,
        cap=4.0,
        retry_on=lambda exc: (
            isinstance(exc, PlatformError) and exc.kind in {"retryable", "unknown"}
        ),
        max_asked=DEFAULT_WAIT_S,
    )
    policy(once)
