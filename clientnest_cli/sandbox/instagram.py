"""Instagram emulator: the Graph API content-publishing flow (Instagram login).

Follows the Instagram section of PLATFORMS.md: no text-only posts; a media
container is made from a public ``image_url``/``video_url`` (the emulator
really fetches it, so it may point at 127.0.0.1) and stays IN_PROGRESS for
``processing_s`` before FINISHED (ERROR when the fetch failed, EXPIRED after
``container_ttl_s``, PUBLISHED after ``media_publish``); carousels of 2–10
children; captions up to 2,200 characters, 30 hashtags, 20 mentions; 100
published posts per rolling 24 h (``content_publishing_limit``); insights
that grow with age; comments; 60-day tokens refreshable when 24 h old.

Faults: error_rate, rate_limit_rate (Graph throttle codes 4/17/32/613 with
usage headers, HTTP 400), latency_s on every Graph call; drop_after_write
after a container or a publish was stored; ``tokens.expire_all()``.
Instagram has no duplicate-content check, so ``duplicate_rejection`` changes
nothing; publishing the same container twice is always refused.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.meta_common import (
    Container,
    EdgeHandler,
    GraphEmulator,
    GraphFailure,
    new_shortcode,
    now_iso,
    pick,
    truthy,
)
from clientnest_cli.sandbox.meta_history import GraphHistoryMixin

MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
IMAGE_TYPES = ("image/jpeg",)
HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<!\w)@[\w.]+")
GROWTH_PER_MINUTE = {"views": 40.0, "reach": 25.0, "likes": 4.0, "shares": 0.5, "saved": 0.7}


class InstagramEmulator(GraphHistoryMixin, GraphEmulator):
    name = "instagram"
    title = "Instagram (Graph API, Instagram login)"
    connect_hint = "OAuth at /instagram/oauth/authorize; media must be at a URL it can fetch"
    error_type = "IGApiException"
    exchange_grant = "ig_exchange_token"
    refresh_grant = "ig_refresh_token"
    token_prefix = "IGAA"
    publish_quota = 100
    image_types = IMAGE_TYPES
    status_field = "status_code"
    growth_per_minute = GROWTH_PER_MINUTE
    child_subcode = 2207024
    child_noun = "carousel item container"

    def edges(self) -> dict[tuple[str, str], EdgeHandler]:
        return {
            ("POST", "media"): self.create_container,
            ("POST", "media_publish"): self.publish,
            ("GET", "media"): self.list_media,
            ("GET", "content_publishing_limit"): self.publishing_limit,
            ("GET", "insights"): self.insights,
            ("GET", "comments"): self.list_comments,
            ("POST", "comments"): self.create_comment,
        }

    # --- nodes --------------------------------------------------------------
    def node(self, node_id: str, fields: str | None) -> dict[str, Any]:
        with self.lock:
            if node_id in self.users:
                return pick(self.user_node(node_id), fields, ("id", "username"))
            if node_id in self.containers:
                box = self.containers[node_id]
                status = self.container_status(box)
                detail = f"Error: {box.error_message}" if status == "ERROR" else status.title()
                node = {"id": box.id, "status_code": status, "status": detail}
                return pick(node, fields, ("id",))
            if node_id in self.media:
                return pick(self.media_node(self.media[node_id]), fields, ("id",))
        raise GraphFailure(f"Object with ID '{node_id}' does not exist", 100, 33)

    def user_node(self, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        media_count = sum(1 for m in self.media.values() if m["owner"] == user_id)
        return {
            "id": user_id,
            "user_id": user_id,
            "username": user["username"],
            "name": user["name"],
            "account_type": "BUSINESS",
            "biography": "",
            "website": "",
            "profile_picture_url": f"https://scontent.cdninstagram.com/{user['username']}.jpg",
            "followers_count": user["followers"] + 3 * media_count,
            "follows_count": 80,
            "media_count": media_count,
        }

    def media_node(self, media: dict[str, Any]) -> dict[str, Any]:
        node = {k: v for k, v in media.items() if k not in {"owner", "created", "fixed"}}
        values = self.metric_values(media)
        node["like_count"] = values["likes"]
        node["comments_count"] = values["comments"]
        return node

    # --- containers and publishing --------------------------------------------
    def container_from(self, owner: str, params: dict[str, str]) -> Container:
        """Validate the create-container parameters the way the Graph API does."""
        carousel_item = truthy(params.get("is_carousel_item"))
        image_url, video_url = params.get("image_url", ""), params.get("video_url", "")
        media_type = params.get("media_type", "").upper() or ("IMAGE" if image_url else "")
        caption = params.get("caption", "")
        if media_type not in {"IMAGE", "VIDEO", "REELS", "CAROUSEL", "STORIES"}:
            raise GraphFailure(
                "The media type is missing or not supported; send image_url, or video_url with "
                "media_type=REELS, or media_type=CAROUSEL with children",
                100,
                2207023,
            )
        self.check_caption(caption)
        children: list[str] = []
        if media_type == "CAROUSEL":
            children = self.carousel_children(owner, params.get("children", ""))
        elif media_type == "IMAGE" and not image_url:
            raise GraphFailure("The parameter image_url is required", 100)
        elif media_type in {"VIDEO", "REELS"} and not video_url:
            raise GraphFailure("The parameter video_url is required", 100)
        if carousel_item and media_type not in {"IMAGE", "VIDEO"}:
            raise GraphFailure("Carousel items must be IMAGE or VIDEO", 100, 2207023)
        return Container(
            id=self.new_id(),
            owner=owner,
            media_type=media_type,
            text=caption,
            image_url=image_url if media_type in {"IMAGE", "STORIES"} else "",
            video_url=video_url if media_type in {"VIDEO", "REELS"} else "",
            children=children,
            is_carousel_item=carousel_item,
        )

    @staticmethod
    def check_caption(caption: str) -> None:
        # Counted independently of ClientNest's own rules: Unicode code points.
        if len(caption) > MAX_CAPTION:
            raise GraphFailure(
                f"The caption is too long: {len(caption)} characters, the limit is {MAX_CAPTION}",
                100,
            )
        if len(HASHTAG.findall(caption)) > MAX_HASHTAGS:
            raise GraphFailure(f"A caption can have at most {MAX_HASHTAGS} hashtags", 100)
        if len(MENTION.findall(caption)) > MAX_MENTIONS:
            raise GraphFailure(f"A caption can have at most {MAX_MENTIONS} @mentions", 100)

    def new_media(self, box: Container) -> dict[str, Any]:
        media = self.media_base(box)
        if box.children:
            media["children"] = {"data": [{"id": c} for c in box.children]}
        return media

    def media_base(self, box: Container) -> dict[str, Any]:
        media_id = self.new_id()
        shortcode = new_shortcode()
        kind = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO"}.get(box.media_type, box.media_type)
        now = time.time()
        return {
            "id": media_id,
            "owner": box.owner,
            "created": now,
            "caption": box.text,
            "media_type": kind,
            "media_product_type": "REELS" if box.media_type == "REELS" else "FEED",
            "media_url": box.image_url or box.video_url,
            "permalink": f"https://www.instagram.com/p/{shortcode}/",
            "shortcode": shortcode,
            "timestamp": now_iso(now),
            "username": self.users[box.owner]["username"],
        }

    # --- reading ---------------------------------------------------------------
    async def list_media(self, owner: str, params: dict[str, str]) -> Response:
        return self.listing(owner, params)

    def metric_values(self, media: dict[str, Any]) -> dict[str, int]:
        if "fixed" in media:  # a seeded history post (meta_history.py)
            values = dict(media["fixed"])
        else:
            values = super().metric_values(media)
            values["comments"] = len(self.comments.get(media["id"], []))
        values["total_interactions"] = sum(
            values[k] for k in ("likes", "comments", "shares", "saved")
        )
        return values

    async def list_comments(self, media_id: str, params: dict[str, str]) -> Response:
        with self.lock:
            media = self.media_of(media_id)
            self.require_owner(media["owner"], params["_caller"])
            fields = params.get("fields") or "id,text,timestamp"
            data = [pick(c, fields, ("id",)) for c in self.comments.get(media_id, [])]
        return JSONResponse({"data": data})

    async def create_comment(self, media_id: str, params: dict[str, str]) -> Response:
        """``POST /{ig-media-id}/comments?message=…`` -> ``{"id"}``: the account
        comments on (answers under) one of its own posts."""
        message = params.get("message") or ""
        if not message.strip():
            raise GraphFailure("(#100) The parameter message is required", 100)
        with self.lock:
            media = self.media_of(media_id)
            self.require_owner(media["owner"], params["_caller"])
            username = self.users[params["_caller"]]["username"]
        comment = self.add_comment(media_id, username, message)
        return self.maybe_drop(JSONResponse({"id": comment["id"]}))
