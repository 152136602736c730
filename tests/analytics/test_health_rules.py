"""analytics/health.py rules on hand-made frames (pure: no store, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from clientnest_cli.analytics.health import assess

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _posts(rates: list[float], days_apart: float = 1.0) -> pd.DataFrame:
    times = [NOW - timedelta(days=days_apart * (len(rates) - i)) for i in range(len(rates))]
    return pd.DataFrame({"published_at": pd.to_datetime(times, utc=True), "engagement_rate": rates})


def _stats(values: list[int]) -> pd.DataFrame:
    times = [NOW - timedelta(days=10 * (len(values) - i)) for i in range(len(values))]
    return pd.DataFrame({"captured_at": pd.to_datetime(times, utc=True), "followers": values})


ACCOUNT = {"account_id": 1, "account": "x:acme", "status": "active", "status_reason": ""}


def test_falling_engagement_is_flagged_with_how_sure() -> None:
    rates = [0.05 + 0.001 * (i % 3) for i in range(56)] + [
        0.02 + 0.001 * (i % 3) for i in range(28)
    ]
    health = assess(ACCOUNT, _posts(rates), _stats([100, 100]), 0, NOW)
    falling = [a for a in health.alerts if a.kind == "engagement_falling"]
    assert falling and "p = " in falling[0].message
    assert health.facts["engagement_trend"]["p_value"] < 0.05


def test_steady_account_is_ok() -> None:
    rates = [0.04 + 0.002 * (i % 5) for i in range(84)]
    health = assess(ACCOUNT, _posts(rates), _stats([100, 110, 120]), 0, NOW)
    assert health.state == "ok" and health.alerts == []


def test_followers_declining_tokens_and_failures() -> None:
    soon = NOW + timedelta(days=1)
    linkedin = ACCOUNT | {"token_expires_at": soon, "refreshable": False}
    health = assess(linkedin, _posts([0.04] * 30), _stats([500, 480, 450, 430]), 4, NOW)
    kinds = {a.kind for a in health.alerts}
    assert {"followers_declining", "token", "failures"} <= kinds and health.state == "alert"
    refreshable = ACCOUNT | {"token_expires_at": soon, "refreshable": True}
    quiet = assess(refreshable, _posts([0.04] * 30), _stats([500, 520]), 0, NOW)
    assert "token" not in {a.kind for a in quiet.alerts}
