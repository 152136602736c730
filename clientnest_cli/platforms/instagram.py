"""Instagram adapter: Graph API content publishing with Instagram login.

Facts from PLATFORMS.md § Instagram. There are no text-only posts: every
post is an image, a video (published as a Reel) or a carousel of 2–10 items,
fetched by Instagram from a public URL (``MediaItem.public_url``, else the
account's ``media_base_url`` + "/" + the file name). The two-phase container
flow, resume rules and token refresh live in meta_containers.py.
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
from clientnest_cli.platforms.base import Capabilities, ConnectRequest
from clientnest_cli.platforms.meta_containers import MetaContainerAdapter
from clientnest_cli.platforms.public_media import url_violations

REAL_TOKEN_HOST = "https://api.instagram.com"


class InstagramAdapter(MetaContainerAdapter):
    name: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    default_base_url: ClassVar[str] = "https://graph.instagram.com"
    default_auth_base_url: ClassVar[str] = "https://www.instagram.com"
    api_prefix: ClassVar[str] = "/v21.0"  # unversioned calls get the oldest version
    capabilities: ClassVar[Capabilities] = Capabilities(
        threads=False,
        media_types=("image/jpeg", "video/mp4"),
        max_media=10,
        text_only=False,
        idempotency="container",
        metrics_batch=1,
        comments=True,
        auth="oauth",
        max_length=2200,
    )
    create_edge = "media"
    publish_edge = "media_publish"
    text_param = "caption"
    status_field = "status_code"
    status_detail_field = "status"
    history_edge = "media"
    comments_edge = "comments"
    insight_metrics = "views,reach,likes,comments,shares,saved,total_interactions"
    exchange_grant = "ig_exchange_token"
    refresh_grant = "ig_refresh_token"
    scopes = (
        "instagram_business_basic,instagram_business_content_publish,"
        "instagram_business_manage_comments,instagram_business_manage_insights"
    )

    # --- content --------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        found = validate_content(self.name, post.text, post.media)
        if not post.media and not any(v.rule == "media_required" for v in found):
            found.append(
                Violation(
                    self.name,
                    "media_required",
                    "Instagram has no text-only posts: attach an image or video",
                )
            )
        if post.reply_to is not None:
            found.append(Violation(self.name, "threads", "Instagram posts cannot be threaded"))
        found += url_violations(post.media, self.account.settings, self.name, self.display_name)
        return found

    def publish(self, post: OutgoingPost) -> PublishedRef:
        if not post.media:
            raise PlatformError(
                "Instagram has no text-only posts: attach an image or video",
                platform=self.name,
            )
        return super().publish(post)

    def item_params(self, item: MediaItem, carousel: bool) -> dict[str, str]:
        url = self.media_url(item)
        if item.mime_type.lower().startswith("video/"):
            params = {"video_url": url, "media_type": "VIDEO" if carousel else "REELS"}
        else:
            params = {"image_url": url}
        if carousel:
            params["is_carousel_item"] = "true"
        return params

    def text_only_params(self, post: OutgoingPost) -> dict[str, str]:
        raise PlatformError(
            "Instagram has no text-only posts: attach an image or video", platform=self.name
        )

    def list_edge(self, post: OutgoingPost) -> str:
        return "media"

    def metrics_from(self, media_id: str, values: dict[str, int]) -> PostMetrics:
        return PostMetrics(
            platform_post_id=media_id,
            likes=values.get("likes", 0),
            comments=values.get("comments", 0),
            shares=values.get("shares", 0),
            views=values.get("views"),
            extra={k: values[k] for k in ("reach", "saved", "total_interactions") if k in values},
        )

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        """``POST /{ig-media-id}/comments`` with ``message``: a comment under the post."""
        body = self._call(
            "POST",
            f"{ref.platform_post_id}/comments",
            "replying",
            data={"message": text},
            write=True,
        )
        return PublishedRef(str(body.get("id") or ""), ref.url)

    # --- account ----------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        body = self._call(
            "GET",
            "me",
            "reading the account profile",
            params={"fields": "user_id,username,name,followers_count,follows_count,media_count"},
        )
        return AccountInfo(
            platform_user_id=str(body.get("user_id") or body.get("id") or ""),
            handle=str(body.get("username") or ""),
            display_name=str(body.get("name") or ""),
            followers=body.get("followers_count"),
            following=body.get("follows_count"),
            posts=body.get("media_count"),
        )

    @classmethod
    def code_exchange_url(cls, req: ConnectRequest) -> str:
        """The code is exchanged at api.instagram.com in real life, else at the base URL."""
        base = req.base_url.rstrip("/")
        host = REAL_TOKEN_HOST if base == cls.default_base_url else base
        return f"{host}/oauth/access_token"

    # --- deleting: not possible (capabilities.delete is False) ---------------
    cannot_delete: ClassVar[str] = "the Instagram Graph API has no endpoint that deletes a post"
