"""Media upload for the X adapter (PLATFORMS.md § X, Media).

Images and GIFs go in one multipart request; video goes initialize → append
(4 MB chunks) → finalize, then STATUS is polled until processing succeeds.
Alt text is set with POST /2/media/metadata. Uploads are not posts: a broken
connection during one is safe to retry, so they are not marked as writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import MediaItem
from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:
    import httpx

CHUNK_BYTES = 4 * 1024 * 1024
PROCESSING_WAIT_S = 300.0
VIDEO_TYPES = ("video/mp4", "video/quicktime")

# (method, path, action, **kwargs) -> response; raises PlatformError on error statuses
Call = Callable[..., "httpx.Response"]


def upload(call: Call, item: MediaItem, sleep: Callable[[float], None] = time.sleep) -> str:
    """Upload one file and set its alt text; return the media id."""
    data = _read(item)
    if item.mime_type in VIDEO_TYPES:
        media_id = _upload_video(call, item, data, sleep)
    else:
        media_id = _upload_image(call, item, data)
    if item.alt_text:
        body = {"id": media_id, "metadata": {"alt_text": {"text": item.alt_text}}}
        call("POST", "/2/media/metadata", "set the image description", json=body)
    return media_id


def _read(item: MediaItem) -> bytes:
    try:
        return item.path.read_bytes()
    except OSError as exc:
        raise PlatformError(
            f"cannot read media file {item.path.name}: {exc.strerror or exc}", platform="x"
        ) from exc


def _media_id(resp: httpx.Response) -> str:
    data = (resp.json() or {}).get("data") or {}
    media_id = data.get("id") or data.get("media_id_string")
    if not media_id:
        raise PlatformError(
            "X accepted the upload but returned no media id", platform="x", kind="retryable"
        )
    return str(media_id)


def _upload_image(call: Call, item: MediaItem, data: bytes) -> str:
    category = "tweet_gif" if item.mime_type == "image/gif" else "tweet_image"
    resp = call(
        "POST", "/2/media/upload", f"upload {item.path.name}",
        files={"media": (item.path.name, data, item.mime_type)},
        data={"media_category": category},
    )  # fmt: skip
    return _media_id(resp)


def _upload_video(call: Call, item: MediaItem, data: bytes, sleep: Callable[[float], None]) -> str:
    action = f"upload {item.path.name}"
    init = {"media_type": item.mime_type, "total_bytes": len(data), "media_category": "tweet_video"}
    media_id = _media_id(call("POST", "/2/media/upload/initialize", action, json=init))
    for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
        chunk = data[start : start + CHUNK_BYTES]
        call(
            "POST", f"/2/media/upload/{media_id}/append", action,
            files={"media": ("chunk", chunk, "application/octet-stream")},
            data={"segment_index": str(index)},
        )  # fmt: skip
    resp = call("POST", f"/2/media/upload/{media_id}/finalize", action)
    _wait_for_processing(call, media_id, (resp.json() or {}).get("data") or {}, sleep)
    return media_id


def _wait_for_processing(
    call: Call, media_id: str, data: dict[str, Any], sleep: Callable[[float], None]
) -> None:
    deadline = time.monotonic() + PROCESSING_WAIT_S
    info = data.get("processing_info")
    while info:
        state = info.get("state")
        if state == "succeeded":
            return
        if state == "failed":
            reason = (info.get("error") or {}).get("message") or "X could not process the video"
            raise PlatformError(f"X could not process the video: {reason}", platform="x")
        if time.monotonic() > deadline:
            raise PlatformError(
                "X is still processing the video",
                kind="retryable",
                platform="x",
                hint="it will be tried again later",
            )
        sleep(max(0.0, float(info.get("check_after_secs") or 1)))
        resp = call(
            "GET",
            "/2/media/upload",
            "check the video upload",
            params={"command": "STATUS", "media_id": media_id},
        )
        info = ((resp.json() or {}).get("data") or {}).get("processing_info")
