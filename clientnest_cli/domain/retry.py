"""When to try again: the project's one retry policy, and per-platform send rates.

Every retry in ClientNest goes through this policy, built on tenacity:

* the wait before try n+1 is "full jitter" exponential backoff — a random
  wait between half and all of ``base * 2^(n-1)``, capped at ``cap``;
* never sooner than the platform asked: an error carrying ``retry_after``
  (Retry-After, or the seconds until a rate-limit reset header) waits at
  least that long;
* a wait the platform asks for that is longer than ``max_asked`` is not
  slept through: the error is raised at once, so the caller can park the
  work until the reset instead of holding a thread.

``retrying`` drives a loop in this process (AI calls, the publisher's
lookups, TikTok's status poll, metric reads); ``backoff_seconds`` gives the
same wait for a retry that is scheduled in the store instead (a post put
back to ``scheduled`` with ``next_attempt_at``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tenacity


def asked_wait(exc: BaseException | None) -> float | None:
    """The wait the other side asked for (``retry_after`` on our error types)."""
    value = getattr(exc, "retry_after", None)
    return float(value) if isinstance(value, int | float) and value >= 0 else None


class wait_jitter_or_asked(tenacity.wait.wait_base):
    """Full-jitter exponential backoff, never shorter than the platform asked."""

    def __init__(
        self, base: float, cap: float, rng: random.Random | None = None, jitter: bool = True
    ) -> None:
        self.base, self.cap, self.jitter = base, cap, jitter
        self.rng = rng or random.Random()

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        if not self.jitter or ceiling <= 0:
            return max(0.0, ceiling)
        return self.rng.uniform(ceiling / 2, ceiling)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self.backoff(retry_state.attempt_number)
        asked = asked_wait(_error_of(retry_state))
        return max(wait, asked) if asked is not None else wait


class stop_when_asked_too_long(tenacity.stop.stop_base):
    """Stop when the platform asks for a longer wait than we are willing to sleep."""

    def __init__(self, max_asked: float) -> None:
        self.max_asked = max_asked

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        asked = asked_wait(_error_of(retry_state))
        return asked is not None and asked > self.max_asked


class stop_when_set(tenacity.stop.stop_base):
    """Stop when an event is set (a daemon shutting down)."""

    def __init__(self, event: Any) -> None:
        self.event = event

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return bool(self.event.is_set())


def _error_of(retry_state: tenacity.RetryCallState) -> BaseException | None:
    outcome = retry_state.outcome
    return outcome.exception() if outcome is not None and outcome.failed else None


def retrying(
    *,
    tries: int,
    base: float,
    cap: float,
    retry_on: Callable[[BaseException], bool],
    max_asked: float | None = None,
    stopping: Any = None,
    before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    jitter: bool = True,
) -> tenacity.Retrying:
    """A tenacity ``Retrying`` with the project's policy; the last error is re-raised.

    ``tries`` counts every try, the first included. ``retry_on`` says which
    errors are worth another try (the others are raised at once). ``jitter``
    False gives exact waits (a poll at a fixed interval: ``base == cap``).
    """
    stop: Any = tenacity.stop_after_attempt(max(1, tries))
    if max_asked is not None:
        stop = stop | stop_when_asked_too_long(max_asked)
    if stopping is not None:
        stop = stop | stop_when_set(stopping)
    return tenacity.Retrying(
        stop=stop,
        wait=wait_jitter_or_asked(base, cap, jitter=jitter),
        retry=tenacity.retry_if_exception(retry_on),
        reraise=True,
        sleep=sleep,
        before_sleep=before_sleep,
    )


def backoff_seconds(
    attempt: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt ``attempt + 1`` (for a retry scheduled in the store)."""
    wait = wait_jitter_or_asked(base, cap, rng).backoff(attempt)
    return max(wait, retry_after) if retry_after is not None else wait


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
