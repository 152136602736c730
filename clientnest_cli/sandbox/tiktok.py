"""TikTok emulator: Content Posting API (direct post) plus the Display API reads.

Follows the TikTok section of PLATFORMS.md: OAuth with PKCE and rotating
refresh tokens (tiktok_oauth.py); ``creator_info/query`` first; video
``init`` (FILE_UPLOAD with TikTok's chunk rules) → PUT chunks with
``Content-Range: bytes a-b/total`` (206 until the last, then 201); photos
through ``content/init`` with ``media_type=PHOTO`` (the emulator fetches
every ``photo_images`` URL); ``status/fetch`` moves PROCESSING_UPLOAD /
PROCESSING_DOWNLOAD → PUBLISH_COMPLETE (with ``publicaly_available_post_id``)
or FAILED with ``fail_reason``; ``video/query`` (20 ids) and ``video/list``;
``user/info``. Init is limited to 6/min per user, status to 30/min; errors
are ``{"data": {}, "error": {"code", "message", "log_id"}}``.

Test controls: ``seed_account(handle)``, ``processing_s``,
``privacy_options``, ``age_video(video_id, seconds)``, ``daily_post_cap``.
Faults: error_rate, rate_limit_rate, latency_s on every API call;
drop_after_write after an init or a stored chunk; ``tokens.expire_all()``.
TikTok has no duplicate-content check, so ``duplicate_rejection`` changes
nothing.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import grown
from clientnest_cli.sandbox.http_helpers import fetch_media
from clientnest_cli.sandbox.tiktok_history import TikTokHistoryMixin
from clientnest_cli.sandbox.tiktok_oauth import TikTokBase, TikTokFailure, ok
from clientnest_cli.sandbox.tiktok_rules import (
    PHOTO_TYPES,
    PRIVACY_LEVELS,
    VIDEO_TYPES,
    chunk_layout_error,
    expected_chunks,
    looks_like_video,
    parse_content_range,
    utf16_length,
)

VIDEO_FIELDS = {
    "id", "title", "video_description", "create_time", "cover_image_url", "share_url",
    "embed_link", "duration", "like_count", "comment_count", "share_count", "view_count",
}  # fmt: skip
USER_FIELDS = {
    "open_id", "union_id", "avatar_url", "display_name", "username", "follower_count",
    "following_count", "likes_count", "video_count",
}  # fmt: skip
GROWTH = {"view_count": 50.0, "like_count": 5.0, "comment_count": 0.5, "share_count": 0.4}


def invalid(message: str) -> TikTokFailure:
    return TikTokFailure(400, "invalid_params", message)


def photo_images(source: Any) -> list[str]:
    """The URLs of a PHOTO post's source_info (PULL_FROM_URL, 1 to 35 images)."""
    images = source.get("photo_images") if isinstance(source, dict) else None
    if (
        not isinstance(source, dict)
        or source.get("source") != "PULL_FROM_URL"
        or not isinstance(images, list)
        or not 1 <= len(images) <= 35
    ):
        raise invalid("source_info needs source PULL_FROM_URL and 1 to 35 photo_images")
    return [str(url) for url in images]


def photo_fail_reason(problem: str) -> str:
    if not problem:
        return ""
    return "file_format_check_failed" if "format" in problem else "photo_pull_failed"


class TikTokEmulator(TikTokHistoryMixin, TikTokBase):
    name = "tiktok"
    title = "TikTok (Content Posting API v2)"
    connect_hint = "OAuth with PKCE at /tiktok/v2/auth/authorize/"

    def reset(self) -> None:
        super().reset()
        self.publishes: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.processing_s = 0.2
        # a public account's options, as documented (a private one has FOLLOWER_OF_CREATOR
        # instead of PUBLIC_TO_EVERYONE); tests may set their own
        self.privacy_options = [p for p in PRIVACY_LEVELS if p != "FOLLOWER_OF_CREATOR"]
        self.daily_post_cap = 15

    def routes(self) -> list[Route]:  # type: ignore[override]
        api = [
            ("/v2/user/info/", self.user_info, "GET"),
            ("/v2/post/publish/creator_info/query/", self.creator_info, "POST"),
            ("/v2/post/publish/video/init/", self.video_init, "POST"),
            ("/v2/post/publish/content/init/", self.content_init, "POST"),
            ("/v2/post/publish/status/fetch/", self.status_fetch, "POST"),
            ("/v2/video/query/", self.video_query, "POST"),
            ("/v2/video/list/", self.video_list, "POST"),
            ("/upload/", self.upload, "PUT"),
        ]
        return [
            Route("/v2/auth/authorize/", self.authorize, methods=["GET"]),
            Route("/v2/oauth/token/", self.token, methods=["POST"]),
            *[
                Route(path, self.guarded(handler), methods=[method])
                for path, handler, method in api
            ],
        ]

    def guarded(self, handler: Any) -> Any:
        """Faults first, then the handler; TikTokFailure becomes the error envelope."""

        async def endpoint(request: Request) -> Response:
            fault = await self.before_write()
            if fault is not None:
                return fault
            try:
                return await handler(request)
            except TikTokFailure as exc:
                return self.error(exc.status, exc.message, exc.code)

        return endpoint

    def age_video(self, video_id: str, seconds: float) -> None:
        with self.lock:
            self.videos[video_id]["created"] -= seconds

    # --- helpers ---------------------------------------------------------------
    @staticmethod
    async def body_of(request: Request) -> dict[str, Any]:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise invalid("Content-Type must be application/json; charset=UTF-8")
        try:
            body = await request.json()
        except ValueError:
            raise invalid("The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        return body

    @staticmethod
    def fields_of(request: Request, allowed: set[str]) -> list[str]:
        fields = [f.strip() for f in request.query_params.get("fields", "").split(",") if f]
        unknown = [f for f in fields if f not in allowed]
        if not fields or unknown:
            raise invalid(
                f"fields must be a comma-separated subset of {', '.join(sorted(allowed))}"
            )
        return fields

    def check_post_info(self, info: Any, title_max: int) -> dict[str, Any]:
        if not isinstance(info, dict):
            raise invalid("post_info is required")
        if info.get("privacy_level") not in self.privacy_options:
            raise invalid(
                f"privacy_level must be one of {', '.join(self.privacy_options)} "
                "(read creator_info first)"
            )
        title = info.get("title", "")
        if not isinstance(title, str) or utf16_length(title) > title_max:
            raise invalid(f"title is longer than {title_max} UTF-16 characters")
        return info

    def check_daily_cap(self, open_id: str) -> None:
        cutoff = time.time() - 86400
        recent = [
            p for p in self.publishes.values() if p["open_id"] == open_id and p["created"] > cutoff
        ]
        if len(recent) >= self.daily_post_cap:
            raise TikTokFailure(
                403,
                "spam_risk_too_many_posts",
                "The user has reached the maximum number of posts allowed in 24 hours.",
            )

    def base_of(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"

    # --- creator and user --------------------------------------------------------
    async def creator_info(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.publish")
        user = self.users[open_id]
        return ok(
            {
                "creator_avatar_url": user["avatar_url"],
                "creator_username": user["username"],
                "creator_nickname": user["display_name"],
                "privacy_level_options": list(self.privacy_options),
                "comment_disabled": False,
                "duet_disabled": False,
                "stitch_disabled": True,
                "max_video_post_duration_sec": 600,
            }
        )

    async def user_info(self, request: Request) -> Response:
        open_id = self.authenticate(request, "user.info.basic")
        fields = self.fields_of(request, USER_FIELDS)
        with self.lock:
            self.materialise()
            user = dict(self.users[open_id])
            mine = [v for v in self.videos.values() if v["open_id"] == open_id]
            user["video_count"] = len(mine)
            user["follower_count"] += 5 * len(mine)
            user["likes_count"] = sum(self.counts(v)["like_count"] for v in mine)
        return ok({"user": {f: user[f] for f in fields}})

    # --- publishing ----------------------------------------------------------------
    async def video_init(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.publish")
        body = await self.body_of(request)
        info = self.check_post_info(body.get("post_info"), 2200)
        source = body.get("source_info")
        if not isinstance(source, dict) or source.get("source") != "FILE_UPLOAD":
            raise invalid("source_info.source must be FILE_UPLOAD in this sandbox")
        size, chunk, total = (
            source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count")
        )
        problem = chunk_layout_error(size, chunk, total)
        if problem:
            raise invalid(problem)
        self.check_window(open_id, "init", 6)
        publish_id = f"v_pub_file~v2-1.{secrets.randbelow(10**18)}"
        upload_id = secrets.token_hex(12)
        with self.lock:
            self.check_daily_cap(open_id)
            self.publishes[publish_id] = {
                "publish_id": publish_id,
                "open_id": open_id,
                "kind": "video",
                "title": info.get("title", ""),
                "privacy_level": info["privacy_level"],
                "created": time.time(),
                "spans": expected_chunks(size, chunk, total),  # type: ignore[arg-type]
                "video_size": size,
                "received": set(),
                "head": b"",
                "upload_id": upload_id,
                "ready_at": None,
                "fail_reason": "",
                "video_id": "",
            }
        token = secrets.token_hex(16)
        upload_url = f"{self.base_of(request)}/upload/?upload_id={upload_id}&upload_token={token}"
        return self.maybe_drop(ok({"publish_id": publish_id, "upload_url": upload_url}))

    async def upload(self, request: Request) -> Response:
        upload_id = request.query_params.get("upload_id", "")
        with self.lock:
            pub = next(
                (p for p in self.publishes.values() if p.get("upload_id") == upload_id), None
            )
        if pub is None:
            raise TikTokFailure(404, "invalid_params", "The upload URL is not valid.")
        if request.headers.get("content-type", "").split(";")[0] not in VIDEO_TYPES:
            raise invalid(f"Content-Type must be one of {', '.join(VIDEO_TYPES)}")
        rng = parse_content_range(request.headers.get("content-range"))
        if rng is None:
            raise invalid("Content-Range must read 'bytes FIRST-LAST/TOTAL'")
        first, last, total = rng
        body = await request.body()
        if total != pub["video_size"] or (first, last) not in pub["spans"]:
            raise TikTokFailure(
                416, "invalid_params", "Content-Range does not match a chunk of this upload."
            )
        if len(body) != last - first + 1:
            raise invalid("The body length does not match Content-Range")
        with self.lock:
            if pub["ready_at"] is not None:
                return self.maybe_drop(Response(status_code=201))
            pub["received"].add((first, last))
            if first == 0:
                pub["head"] = body[:16]
            done = len(pub["received"]) == len(pub["spans"])
            if done:
                pub["ready_at"] = time.time() + self.processing_s
                if not looks_like_video(pub["head"]):
                    pub["fail_reason"] = "file_format_check_failed"
        return self.maybe_drop(Response(status_code=201 if done else 206))

    async def content_init(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.publish")
        body = await self.body_of(request)
        modes = {"DIRECT_POST", "MEDIA_UPLOAD"}
        if body.get("media_type") != "PHOTO" or body.get("post_mode") not in modes:
            raise invalid("media_type must be PHOTO and post_mode DIRECT_POST or MEDIA_UPLOAD")
        info = self.check_post_info(body.get("post_info"), 90)
        if utf16_length(str(info.get("description", ""))) > 4000:
            raise invalid("description is longer than 4000 UTF-16 characters")
        images = photo_images(body.get("source_info"))
        self.check_window(open_id, "init", 6)
        failures = [await fetch_media(url, "photo", PHOTO_TYPES) for url in images]
        reason = next((f for f in failures if f), "")
        publish_id = f"p_pub_url~v2.{secrets.randbelow(10**18)}"
        with self.lock:
            self.check_daily_cap(open_id)
            self.publishes[publish_id] = {
                "publish_id": publish_id,
                "open_id": open_id,
                "kind": "photo",
                "title": info.get("title", ""),
                "description": info.get("description", ""),
                "privacy_level": info["privacy_level"],
                "created": time.time(),
                "ready_at": time.time() + self.processing_s,
                "fail_reason": photo_fail_reason(reason),
                "video_id": "",
            }
        return self.maybe_drop(ok({"publish_id": publish_id}))

    # --- status and reads ----------------------------------------------------------
    def materialise(self) -> None:
        """Turn every finished, successful publish into a post (exactly once)."""
        now = time.time()
        for pub in self.publishes.values():
            if (
                pub["video_id"]
                or pub["fail_reason"]
                or pub["ready_at"] is None
                or now < pub["ready_at"]
            ):
                continue
            video_id = str(7_300_000_000_000_000_000 + secrets.randbelow(10**17))
            pub["video_id"] = video_id
            username = self.users[pub["open_id"]]["username"]
            kind = "photo" if pub["kind"] == "photo" else "video"
            self.videos[video_id] = {
                "id": video_id,
                "open_id": pub["open_id"],
                "title": pub["title"],
                "video_description": pub.get("description", pub["title"]),
                "create_time": int(now),
                "created": now,
                "cover_image_url": f"https://p16.tiktokcdn.com/cover/{video_id}.jpeg",
                "share_url": f"https://www.tiktok.com/@{username}/{kind}/{video_id}",
                "embed_link": f"https://www.tiktok.com/embed/v2/{video_id}",
                "duration": 0 if pub["kind"] == "photo" else 15,
                "publish_id": pub["publish_id"],
            }

    def status_of(self, pub: dict[str, Any]) -> dict[str, Any]:
        waiting = "PROCESSING_DOWNLOAD" if pub["kind"] == "photo" else "PROCESSING_UPLOAD"
        uploaded = sum(b - a + 1 for a, b in pub.get("received", ()))
        data: dict[str, Any] = {"status": waiting, "uploaded_bytes": uploaded}
        if pub["ready_at"] is not None and time.time() >= pub["ready_at"]:
            if pub["fail_reason"]:
                data = {"status": "FAILED", "fail_reason": pub["fail_reason"]}
            else:
                data = {
                    "status": "PUBLISH_COMPLETE",
                    "publicaly_available_post_id": [int(pub["video_id"])],
                }
            data["uploaded_bytes"] = uploaded
        return data

    async def status_fetch(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.publish")
        body = await self.body_of(request)
        self.check_window(open_id, "status", 30)
        with self.lock:
            self.materialise()
            pub = self.publishes.get(str(body.get("publish_id", "")))
            if pub is None or pub["open_id"] != open_id:
                raise invalid("publish_id is invalid or does not belong to this user")
            return ok(self.status_of(pub))

    def counts(self, video: dict[str, Any]) -> dict[str, int]:
        if "fixed" in video:  # a seeded history video (tiktok_history.py)
            return dict(video["fixed"])
        return {k: grown(f"{video['id']}:{k}", video["created"], r) for k, r in GROWTH.items()}

    def video_view(self, video: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        full = {**video, **self.counts(video)}
        return {f: full[f] for f in fields}

    async def video_query(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.list")
        fields = self.fields_of(request, VIDEO_FIELDS)
        ids = (await self.body_of(request)).get("filters", {}).get("video_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
            raise invalid("filters.video_ids must list 1 to 20 video ids")
        with self.lock:
            self.materialise()
            found = [self.videos.get(str(i)) for i in ids]
            videos = [self.video_view(v, fields) for v in found if v and v["open_id"] == open_id]
        return ok({"videos": videos})

    async def video_list(self, request: Request) -> Response:
        open_id = self.authenticate(request, "video.list")
        fields = self.fields_of(request, VIDEO_FIELDS)
        body = await self.body_of(request)
        count = body.get("max_count", 10)
        cursor = body.get("cursor") or int(time.time() * 1000) + 1
        if not isinstance(count, int) or not 1 <= count <= 20:
            raise invalid("max_count must be between 1 and 20")
        with self.lock:
            self.materialise()
            mine = sorted(
                (
                    v
                    for v in self.videos.values()
                    if v["open_id"] == open_id and v["created"] * 1000 < cursor
                ),
                key=lambda v: v["created"],
                reverse=True,
            )
            page = mine[:count]
            data = {
                "videos": [self.video_view(v, fields) for v in page],
                "cursor": int(page[-1]["created"] * 1000) if page else cursor,
                "has_more": len(mine) > count,
            }
        return ok(data)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            self.materialise()
            return {
                "users": [dict(u) for u in self.users.values()],
                "publishes": [
                    {"publish_id": p["publish_id"], "kind": p["kind"], **self.status_of(p)}
                    for p in self.publishes.values()
                ],
                "posts": [
                    {k: v for k, v in vid.items() if k not in {"created", "fixed"}}
                    for vid in sorted(self.videos.values(), key=lambda v: v["created"])
                ],
            }
