"""TikTok emulator: a seeded posting history for `accounts backfill`.

``seed_history(open_id, seed, posts, days)`` stores the shared generator's posts
(sandbox/history.py) as the user's own videos (photo posts for its photos and
carousels), dated in the past, with fixed like, comment, share and view counts
(the planted effects) instead of counts that grow with age.
``POST /v2/video/list/`` lists them like every video: newest first,
``max_count`` (1 to 20) a page, ``cursor`` = the oldest listed ``create_time``
in ms, ``has_more``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from clientnest_cli.sandbox.history import HistoryPost, generate, spec_for


def history_video(post: HistoryPost, open_id: str, username: str) -> dict[str, Any]:
    video_id = str(7_200_000_000_000_000_000 + secrets.randbelow(10**17))
    kind = "photo" if post.media_type in {"photo", "carousel"} else "video"
    created = post.published_at.timestamp()
    return {
        "id": video_id,
        "open_id": open_id,
        "title": post.text[:90],
        "video_description": post.text,
        "create_time": int(created),
        "created": created,
        "cover_image_url": f"https://p16.tiktokcdn.com/cover/{video_id}.jpeg",
        "share_url": f"https://www.tiktok.com/@{username}/{kind}/{video_id}",
        "embed_link": f"https://www.tiktok.com/embed/v2/{video_id}",
        "duration": 0 if kind == "photo" else 15,
        "fixed": {
            "view_count": post.impressions or 0,
            "like_count": post.likes,
            "comment_count": post.comments,
            "share_count": post.shares,
        },
    }


class TikTokHistoryMixin:
    """Mixed into TikTokEmulator; its ``counts`` return a seeded video's ``fixed``."""

    videos: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    lock: Any

    def seed_history(
        self, open_id: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past videos for ``open_id`` (up to an hour ago)."""
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, "tiktok", days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        with self.lock:
            user = self.users[open_id]
            user["follower_count"] = spec.followers_end
            for post in generate(spec):
                video = history_video(post, open_id, user["username"])
                self.videos[video["id"]] = video
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}
