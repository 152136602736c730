"""The rest of the Mastodon emulator that reference clients use: instance
info (v1 and v2), delete, favourites, timelines and the media files
(boosts and bookmarks: mastodon_boosts.py).

Mixed into ``MastodonEmulator``. What Mastodon.py reads on every start is
here: ``GET /api/v1/instance`` and ``GET /api/v2/instance`` with
``api_versions``, so its version check and ``log_in()`` work. URLs are
absolute and include the emulator's prefix (``…/mastodon/@user/id``).
"""

from __future__ import annotations

from typing import Any

import regex
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.mastodon_support import MAX_MEDIA, NOT_FOUND, URL_WEIGHT

VERSION = "4.3.0"
API_VERSION = 2
TAG = regex.compile(r"(?:^|(?<=[^\p{L}\p{N}_/]))#([\p{L}\p{N}_]+)")


def page_limit(raw: str | None, default: int = 20, high: int = 40) -> int:
    try:
        return min(high, max(1, int(raw or default)))
    except ValueError:
        return default


class MastodonSocialMixin:
    """Uses the emulator's ``statuses``, ``accounts``, ``media``, ``lock``."""

    statuses: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]]
    media: dict[str, dict[str, Any]]
    favourites: dict[str, list[str]]  # account id -> status ids, newest last
    lock: Any
    max_characters: int

    # --- instance ----------------------------------------------------------------
    def _configuration(self) -> dict[str, Any]:
        from clientnest_cli.sandbox.mastodon_media import (
            IMAGE_SIZE_LIMIT,
            MAX_DESCRIPTION,
            MIME_TYPES,
            VIDEO_SIZE_LIMIT,
        )

        return {
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": MAX_MEDIA,
                "characters_reserved_per_url": URL_WEIGHT,
            },
            "media_attachments": {
                "supported_mime_types": sorted(MIME_TYPES),
                "image_size_limit": IMAGE_SIZE_LIMIT,
                "image_matrix_limit": 33177600,
                "video_size_limit": VIDEO_SIZE_LIMIT,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
                "description_limit": MAX_DESCRIPTION,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
        }

    def instance_v2_json(self, request: Request, base: str) -> dict[str, Any]:
        config = self._configuration()
        config["urls"] = {"streaming": base.replace("http", "ws", 1)}
        config["translation"] = {"enabled": False}
        return {
            "domain": request.url.netloc,
            "title": "Mastodon (ClientNest sandbox)",
            "version": VERSION,
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A local emulator of the Mastodon API.",
            "usage": {"users": {"active_month": len(self.accounts)}},
            "thumbnail": {"url": f"{base}/packs/media/images/preview.png"},
            "languages": ["en"],
            "configuration": config,
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "", "account": None},
            "rules": [],
            "api_versions": {"mastodon": API_VERSION},
        }

    async def instance_v2(self, request: Request, _: dict[str, Any]) -> Response:
        return JSONResponse(self.instance_v2_json(request, self.base(request)))  # type: ignore[attr-defined]

    async def instance_v1(self, request: Request, _: dict[str, Any]) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            counts = {
                "user_count": len(self.accounts),
                "status_count": len(self.statuses),
                "domain_count": 1,
            }
        return JSONResponse(
            {
                "uri": request.url.netloc,
                "title": "Mastodon (ClientNest sandbox)",
                "short_description": "A local emulator of the Mastodon API.",
                "description": "A local emulator of the Mastodon API.",
                "email": "",
                "version": VERSION,
                "urls": {"streaming_api": base.replace("http", "ws", 1)},
                "stats": counts,
                "thumbnail": f"{base}/packs/media/images/preview.png",
                "languages": ["en"],
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": self._configuration(),
                "contact_account": None,
                "rules": [],
            }
        )

    # --- delete --------------------------------------------------------------------
    async def delete_status(self, request: Request, account: dict[str, Any]) -> Response:
        """Only the author may delete; the answer is the status with its ``text``."""
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self.statuses.get(request.path_params["id"])
            if status is None or status["account_id"] != account["id"]:
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            body = self.status_json(status, base, account)  # type: ignore[attr-defined]
            body["text"] = status["text"]
            del self.statuses[status["id"]]
            for ids in self.favourites.values():
                if status["id"] in ids:
                    ids.remove(status["id"])
            self.forget_boosts_of(status["id"])  # type: ignore[attr-defined]
        return JSONResponse(body)

    # --- favourites ------------------------------------------------------------------
    def favourited_by(self, status_id: str) -> int:
        return sum(1 for ids in self.favourites.values() if status_id in ids)

    async def favourite(self, request: Request, account: dict[str, Any]) -> Response:
        return self._set_favourite(request, account, True)

    async def unfavourite(self, request: Request, account: dict[str, Any]) -> Response:
        return self._set_favourite(request, account, False)

    def _set_favourite(self, request: Request, account: dict[str, Any], on: bool) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self.statuses.get(request.path_params["id"])
            if status is None or status["visibility"] == "direct":
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            mine = self.favourites.setdefault(account["id"], [])
            if on and status["id"] not in mine:
                mine.append(status["id"])
            if not on and status["id"] in mine:
                mine.remove(status["id"])
            return JSONResponse(self.status_json(status, base, account))  # type: ignore[attr-defined]

    async def list_favourites(self, request: Request, account: dict[str, Any]) -> Response:
        limit = page_limit(request.query_params.get("limit"))
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            ids = list(reversed(self.favourites.get(account["id"], [])))[:limit]
            body = [self.status_json(self.statuses[i], base, account) for i in ids]  # type: ignore[attr-defined]
        return JSONResponse(body)

    # --- timelines -----------------------------------------------------------------
    async def home_timeline(self, request: Request, account: dict[str, Any]) -> Response:
        """Everyone here is followed: the home timeline is every non-direct status."""
        return self._timeline(request, account, lambda s: s["visibility"] != "direct")

    async def public_timeline(self, request: Request, account: dict[str, Any]) -> Response:
        return self._timeline(request, account, lambda s: s["visibility"] == "public")

    async def tag_timeline(self, request: Request, account: dict[str, Any]) -> Response:
        tag = request.path_params["tag"].lower()
        return self._timeline(
            request,
            account,
            lambda s: (
                s["visibility"] == "public" and tag in {t.lower() for t in TAG.findall(s["text"])}
            ),
        )

    def _timeline(self, request: Request, account: dict[str, Any], keep: Any) -> Response:
        q = request.query_params
        limit = page_limit(q.get("limit"))
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            found = sorted(
                (s for s in self.statuses.values() if keep(s)),
                key=lambda s: int(s["id"]),
                reverse=True,
            )
            if q.get("max_id"):
                found = [s for s in found if int(s["id"]) < int(q["max_id"])]
            if q.get("since_id"):
                found = [s for s in found if int(s["id"]) > int(q["since_id"])]
            if q.get("min_id"):
                newer = [s for s in found if int(s["id"]) > int(q["min_id"])]
                found = list(reversed(list(reversed(newer))[:limit]))
            page = found[:limit]
            body = [self.status_json(s, base, account or None) for s in page]  # type: ignore[attr-defined]
        response = JSONResponse(body)
        if page:
            path = str(request.url).split("?")[0]
            response.headers["Link"] = (
                f'<{path}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", '
                f'<{path}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"'
            )
        return response

    # --- the files behind media URLs -------------------------------------------------
    async def media_file(self, request: Request) -> Response:
        media = self.media.get(request.path_params["id"])
        if media is None or media.get("filename") != request.path_params["filename"]:
            return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
        return Response(media.get("data", b""), media_type=media.get("mime") or None)

    # --- status fields the base view leaves out --------------------------------------
    def status_extras(
        self, status: dict[str, Any], base: str, viewer: dict[str, Any] | None
    ) -> dict[str, Any]:
        tags = sorted({t.lower() for t in TAG.findall(status["text"])})
        extras: dict[str, Any] = {
            "tags": [{"name": t, "url": f"{base}/tags/{t}"} for t in tags],
        }
        if viewer:
            extras.update(
                favourited=status["id"] in self.favourites.get(viewer["id"], []),
                reblogged=status["id"] in self.reblogs.get(viewer["id"], {}),  # type: ignore[attr-defined]
                muted=False,
                bookmarked=status["id"] in self.bookmarks.get(viewer["id"], []),  # type: ignore[attr-defined]
                pinned=False,
            )
        return extras
