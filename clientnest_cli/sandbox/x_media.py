"""Media endpoints of the X emulator: simple image upload, chunked video
(initialize → append → finalize → STATUS polling) and alt text metadata."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.http_helpers import BadBody, Body, read_body
from clientnest_cli.sandbox.x_support import invalid_request, problem, sniff_image

IMAGE_MAX_BYTES = 5 * 1024 * 1024
GIF_MAX_BYTES = 15 * 1024 * 1024
VIDEO_MAX_BYTES = 512 * 1024 * 1024
ALT_TEXT_MAX = 1000
CATEGORIES = {
    "tweet_image",
    "tweet_gif",
    "tweet_video",
    "amplify_video",
    "dm_image",
    "dm_gif",
    "dm_video",
    "subtitles",
}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/pjpeg"}
EXPIRES_AFTER_S = 86400


class XMediaMixin:
    """Mixed into XEmulator; uses its lock, id counter and ``media`` dict."""

    media: dict[str, dict[str, Any]]
    lock: Any
    video_polls_needed: int = 1  # STATUS polls before a video is "succeeded"
    video_check_after_s: int = 1  # what processing_info.check_after_secs says

    def _new_id(self) -> str:  # provided by XEmulator
        raise NotImplementedError

    # --- helpers ---------------------------------------------------------
    def _owned_media(self, media_id: str, user_id: str) -> dict[str, Any] | None:
        item = self.media.get(media_id)
        return item if item is not None and item["owner"] == user_id else None

    @staticmethod
    def _media_json(item: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": item["id"],
            "media_key": item["media_key"],
            "size": item["size"],
            "expires_after_secs": EXPIRES_AFTER_S,
        }
        if item["kind"] == "image":
            data["image"] = {"image_type": item["mime"]}
        if item.get("processing"):
            info: dict[str, Any] = {"state": item["state"]}
            if item["state"] in ("pending", "in_progress"):
                info["check_after_secs"] = item["check_after"]
                info["progress_percent"] = 0 if item["state"] == "pending" else 50
            elif item["state"] == "succeeded":
                info["progress_percent"] = 100
            else:
                info["error"] = {"code": 1, "name": "InvalidMedia", "message": item["error"]}
            data["processing_info"] = info
        return data

    def _new_media(self, owner: str, kind: str, mime: str, category: str) -> dict[str, Any]:
        media_id = self._new_id()
        prefix = {"image": "3", "gif": "16", "video": "7"}[kind]
        item: dict[str, Any] = {
            "id": media_id,
            "media_key": f"{prefix}_{media_id}",
            "owner": owner,
            "kind": kind,
            "mime": mime,
            "category": category,
            "size": 0,
            "total_bytes": 0,
            "segments": {},
            "head": b"",
            "state": "succeeded",
            "processing": False,
            "polls": 0,
            "check_after": self.video_check_after_s,
            "error": "",
            "alt_text": "",
            "created": time.time(),
        }
        self.media[media_id] = item
        return item

    # --- simple upload ---------------------------------------------------
    async def upload_simple(self, request: Request, user_id: str) -> Response:
        parts = await _multipart(request)
        if parts is None:
            return invalid_request("Request must be multipart/form-data with a `media` part.")
        media = parts.files.get("media")
        if media is None or not media.data:
            return invalid_request("The `media` field is required.", {"media": []})
        category = _text(parts, "media_category") or "tweet_image"
        if category not in CATEGORIES:
            return invalid_request(f"Invalid media_category: {category}.", {"media_category": []})
        if category in ("tweet_video", "amplify_video", "dm_video"):
            return invalid_request("Videos must be uploaded with initialize, append and finalize.")
        mime = sniff_image(media.data)
        if mime is None:
            return invalid_request("The media is not a supported image (PNG, JPEG, GIF, WEBP).")
        limit = GIF_MAX_BYTES if mime == "image/gif" else IMAGE_MAX_BYTES
        if len(media.data) > limit:
            return invalid_request(f"The media is larger than {limit} bytes.")
        kind = "gif" if category.endswith("_gif") else "image"
        with self.lock:
            item = self._new_media(user_id, kind, mime, category)
            item["size"] = item["total_bytes"] = len(media.data)
            data = self._media_json(item)
        return JSONResponse({"data": data})

    # --- chunked upload --------------------------------------------------
    async def upload_initialize(self, request: Request, user_id: str) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return invalid_request("Request body is not valid JSON.")
        if not isinstance(body, dict):
            return invalid_request("Request body must be a JSON object.")
        mime = str(body.get("media_type") or "")
        total = body.get("total_bytes")
        category = str(body.get("media_category") or "tweet_video")
        if mime not in VIDEO_TYPES | IMAGE_TYPES:
            return invalid_request(f"Unsupported media_type: {mime}.", {"media_type": [mime]})
        if not isinstance(total, int) or total <= 0 or total > VIDEO_MAX_BYTES:
            return invalid_request("total_bytes must be a positive size within the limit.")
        if category not in CATEGORIES:
            return invalid_request(f"Invalid media_category: {category}.")
        kind = "video" if mime in VIDEO_TYPES else ("gif" if mime == "image/gif" else "image")
        with self.lock:
            item = self._new_media(user_id, kind, mime, category)
            item.update(total_bytes=total, state="uploading")
            data = {"id": item["id"], "media_key": item["media_key"]}
        return JSONResponse({"data": {**data, "expires_after_secs": EXPIRES_AFTER_S}})

    async def upload_append(self, request: Request, user_id: str) -> Response:
        media_id = request.path_params["id"]
        parts = await _multipart(request)
        if parts is None or "media" not in parts.files:
            return invalid_request("Request must be multipart/form-data with a `media` part.")
        index = _text(parts, "segment_index")
        if not index.isdigit() or int(index) > 999:
            return invalid_request("segment_index must be an integer from 0 to 999.")
        with self.lock:
            item = self._owned_media(media_id, user_id)
            if item is None or item["state"] != "uploading":
                return invalid_request(f"Media {media_id} is not awaiting chunks.")
            item["segments"][int(index)] = len(parts.files["media"].data)
            if int(index) == 0:
                item["head"] = parts.files["media"].data[:16]
        return JSONResponse({"data": {"expires_at": int(time.time()) + EXPIRES_AFTER_S}})

    async def upload_finalize(self, request: Request, user_id: str) -> Response:
        media_id = request.path_params["id"]
        with self.lock:
            item = self._owned_media(media_id, user_id)
            if item is None or item["state"] != "uploading":
                return invalid_request(f"Media {media_id} cannot be finalized.")
            size = sum(item["segments"].values())
            if size != item["total_bytes"]:
                return invalid_request(
                    f"File size mismatch: received {size} of {item['total_bytes']} bytes."
                )
            item["size"] = size
            if item["kind"] == "video":
                item.update(state="pending", processing=True)
                if item["head"][4:8] != b"ftyp":
                    item["error"] = "Unsupported video format"
            else:
                item["state"] = "succeeded"
            data = self._media_json(item)
        return JSONResponse({"data": data}, status_code=200)

    async def upload_status(self, request: Request, user_id: str) -> Response:
        params = request.query_params
        if params.get("command", "STATUS") != "STATUS":
            return invalid_request("Only command=STATUS is supported with GET.")
        with self.lock:
            item = self._owned_media(params.get("media_id", ""), user_id)
            if item is None:
                return problem(404, "Not Found Error", "Could not find the media.")
            if item["processing"] and item["state"] in ("pending", "in_progress"):
                item["polls"] += 1
                if item["polls"] >= self.video_polls_needed:
                    item["state"] = "failed" if item["error"] else "succeeded"
                else:
                    item["state"] = "in_progress"
            data = self._media_json(item)
        return JSONResponse({"data": data})

    # --- metadata --------------------------------------------------------
    async def media_metadata(self, request: Request, user_id: str) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return invalid_request("Request body is not valid JSON.")
        media_id = str(body.get("id") or "") if isinstance(body, dict) else ""
        alt = ((body.get("metadata") or {}).get("alt_text") or {}) if media_id else {}
        text = alt.get("text") if isinstance(alt, dict) else None
        if not media_id or not isinstance(text, str):
            return invalid_request("Body needs `id` and `metadata.alt_text.text`.")
        if len(text) > ALT_TEXT_MAX:
            return invalid_request(f"Alt text is longer than {ALT_TEXT_MAX} characters.")
        with self.lock:
            item = self._owned_media(media_id, user_id)
            if item is None:
                return invalid_request(f"Media {media_id} was not found.", {"id": [media_id]})
            item["alt_text"] = text
        meta = {"alt_text": {"text": text}}
        return JSONResponse({"data": {"id": media_id, "associated_metadata": meta}})


async def _multipart(request: Request) -> Body | None:
    """A multipart/form-data body with at least one part, else None."""
    try:
        body = await read_body(request)
    except BadBody:
        return None
    if body.kind != "multipart" or not (body.pairs or body.files):
        return None
    return body


def _text(parts: Body, name: str) -> str:
    return str(parts.last().get(name, "")).strip()
