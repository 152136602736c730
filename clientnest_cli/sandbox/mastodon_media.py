"""Media uploads of the Mastodon emulator.

Mixed into ``MastodonEmulator``. Images are ready at once (200); GIFs, video
and audio are processed for ``media_processing_s`` (202, then
``GET /api/v1/media/:id`` answers 206 until ready, 200 after).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.http_helpers import BadBody
from clientnest_cli.sandbox.mastodon_support import NOT_FOUND

MAX_DESCRIPTION = 1500
IMAGE_SIZE_LIMIT = 16 * 1024 * 1024
VIDEO_SIZE_LIMIT = 99 * 1024 * 1024
MIME_TYPES = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/heic": "image",
    "image/avif": "image",
    "image/gif": "gifv",
    "video/mp4": "video",
    "video/webm": "video",
    "video/quicktime": "video",
    "audio/mpeg": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
}


class MastodonMediaMixin:
    # --- media -------------------------------------------------------------------
    def media_json(self, media: dict[str, Any], base: str) -> dict[str, Any]:
        ready = media["ready_at"] <= time.time()
        url = f"{base}/system/media_attachments/{media['id']}/{media['filename']}"
        return {
            "id": media["id"],
            "type": media["type"],
            "url": url if ready else None,
            "preview_url": url,
            "remote_url": None,
            "description": media["description"],
            "blurhash": "UFBWY:8_0Jxv%MoLt7t7~pM{IUj[M{j[t7WB",
            "meta": {"original": {"size": media["size"]}},
        }

    async def upload_media(self, request: Request, account: dict[str, Any]) -> Response:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return self.error(422, "Validation failed: File can't be blank")
        try:
            form = await self.form(request)
        except BadBody as exc:
            return self.error(400, str(exc))
        upload = form.files.get("file")
        if upload is None or not upload.data:
            return self.error(422, "Validation failed: File can't be blank")
        kind = MIME_TYPES.get(upload.content_type.split(";")[0].strip())
        if kind is None:
            return self.error(422, "Validation failed: File content type is invalid")
        limit = IMAGE_SIZE_LIMIT if kind == "image" else VIDEO_SIZE_LIMIT
        if len(upload.data) > limit:
            return self.error(
                422, f"Validation failed: File file size must be less than {limit} Bytes"
            )
        description = str(form.get("description") or "")
        if len(description) > MAX_DESCRIPTION:
            return self.error(
                422, "Validation failed: Description is too long (maximum is 1500 characters)"
            )
        processing = 0.0 if kind == "image" else self.media_processing_s
        media = {
            "id": self.next_id(),
            "account_id": account["id"],
            "type": kind,
            "filename": upload.filename or "upload",
            "mime": upload.content_type,
            "size": len(upload.data),
            "sha256": hashlib.sha256(upload.data).hexdigest(),
            "description": description or None,
            "ready_at": time.time() + processing,
            "status_id": None,
            "data": upload.data,
        }
        with self.lock:
            self.media[media["id"]] = media
        body = self.media_json(media, self.base(request))
        return JSONResponse(body, status_code=200 if processing == 0 else 202)

    async def get_media(self, request: Request, account: dict[str, Any]) -> Response:
        media = self.media.get(request.path_params["id"])
        if media is None or media["account_id"] != account["id"]:
            return self.error(404, NOT_FOUND)
        ready = media["ready_at"] <= time.time()
        return JSONResponse(
            self.media_json(media, self.base(request)), status_code=200 if ready else 206
        )
