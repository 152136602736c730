"""When to try again: exponential backoff with jitter, and per-platform send rates."""

from __future__ import annotations

import random
from dataclasses import dataclass


def backoff_seconds(
    attempt: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt ``attempt + 1``.

    "Full jitter" exponential backoff (a random wait up to base * 2^(n-1),
    capped), but never sooner than the platform asked (Retry-After / reset).
    """
    rng = rng or random.Random()
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    wait = rng.uniform(ceiling / 2, ceiling) if ceiling > 0 else 0.0
    if retry_after is not None:
        wait = max(wait, retry_after)
    return wait


@dataclass(frozen=True)
class SendRate:
    """At most ``count`` posts per ``per_seconds`` for one account."""

    count: int
    per_seconds: float
    source: str


# Documented publishing limits per account (PLATFORMS.md, platforms' docs).
SEND_RATES: dict[str, SendRate] = {
    "x": SendRate(200, 15 * 60, "POST /2/tweets: 200 per 15 min per user"),
    "bluesky": SendRate(1666, 3600, "5000 points/hour, createRecord = 3 points"),
    "mastodon": SendRate(300, 5 * 60, "300 requests per 5 min"),
    "linkedin": SendRate(150, 24 * 3600, "member posts: 150 per day"),
    "facebook": SendRate(200, 3600, "Pages: about 200 calls per hour per user"),
    "instagram": SendRate(100, 24 * 3600, "100 API-published posts per rolling 24 h"),
    "threads": SendRate(250, 24 * 3600, "250 posts per 24 h"),
    "tiktok": SendRate(6, 60, "init: 6 per minute per user"),
    "discord": SendRate(5, 2, "webhooks: 5 per 2 s"),
    "slack": SendRate(1, 1, "incoming webhooks: 1 per second"),
}
