"""Facebook emulator: a seeded posting history for `accounts backfill`.

``seed_history(page_id, seed, posts, days)`` stores the shared generator's posts
(sandbox/history.py) on a Page, dated in the past, with fixed reaction, comment
and share counts (the planted effects). ``GET /{page}/feed`` lists them newest
first, 100 a page at most, with ``paging.next``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.history import generate, spec_for


class FacebookHistoryMixin:
    """Mixed into FacebookEmulator; relies on its state and helpers."""

    posts: dict[str, dict[str, Any]]
    lock: Any

    if TYPE_CHECKING:

        def _store_post(self, page_id: str, message: str, link: str, media: list[str]) -> str: ...
        def iso(self, when: float) -> str: ...

    def seed_history(
        self, page_id: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past posts on the Page ``page_id`` (up to an hour ago)."""
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, "facebook", days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        with self.lock:
            for item in generate(spec):
                link = "https://acme.example/" if item.media_type == "link" else ""
                post = self.posts[self._store_post(page_id, item.text, link, [])]
                post["created"] = item.published_at.timestamp()
                post["created_time"] = self.iso(post["created"])
                post["counts"] = {
                    "reactions": item.likes,
                    "comments": item.comments,
                    "shares": item.shares,
                }
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}
