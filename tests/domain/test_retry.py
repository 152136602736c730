"""The project's one retry policy (tenacity): backoff, Retry-After, limits."""

from __future__ import annotations

import random
import threading

import pytest

from clientnest_cli.domain.retry import backoff_seconds, retrying
from clientnest_cli.errors import PlatformError


def flaky(errors: list[Exception]):  # type: ignore[no-untyped-def]
    calls = []

    def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return call, calls


def transient(exc: BaseException) -> bool:
    return isinstance(exc, PlatformError) and exc.kind == "retryable"


def test_transient_errors_are_retried_with_growing_jittered_waits() -> None:
    slept: list[float] = []
    call, calls = flaky([PlatformError("5xx", kind="retryable") for _ in range(3)])
    policy = retrying(tries=5, base=1.0, cap=3.0, retry_on=transient, sleep=slept.append)
    assert policy(call) == "ok" and len(calls) == 4
    assert 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 2.0 and 1.5 <= slept[2] <= 3.0


def test_the_platforms_retry_after_is_a_floor() -> None:
    slept: list[float] = []
    call, _ = flaky([PlatformError("429", kind="retryable", retry_after=7.5)])
    policy = retrying(tries=3, base=0.01, cap=0.02, retry_on=transient, sleep=slept.append)
    assert policy(call) == "ok" and slept == [7.5]


def test_a_wait_longer_than_max_asked_is_raised_not_slept() -> None:
    slept: list[float] = []
    call, calls = flaky([PlatformError("429", kind="retryable", retry_after=900)])
    policy = retrying(
        tries=5, base=0.01, cap=0.02, retry_on=transient, max_asked=30, sleep=slept.append
    )
    with pytest.raises(PlatformError) as caught:
        policy(call)
    assert caught.value.retry_after == 900 and calls == [1] and slept == []


def test_permanent_errors_and_spent_tries_raise_the_last_error() -> None:
    call, calls = flaky([PlatformError("bad", kind="permanent")])
    with pytest.raises(PlatformError, match="bad"):
        retrying(tries=5, base=0, cap=0, retry_on=transient, sleep=lambda _s: None)(call)
    assert calls == [1]
    call, calls = flaky([PlatformError(f"5xx {i}", kind="retryable") for i in range(9)])
    with pytest.raises(PlatformError, match="5xx 2"):
        retrying(tries=3, base=0, cap=0, retry_on=transient, sleep=lambda _s: None)(call)
    assert len(calls) == 3


def test_a_set_stop_event_ends_the_retries() -> None:
    stopping = threading.Event()
    stopping.set()
    call, calls = flaky([PlatformError("5xx", kind="retryable") for _ in range(3)])
    policy = retrying(
        tries=5, base=0, cap=0, retry_on=transient, stopping=stopping, sleep=lambda _s: None
    )
    with pytest.raises(PlatformError):
        policy(call)
    assert calls == [1]


def test_scheduled_backoff_uses_the_same_waits() -> None:
    rng = random.Random(1)
    waits = [backoff_seconds(n, 30, 3600, rng=rng) for n in range(1, 9)]
    assert all(30 * 2 ** (n - 1) / 2 <= w <= 30 * 2 ** (n - 1) for n, w in enumerate(waits[:7], 1))
    assert waits[-1] <= 3600
    assert backoff_seconds(1, 30, 3600, retry_after=120) == 120
