"""Comments, replies, profiles and video lists as the platforms' docs show them.

Two kinds of fixture, one per documented example, each naming its page:

- ``EXAMPLES``: the response body the page shows (ids, tokens and URLs are the
  pages' placeholders; the contract test compares keys and JSON types).
- ``REQUESTS``: the request the page documents — method, path and the
  parameters (query, form or JSON keys) it names — which the adapter's own
  request must keep to.

LinkedIn organisation statistics (``organizationalEntityShareStatistics``,
``organizationalEntityFollowerStatistics``): neither the LinkedIn adapter nor
its emulator calls them (metrics come from ``/rest/socialActions``, whose
example is ``linkedin.social_actions`` in doc_examples.py), so there is no
answer of ours to compare; PLATFORMS.md mentions them only as a future source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TIKTOK_OK = {"code": "ok", "message": "", "log_id": "20220829194722CBE87ED59D524E727021"}
THREADS_REPLIES = "https://developers.facebook.com/docs/threads/reply-management"
IG_COMMENTS = (
    "https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/comments"
)
LI_COMMENTS = (
    "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api"
)
FB_COMMENTS = "https://developers.facebook.com/docs/pages-api/comments-mentions"

_LI_COMMENT = {
    "actor": "urn:li:person:a1b2c3d4e5",
    "commentUrn": "urn:li:comment:(urn:li:activity:6631349431612559360,6636062862760562688)",
    "created": {"actor": "urn:li:person:a1b2c3d4e5", "time": 1582160678569},
    "id": "6636062862760562688",
    "lastModified": {"actor": "urn:li:person:a1b2c3d4e5", "time": 1582160678569},
    "message": {"text": "Hello world!"},
    "object": "urn:li:activity:6631349431612559360",
    "$URN": "urn:li:comment:(urn:li:activity:6631349431612559360,6636062862760562688)",
}

# name -> (page, example body)
EXAMPLES: dict[str, tuple[str, Any]] = {
    # --- Facebook Pages: comments on a Page post ------------------------------------
    "facebook.comments": (
        FB_COMMENTS,
        {
            "data": [
                {
                    "created_time": "2020-02-19T23:05:53+0000",
                    "from": {"name": "Cisco Test Page", "id": "PAGE-ID"},
                    "message": "This is a comment",
                    "id": "PAGE-POST-ID_COMMENT-ID",
                }
            ],
            "paging": {
                "cursors": {
                    "before": "WTI5dGJXVnVkRjlqZAFhKemIzSTZAMU16TXhNelE0TURrd05UazVNalkzT2pFMU9ESXhOek15TnpVPQZDZD",
                    "after": "WTI5dGJXVnVkRjlqZAFhKemIzSTZAMU16TXhNelE0TURrd05UazVNalkzT2pFMU9ESXhOek15TnpVPQZDZD",
                }
            },
        },
    ),
    "facebook.comment_create": (FB_COMMENTS, {"id": "PAGE-POST-ID_COMMENT-ID"}),
    # --- Instagram: comments on one's own media, the profile node -------------------
    "instagram.comments": (
        IG_COMMENTS,
        {
            "data": [
                {
                    "timestamp": "2017-08-31T19:16:02+0000",
                    "text": "This is awesome!",
                    "id": "17870913679156914",
                }
            ]
        },
    ),
    "instagram.comment_create": (IG_COMMENTS, {"id": "17873440459141021"}),
    "instagram.profile": (
        "https://developers.facebook.com/docs/instagram-platform/reference/ig-user",
        {
            "biography": "Dino data crunching app",
            "id": "17841405822304914",
            "username": "metricsaurus",
            "website": "http://www.metricsaurus.com/",
        },
    ),
    # --- Threads: replies to a post, replying, the profile node ---------------------
    "threads.replies": (
        THREADS_REPLIES + "#replies",
        {
            "data": [
                {
                    "id": "1234567890",
                    "text": "First Reply",
                    "timestamp": "2024-01-01T18:20:00+0000",
                    "media_product_type": "THREADS",
                    "media_type": "TEXT_POST",
                    "shortcode": "abcdefg",
                    "has_replies": True,
                    "root_post": {"id": "1234567890"},
                    "replied_to": {"id": "1234567890"},
                    "is_reply": True,
                    "hide_status": "NOT_HUSHED",
                }
            ],
            "paging": {"cursors": {"before": "BEFORE_CURSOR", "after": "AFTER_CURSOR"}},
        },
    ),
    "threads.reply_container": (THREADS_REPLIES + "#respond-to-replies", {"id": "1234567"}),
    "threads.reply_publish": (THREADS_REPLIES + "#respond-to-replies", {"id": "1234567"}),
    "threads.profile": (
        "https://developers.facebook.com/docs/threads/threads-profiles",
        {
            "id": "1234567",
            "username": "threadsapitestuser",
            "name": "Threads API Test User",
            "threads_profile_picture_url": "https://scontent-sjc3-1.cdninstagram.com/link/to/profile/picture/on/threads/",
            "threads_biography": "This is my Threads bio.",
        },
    ),
    # --- LinkedIn: comments on a share ------------------------------------------------
    "linkedin.comments": (
        LI_COMMENTS + "#get-comments-on-shares",
        {
            "paging": {"start": 0, "count": 10, "links": [], "total": 1},
            "elements": [_LI_COMMENT],
        },
    ),
    "linkedin.comment_create": (LI_COMMENTS + "#create-a-comment", _LI_COMMENT),
    # --- TikTok: the creator's video list ---------------------------------------------
    "tiktok.video_list": (
        "https://developers.tiktok.com/doc/tiktok-api-v2-video-list",
        {
            "data": {
                "videos": [
                    {
                        "cover_image_url": "https://p16-sign.tiktokcdn-us.com/obj/tos-useast5-p-0068-tx/example",
                        "id": "7080213458555737986",
                        "title": "Video Title",
                    }
                ],
                "cursor": 1643332803000,
                "has_more": False,
            },
            "error": TIKTOK_OK,
        },
    ),
}

# Fixed values a page lists (not placeholders): path -> the documented value.
VALUES: dict[str, dict[str, Any]] = {
    "tiktok.video_list": {"$.error.code": "ok"},
}


@dataclass(frozen=True)
class DocRequest:
    """A request as its page documents it.

    ``path`` is a regular expression matching the end of the URL path; ``required`` names the
    parameters the page requires; ``allowed`` every parameter the page names
    (the adapter may send nothing else); ``fields`` the node's documented
    fields, when the request takes ``fields=`` (the adapter may ask for no
    other)."""

    page: str
    method: str
    path: str
    required: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    fields: frozenset[str] = field(default_factory=frozenset)

    def matches(self, method: str, path: str) -> bool:
        """The path may carry a prefix (the sandbox serves each API under one)."""
        return method == self.method and re.search(f"(?:{self.path})$", path) is not None


def _set(words: str) -> frozenset[str]:
    return frozenset(words.replace(",", " ").split())


GRAPH_NODE = r"/v\d+\.\d+/[0-9_]+"  # /v21.0/{node-id}
IG_COMMENT_FIELDS = _set(
    "from hidden id legacy_instagram_comment_id like_count media parent_id replies text "
    "timestamp user username"
)
THREADS_POST_FIELDS = _set(
    "id media_product_type media_type media_url permalink owner username text timestamp "
    "shortcode thumbnail_url children is_quote_post quoted_post reposted_post alt_text "
    "link_attachment_url gif_url has_replies root_post replied_to is_reply "
    "is_reply_owned_by_me hide_status reply_audience"
)
TIKTOK_VIDEO_FIELDS = _set(
    "id create_time cover_image_url share_url video_description duration height width "
    "title embed_html embed_link like_count comment_count share_count view_count"
)

# name -> the documented request our adapter's call must keep to
REQUESTS: dict[str, DocRequest] = {
    "facebook.comments": DocRequest(
        FB_COMMENTS,
        "GET",
        GRAPH_NODE + "/comments",
        allowed=_set("fields limit order filter summary after before"),
        fields=_set(
            "id message from created_time attachment can_comment can_remove can_hide "
            "can_like can_reply_privately comment_count is_hidden like_count "
            "message_tags object parent permalink_url user_likes"
        ),
    ),
    "facebook.comment_create": DocRequest(
        FB_COMMENTS,
        "POST",
        GRAPH_NODE + "/comments",
        required=_set("message"),
        allowed=_set("message attachment_id attachment_share_url attachment_url source"),
    ),
    "instagram.comments": DocRequest(
        IG_COMMENTS,
        "GET",
        GRAPH_NODE + "/comments",
        allowed=_set("fields limit after before"),
        fields=IG_COMMENT_FIELDS,
    ),
    "instagram.comment_create": DocRequest(
        IG_COMMENTS,
        "POST",
        GRAPH_NODE + "/comments",
        required=_set("message"),
        allowed=_set("message"),
    ),
    "instagram.profile": DocRequest(
        "https://developers.facebook.com/docs/instagram-platform/reference/ig-user",
        "GET",
        r"/(v\d+\.\d+/)?(me|[0-9]+)",
        allowed=_set("fields"),
        fields=_set(
            "id user_id username name account_type profile_picture_url followers_count "
            "follows_count media_count biography website"
        ),
    ),
    "threads.replies": DocRequest(
        THREADS_REPLIES + "#replies",
        "GET",
        GRAPH_NODE + "/replies",
        allowed=_set("fields reverse limit after before"),
        fields=THREADS_POST_FIELDS,
    ),
    "threads.reply_container": DocRequest(
        THREADS_REPLIES + "#respond-to-replies",
        "POST",
        GRAPH_NODE + "/threads",
        required=_set("media_type text reply_to_id"),
        allowed=_set("media_type text reply_to_id image_url video_url alt_text"),
    ),
    "threads.reply_publish": DocRequest(
        THREADS_REPLIES + "#respond-to-replies",
        "POST",
        GRAPH_NODE + "/threads_publish",
        required=_set("creation_id"),
        allowed=_set("creation_id"),
    ),
    "threads.profile": DocRequest(
        "https://developers.facebook.com/docs/threads/threads-profiles",
        "GET",
        r"/v\d+\.\d+/(me|[0-9]+)",
        allowed=_set("fields"),
        fields=_set("id username name threads_profile_picture_url threads_biography"),
    ),
    "linkedin.comments": DocRequest(
        LI_COMMENTS + "#get-comments-on-shares",
        "GET",
        r"/rest/socialActions/urn:li:(share|ugcPost|activity):[0-9]+/comments",
        allowed=_set("start count"),
    ),
    "linkedin.comment_create": DocRequest(
        LI_COMMENTS + "#create-a-comment",
        "POST",
        r"/rest/socialActions/urn:li:(share|ugcPost|activity):[0-9]+/comments",
        required=_set("actor object message"),
        allowed=_set("actor object message parentComment content"),
    ),
    "tiktok.video_list": DocRequest(
        "https://developers.tiktok.com/doc/tiktok-api-v2-video-list",
        "POST",
        r"/v2/video/list/",
        required=_set("fields"),
        allowed=_set("fields cursor max_count"),
        fields=TIKTOK_VIDEO_FIELDS,
    ),
    "tiktok.video_query": DocRequest(
        "https://developers.tiktok.com/doc/tiktok-api-v2-video-query",
        "POST",
        r"/v2/video/query/",
        required=_set("fields filters"),
        allowed=_set("fields filters"),
        fields=TIKTOK_VIDEO_FIELDS,
    ),
}
