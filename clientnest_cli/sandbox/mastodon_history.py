"""Mastodon emulator: a seeded posting history for `accounts backfill`.

``seed_history(handle, seed, posts, days)`` stores the shared generator's posts
(sandbox/history.py) as the account's own public statuses, dated in the past,
with ids that sort by time (as Mastodon's snowflake ids do) and fixed counts
(the planted effects). ``GET /api/v1/accounts/:id/statuses`` lists them, 40 a
page at most, paged with ``max_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.history import generate, spec_for


class MastodonHistoryMixin:
    """Mixed into MastodonEmulator; relies on its state and helpers."""

    statuses: dict[str, dict[str, Any]]
    lock: Any

    if TYPE_CHECKING:

        def _account(self, handle: str) -> dict[str, Any]: ...

    def seed_history(
        self, handle: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past statuses for ``handle`` (up to an hour ago)."""
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, "mastodon", days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        with self.lock:
            account = self._account(handle)
            for post in generate(spec):
                sid = str((int(post.published_at.timestamp() * 1000) << 16) + post.index)
                self.statuses[sid] = {
                    "id": sid,
                    "account_id": account["id"],
                    "text": post.text,
                    "spoiler_text": "",
                    "visibility": "public",
                    "language": "en",
                    "media_ids": [],
                    "in_reply_to_id": None,
                    "in_reply_to_account_id": None,
                    "created": post.published_at.timestamp(),
                    "application": None,
                    "counts": {
                        "replies": post.comments,
                        "reblogs": post.shares,
                        "favourites": post.likes,
                    },
                }
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}
