"""Per-account send pacing inside one process.

A token bucket per account sized from the platform's documented limit, plus a
"cool down until" time when the platform answered 429 with a reset: posts of
that account are deferred (not failed, not counted as attempts) until then.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from clientnest_cli.domain.retry import SEND_RATES


@dataclass
class _Bucket:
    tokens: float
    capacity: float
    per_second: float
    stamp: float
    blocked_until: float = 0.0


class SendLimiter:
    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, account_id: int, platform: str, now: float) -> _Bucket | None:
        rate = SEND_RATES.get(platform)
        if rate is None:
            return None
        bucket = self._buckets.get(account_id)
        if bucket is None:
            bucket = _Bucket(rate.count, rate.count, rate.count / rate.per_seconds, now)
            self._buckets[account_id] = bucket
        return bucket

    def reserve(self, account_id: int, platform: str) -> float:
        """0 when a send may go now (a token is taken), else seconds to wait."""
        with self._lock:
            now = self._clock()  # type: ignore[operator]
            bucket = self._bucket(account_id, platform, now)
            if bucket is None:
                return 0.0
            if bucket.blocked_until > now:
                return bucket.blocked_until - now
            bucket.tokens = min(
                bucket.capacity, bucket.tokens + (now - bucket.stamp) * bucket.per_second
            )
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / bucket.per_second

    def block(self, account_id: int, platform: str, seconds: float) -> None:
        """The platform said "not before": hold every send of this account until then."""
        with self._lock:
            now = self._clock()  # type: ignore[operator]
            bucket = self._bucket(account_id, platform, now)
            if bucket is not None:
                bucket.blocked_until = max(bucket.blocked_until, now + seconds)
