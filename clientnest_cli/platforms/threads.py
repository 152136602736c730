"""Threads adapter: graph.threads.net v1.0 publishing, replies and insights.

Facts from PLATFORMS.md § Threads. Text posts are allowed (``media_type=
TEXT``); images and videos are fetched from a public URL (``public_url``,
else ``media_base_url`` + "/" + the file name), several media make a
carousel; a thread is a chain of replies (``reply_to_id`` = the previous
part). Length and the 5-link limit are checked by the domain rules. The
container flow, resume rules and the 24-hour refresh rule live in
meta_containers.py.
"""

from __future__ import annotations

from typing import ClassVar

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    MediaItem,
    OutgoingPost,
    PostMetrics,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import Capabilities
from clientnest_cli.platforms.meta_containers import MetaContainerAdapter
from clientnest_cli.platforms.public_media import url_violations


class ThreadsAdapter(MetaContainerAdapter):
    name: ClassVar[str] = "threads"
    display_name: ClassVar[str] = "Threads"
    default_base_url: ClassVar[str] = "https://graph.threads.net"
    default_auth_base_url: ClassVar[str] = "https://threads.net"
    capabilities: ClassVar[Capabilities] = Capabilities(
        threads=True,
        media_types=("image/jpeg", "image/png", "video/mp4", "video/quicktime"),
        max_media=20,
        text_only=True,
        idempotency="container",
        delete=True,
        metrics_batch=1,
        comments=True,
        auth="oauth",
        max_length=500,
    )
    api_prefix = "/v1.0"
    create_edge = "threads"
    publish_edge = "threads_publish"
    text_param = "text"
    status_field = "status"
    status_detail_field = "error_message"
    history_edge = "threads"
    comments_edge = "replies"
    insight_metrics = "views,likes,replies,reposts,quotes,shares"
    exchange_grant = "th_exchange_token"
    refresh_grant = "th_refresh_token"
    scopes = (
        "threads_basic,threads_content_publish,threads_manage_insights,"
        "threads_read_replies,threads_manage_replies"
    )

    # --- content --------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        found = validate_content(self.name, post.text, post.media)
        found += url_violations(post.media, self.account.settings, self.name, self.display_name)
        return found

    def item_params(self, item: MediaItem, carousel: bool) -> dict[str, str]:
        url = self.media_url(item)
        if item.mime_type.lower().startswith("video/"):
            params = {"media_type": "VIDEO", "video_url": url}
        else:
            params = {"media_type": "IMAGE", "image_url": url}
        if carousel:
            params["is_carousel_item"] = "true"
        return params

    def text_only_params(self, post: OutgoingPost) -> dict[str, str]:
        if not post.text.strip():
            raise PlatformError("a Threads post needs text or media", platform=self.name)
        return {"media_type": "TEXT"}

    def extra_params(self, post: OutgoingPost) -> dict[str, str]:
        if post.reply_to is not None:
            return {"reply_to_id": post.reply_to.platform_post_id}
        return {}

    def list_edge(self, post: OutgoingPost) -> str:
        return "replies" if post.reply_to is not None else "threads"

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        return self.publish(OutgoingPost(text=text, idempotency_key="", reply_to=ref))

    def metrics_from(self, media_id: str, values: dict[str, int]) -> PostMetrics:
        reposts, shares = values.get("reposts", 0), values.get("shares", 0)
        return PostMetrics(
            platform_post_id=media_id,
            likes=values.get("likes", 0),
            comments=values.get("replies", 0),
            shares=reposts + shares,
            views=values.get("views"),
            extra={"reposts": reposts, "quotes": values.get("quotes", 0), "shares": shares},
        )

    # --- account ----------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        body = self._call(
            "GET", "me", "reading the account profile", params={"fields": "id,username,name"}
        )
        user_id = str(body.get("id") or "")
        return AccountInfo(
            platform_user_id=user_id,
            handle=str(body.get("username") or ""),
            display_name=str(body.get("name") or ""),
            followers=self.followers(user_id),
        )

    def followers(self, user_id: str) -> int | None:
        """Followers come from user insights; a missing permission is not fatal."""
        try:
            body = self._call(
                "GET",
                f"{user_id}/threads_insights",
                "reading the follower count",
                params={"metric": "followers_count"},
            )
        except PlatformError as exc:
            if exc.kind == "permanent":
                return None
            raise
        for row in body.get("data") or []:
            if row.get("name") == "followers_count":
                return int((row.get("total_value") or {}).get("value") or 0)
        return None

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE /v1.0/{threads-media-id}``; a post Graph no longer has
        (code 100, subcode 33) is already gone."""
        from clientnest_cli.platforms.http import send_authorised
        from clientnest_cli.platforms.meta_graph import error_object, raise_for_status

        token = self.account.credentials.access_token
        url = self._url(ref.platform_post_id)
        resp = send_authorised(self.http, "DELETE", url, token, platform=self.name)
        error = error_object(resp) if resp.status_code >= 400 else {}
        if error.get("code") == 100 and error.get("error_subcode") == 33:
            return False
        raise_for_status(resp, self.graph(), "deleting the post")
        return True
