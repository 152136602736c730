"""Threads emulator: graph.threads.net v1.0 publishing, replies and insights.

Follows the Threads section of PLATFORMS.md: OAuth gives a 1 h token that is
exchanged (``th_exchange_token``) for a 60-day token, refreshable with
``th_refresh_token`` once 24 h old; a post is a container
(``POST /v1.0/{user}/threads``: TEXT, IMAGE, VIDEO or CAROUSEL, optional
``reply_to_id``) then ``threads_publish``; text up to 500 characters where an
emoji counts as its UTF-8 bytes (counted here, independently); at most 5
unique links (``THREADS_API__LINK_LIMIT_EXCEEDED``); 250 posts and 1000
replies per rolling 24 h; a container reads FINISHED / IN_PROGRESS / ERROR /
EXPIRED / PUBLISHED; insights and replies grow over time.

Faults as for Instagram (see meta_common). Threads has no duplicate-content
check, so ``duplicate_rejection`` changes nothing; a container can be
published only once.
"""

from __future__ import annotations

import time
from typing import Any

import regex
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.meta_common import (
    Container,
    EdgeHandler,
    GraphEmulator,
    GraphFailure,
    graph_page,
    new_shortcode,
    now_iso,
    pick,
    truthy,
)
from clientnest_cli.sandbox.meta_history import GraphHistoryMixin

MAX_TEXT = 500
MAX_LINKS = 5
REPLY_QUOTA = 1000
IMAGE_TYPES = ("image/jpeg", "image/png")
EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
LINK = regex.compile(
    r"(?i)\b(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:/[^\s]*)?"
)
GROWTH_PER_MINUTE = {"views": 30.0, "likes": 3.0, "reposts": 0.4, "quotes": 0.2, "shares": 0.3}
MEDIA_KIND = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}


def threads_length(text: str) -> int:
    """Characters as Threads counts them: an emoji cluster weighs its UTF-8 bytes."""
    return sum(
        len(cluster.encode("utf-8")) if EMOJI.search(cluster) else len(cluster)
        for cluster in regex.findall(r"\X", text)
    )


def unique_links(text: str) -> set[str]:
    found = set()
    for match in LINK.findall(text):
        link = match.rstrip(".,;:!?)").lower()
        link = regex.sub(r"^https?://", "", link).removeprefix("www.").rstrip("/")
        found.add(link)
    return found


class ThreadsEmulator(GraphHistoryMixin, GraphEmulator):
    name = "threads"
    title = "Threads (graph.threads.net v1.0)"
    connect_hint = "OAuth at /threads/oauth/authorize, then exchange for a 60-day token"
    error_type = "THApiException"
    exchange_grant = "th_exchange_token"
    refresh_grant = "th_refresh_token"
    token_prefix = "THQ"
    publish_quota = 250
    image_types = IMAGE_TYPES
    growth_per_minute = GROWTH_PER_MINUTE
    max_children = 20

    def edges(self) -> dict[tuple[str, str], EdgeHandler]:
        return {
            ("POST", "threads"): self.create_container,
            ("POST", "threads_publish"): self.publish,
            ("GET", "threads"): self.list_threads,
            ("GET", "replies"): self.list_replies,
            ("GET", "threads_publishing_limit"): self.publishing_limit,
            ("GET", "threads_insights"): self.user_insights,
            ("GET", "insights"): self.insights,
        }

    # --- nodes ----------------------------------------------------------------
    def node(self, node_id: str, fields: str | None) -> dict[str, Any]:
        with self.lock:
            if node_id in self.users:
                user = self.users[node_id]
                node = {
                    "id": node_id,
                    "username": user["username"],
                    "name": user["name"],
                    "threads_profile_picture_url": (
                        f"https://scontent.cdninstagram.com/threads/{user['username']}.jpg"
                    ),
                    "threads_biography": "",
                }
                return pick(node, fields, ("id",))
            if node_id in self.containers:
                box = self.containers[node_id]
                node = {"id": box.id, "status": self.container_status(box)}
                if box.error_message:
                    node["error_message"] = box.error_message
                return pick(node, fields, ("id",))
            if node_id in self.media:
                return pick(self.media_node(self.media[node_id]), fields, ("id",))
        raise GraphFailure(f"Object with ID '{node_id}' does not exist", 100, 33)

    # --- containers and publishing ----------------------------------------------
    async def fetch_failure(self, box: Container) -> str:
        failure = await super().fetch_failure(box)
        if failure:
            failure = (
                "FAILED_DOWNLOADING_IMAGE: " if box.image_url else "FAILED_DOWNLOADING_VIDEO: "
            ) + failure
        return failure

    def container_from(self, owner: str, params: dict[str, str]) -> Container:
        media_type = params.get("media_type", "").upper()
        text = params.get("text", "")
        carousel_item = truthy(params.get("is_carousel_item"))
        if media_type not in MEDIA_KIND:
            raise GraphFailure("media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL", 100)
        if media_type == "TEXT" and not text.strip():
            raise GraphFailure("The parameter text is required for TEXT posts", 100)
        self.check_text(text)
        reply_to = params.get("reply_to_id", "")
        if reply_to and reply_to not in self.media:
            raise GraphFailure(f"reply_to_id {reply_to} is not a published Threads post", 100)
        children: list[str] = []
        if media_type == "CAROUSEL":
            children = self.carousel_children(owner, params.get("children", ""))
        if media_type == "IMAGE" and not params.get("image_url"):
            raise GraphFailure("The parameter image_url is required for IMAGE posts", 100)
        if media_type == "VIDEO" and not params.get("video_url"):
            raise GraphFailure("The parameter video_url is required for VIDEO posts", 100)
        if carousel_item and media_type not in {"IMAGE", "VIDEO"}:
            raise GraphFailure("Carousel items must be IMAGE or VIDEO", 100)
        return Container(
            id=self.new_id(),
            owner=owner,
            media_type=media_type,
            text=text,
            image_url=params.get("image_url", "") if media_type == "IMAGE" else "",
            video_url=params.get("video_url", "") if media_type == "VIDEO" else "",
            children=children,
            is_carousel_item=carousel_item,
            reply_to_id=reply_to,
        )

    @staticmethod
    def check_text(text: str) -> None:
        length = threads_length(text)
        if length > MAX_TEXT:
            raise GraphFailure(
                f"The text is too long: {length} characters, the limit is {MAX_TEXT}", 100
            )
        links = unique_links(text)
        if len(links) > MAX_LINKS:
            raise GraphFailure(
                f"THREADS_API__LINK_LIMIT_EXCEEDED: the post has {len(links)} links, "
                f"at most {MAX_LINKS} are allowed",
                100,
            )

    def reply_usage(self, owner: str) -> int:
        cutoff = time.time() - 86400
        with self.lock:
            return sum(
                1
                for m in self.media.values()
                if m["owner"] == owner and m["is_reply"] and m["created"] > cutoff
            )

    def container_to_publish(self, owner: str, creation_id: str) -> Container:
        box = self.container_for_publish(owner, creation_id)
        if box.reply_to_id and self.reply_usage(owner) >= REPLY_QUOTA:
            raise GraphFailure("You reached the limit of 1000 replies in 24 hours", 9)
        if not box.reply_to_id:
            self.check_quota(owner)
        return box

    def record_publish(self, box: Container, media: dict[str, Any]) -> None:
        super().record_publish(box, media)
        if box.reply_to_id:  # replies do not use the 250-post quota
            with self.lock:
                self.publish_log[box.owner].pop()

    def new_media(self, box: Container) -> dict[str, Any]:
        shortcode = new_shortcode()
        username = self.users[box.owner]["username"]
        now = time.time()
        media: dict[str, Any] = {
            "id": self.new_id(),
            "owner": box.owner,
            "created": now,
            "media_product_type": "THREADS",
            "media_type": MEDIA_KIND[box.media_type],
            "text": box.text,
            "permalink": f"https://www.threads.net/@{username}/post/{shortcode}",
            "shortcode": shortcode,
            "timestamp": now_iso(now),
            "username": username,
            "is_reply": bool(box.reply_to_id),
            "is_quote_post": False,
            "hide_status": "NOT_HUSHED",
        }
        if box.image_url or box.video_url:
            media["media_url"] = box.image_url or box.video_url
        if box.reply_to_id:
            parent = self.media[box.reply_to_id]
            media["replied_to"] = {"id": box.reply_to_id}
            media["root_post"] = parent.get("root_post", {"id": box.reply_to_id})
        return media

    def media_node(self, media: dict[str, Any]) -> dict[str, Any]:
        node = super().media_node(media)
        node["has_replies"] = bool(self.comments.get(media["id"])) or any(
            m.get("replied_to", {}).get("id") == media["id"] for m in self.media.values()
        )
        return node

    def comment_node(self, media_id: str, username: str, text: str) -> dict[str, Any]:
        """Someone else's reply: a Threads post of its own, in the reply shape."""
        node = super().comment_node(media_id, username, text)
        root = self.media[media_id].get("root_post", {"id": media_id})
        shortcode = new_shortcode()
        return {
            **node,
            "media_product_type": "THREADS",
            "media_type": "TEXT_POST",
            "permalink": f"https://www.threads.net/@{username}/post/{shortcode}",
            "shortcode": shortcode,
            "has_replies": False,
            "root_post": dict(root),
            "replied_to": {"id": media_id},
            "is_reply": True,
            "is_quote_post": False,
            "hide_status": "NOT_HUSHED",
        }

    # --- reading ----------------------------------------------------------------
    async def list_threads(self, owner: str, params: dict[str, str]) -> Response:
        return self.listing(owner, params, lambda media: not media["is_reply"])

    async def list_replies(self, node_id: str, params: dict[str, str]) -> Response:
        """``/{user}/replies``: the user's own replies; ``/{media}/replies``: replies to it."""
        if node_id in self.users:
            return self.listing(node_id, params, lambda media: media["is_reply"])
        with self.lock:
            self.media_of(node_id)
            fields = params.get("fields") or "id,text,timestamp"
            ours = [
                self.media_node(m)
                for m in sorted(self.media.values(), key=lambda m: m["created"])
                if m.get("replied_to", {}).get("id") == node_id
            ]
            page, info = graph_page(ours + self.comments.get(node_id, []), params)
            data = [pick(n, fields, ("id",)) for n in page]
        return JSONResponse({"data": data, "paging": info})

    def quota_row(self, owner: str) -> dict[str, Any]:
        return {
            **super().quota_row(owner),
            "reply_quota_usage": self.reply_usage(owner),
            "reply_config": {"quota_total": REPLY_QUOTA, "quota_duration": 86400},
        }

    async def user_insights(self, owner: str, params: dict[str, str]) -> Response:
        self.require_owner(owner, params["_caller"])
        with self.lock:
            posts = sum(1 for m in self.media.values() if m["owner"] == owner)
            followers = self.users[owner]["followers"] + 2 * posts
        if params.get("metric", "") != "followers_count":
            raise GraphFailure("This emulator offers metric=followers_count only", 100)
        row = {"name": "followers_count", "period": "day", "total_value": {"value": followers}}
        return JSONResponse({"data": [row]})

    def metric_values(self, media: dict[str, Any]) -> dict[str, int]:
        if "fixed" in media:  # a seeded history post (meta_history.py)
            return dict(media["fixed"])
        values = super().metric_values(media)
        replies = sum(
            1 for m in self.media.values() if m.get("replied_to", {}).get("id") == media["id"]
        )
        values["replies"] = replies + len(self.comments.get(media["id"], []))
        return values

    # --- deleting ----------------------------------------------------------------
    def delete_node(self, node_id: str, caller: str) -> dict[str, Any]:
        """``DELETE /v1.0/{threads-media-id}`` -> ``{"success": true, "deleted_id"}``."""
        with self.lock:
            media = self.media_of(node_id)
            self.require_owner(media["owner"], caller)
            del self.media[node_id]
            self.comments.pop(node_id, None)
        return {"success": True, "deleted_id": node_id}
