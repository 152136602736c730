"""`accounts backfill` for TikTok: the Display API's ``POST /v2/video/list/``.

The list answers the user's own public videos newest first, ``max_count`` at
most 20 a page, with ``cursor`` (the ``create_time`` in ms to continue from)
and ``has_more``; the fields asked for include the like, comment, share and
view counts, so a backfill of N videos costs ⌈N / 20⌉ calls and nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import PastPost, PostMetrics, PublishedRef

if TYPE_CHECKING:
    from clientnest_cli.platforms.tiktok import TikTokAdapter

LIST_PAGE = 20  # video/list's largest max_count
LIST_FIELDS = (
    "id,title,video_description,create_time,share_url,"
    "like_count,comment_count,share_count,view_count"
)


def video_metrics(video: dict[str, Any]) -> PostMetrics:
    """A video object's counts (video/query and video/list answer the same fields)."""
    return PostMetrics(
        platform_post_id=str(video.get("id")),
        likes=int(video.get("like_count") or 0),
        comments=int(video.get("comment_count") or 0),
        shares=int(video.get("share_count") or 0),
        views=int(video.get("view_count") or 0),
    )


def list_history(adapter: TikTokAdapter, since: datetime) -> list[PastPost]:
    """The user's videos published since ``since``, newest first, with their counts."""
    body: dict[str, Any] = {"max_count": LIST_PAGE}
    found: list[PastPost] = []
    while True:
        data = adapter._api(
            "POST", f"/v2/video/list/?fields={LIST_FIELDS}", "reading history", json=body
        )
        for video in data.get("videos") or []:
            past = _past(video)
            if past is None:
                continue
            if past.published_at < since:
                return found
            found.append(past)
        cursor = data.get("cursor")
        if not data.get("has_more") or not cursor:
            return found
        body["cursor"] = cursor


def _past(video: dict[str, Any]) -> PastPost | None:
    try:
        when = datetime.fromtimestamp(int(video["create_time"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not video.get("id"):
        return None
    url = str(video.get("share_url") or "")
    text = str(video.get("video_description") or video.get("title") or "")
    kind = "photo" if "/photo/" in url else "video"
    return PastPost(PublishedRef(str(video["id"]), url=url), text, when, video_metrics(video), kind)
