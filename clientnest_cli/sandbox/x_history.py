"""X emulator: a seeded posting history for `accounts backfill`.

``seed_history(user_id, seed, posts, days)`` stores the shared generator's posts
(sandbox/history.py) as the user's own tweets, dated in the past, with fixed
public metrics (the planted effects, impressions included) instead of metrics
that grow with age. ``GET /2/users/:id/tweets`` lists them (100 a page,
``start_time``, ``pagination_token``), as it lists every tweet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.history import generate, spec_for


class XHistoryMixin:
    """Mixed into XEmulator before XReadsMixin; relies on its state and helpers."""

    tweets: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    lock: Any

    if TYPE_CHECKING:

        def _store_tweet(
            self,
            author_id: str,
            text: str,
            parent: dict[str, Any] | None,
            media_ids: list[str],
            created: float | None = None,
        ) -> dict[str, Any]: ...

    def seed_history(
        self, user_id: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past tweets for ``user_id`` (up to an hour ago)."""
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, "x", days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        with self.lock:
            self.users[user_id]["followers"] = spec.followers_end
            for post in generate(spec):
                tweet = self._store_tweet(
                    user_id, post.text, None, [], post.published_at.timestamp()
                )
                quotes = min(post.quotes, post.shares)
                tweet["metrics"] = {
                    "retweet_count": post.shares - quotes,
                    "reply_count": post.comments,
                    "like_count": post.likes,
                    "quote_count": quotes,
                    "bookmark_count": post.saves or 0,
                    "impression_count": post.impressions or 0,
                }
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}

    def _public_metrics(self, tweet: dict[str, Any], replies: int) -> dict[str, int]:
        fixed = tweet.get("metrics")
        if fixed:
            return dict(fixed)
        return super()._public_metrics(tweet, replies)  # type: ignore[misc]
