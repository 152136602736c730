"""Instagram and Threads emulators: a seeded posting history for `accounts backfill`.

``seed_history(user_id, seed, posts, days)`` stores the shared generator's posts
(sandbox/history.py) as the user's own media, dated in the past, with fixed
insight values (the planted effects) instead of values that grow with age.
The user's media edge (``GET /{ig-user-id}/media``, ``GET /{threads-user-id}/
threads``) lists them like every post: newest first, ``limit`` (25 by default,
100 at most) a page, with ``paging.cursors.after`` and ``paging.next``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.history import HistoryPost, generate, spec_for

IG_KIND = {"video": "VIDEO", "carousel": "CAROUSEL_ALBUM"}  # the rest are IMAGE
THREADS_KIND = {"video": "VIDEO", "photo": "IMAGE", "carousel": "CAROUSEL_ALBUM"}  # else TEXT_POST


def instagram_media(post: HistoryPost, owner: str, username: str, media_id: str) -> dict:
    """One history post as an Instagram media node with fixed insight values."""
    code = f"H{media_id[-8:]}"
    return {
        "id": media_id,
        "owner": owner,
        "created": post.published_at.timestamp(),
        "caption": post.text,
        "media_type": IG_KIND.get(post.media_type, "IMAGE"),
        "media_product_type": "REELS" if post.media_type == "video" else "FEED",
        "permalink": f"https://www.instagram.com/p/{code}/",
        "shortcode": code,
        "timestamp": _iso(post.published_at),
        "username": username,
        "fixed": {
            "views": post.impressions or 0,
            "reach": post.reach or 0,
            "likes": post.likes,
            "comments": post.comments,
            "shares": post.shares,
            "saved": post.saves or 0,
        },
    }


def threads_media(post: HistoryPost, owner: str, username: str, media_id: str) -> dict:
    """One history post as a Threads media node with fixed insight values."""
    code = f"H{media_id[-8:]}"
    quotes = min(post.quotes, post.shares)
    return {
        "id": media_id,
        "owner": owner,
        "created": post.published_at.timestamp(),
        "media_product_type": "THREADS",
        "media_type": THREADS_KIND.get(post.media_type, "TEXT_POST"),
        "text": post.text,
        "permalink": f"https://www.threads.net/@{username}/post/{code}",
        "shortcode": code,
        "timestamp": _iso(post.published_at),
        "username": username,
        "is_reply": False,
        "is_quote_post": False,
        "fixed": {
            "views": post.impressions or 0,
            "likes": post.likes,
            "replies": post.comments,
            "reposts": post.shares - quotes,
            "quotes": quotes,
            "shares": 0,
        },
    }


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphHistoryMixin:
    """Mixed into the Instagram and Threads emulators; their ``metric_values`` return a
    seeded post's ``fixed`` values, and their media nodes leave ``fixed`` out."""

    name: str
    media: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    lock: Any

    if TYPE_CHECKING:

        def new_id(self) -> str: ...

    def seed_history(
        self, user_id: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past posts for ``user_id`` (up to an hour ago)."""
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, self.name, days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        make = instagram_media if self.name == "instagram" else threads_media
        with self.lock:
            user = self.users[user_id]
            user["followers"] = spec.followers_end
            for post in generate(spec):
                media = make(post, user_id, user["username"], self.new_id())
                self.media[media["id"]] = media
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}
