"""Engagement rates are honest: over impressions where known, else over followers, labelled."""

from __future__ import annotations

import pytest

from clientnest_cli.domain.outgoing import PostMetrics
from clientnest_cli.services.analytics_rates import account_rate
from clientnest_cli.services.metrics_sync import engagement, snapshot_figures


def test_rate_over_impressions_when_the_platform_reports_them() -> None:
    assert engagement(5, 3, 2, 200, 10_000) == (pytest.approx(0.05), "impressions")


def test_rate_over_followers_at_posting_time_otherwise() -> None:
    assert engagement(5, 3, 2, None, 500) == (pytest.approx(0.02), "followers")


def test_unknown_is_never_zero_percent() -> None:
    assert engagement(10, 0, 0, None, None) == (None, "")
    assert engagement(10, 0, 0, 0, 0) == (None, "")


def test_adapter_extras_land_in_their_columns() -> None:
    x = PostMetrics(
        "1", 4, 1, 3, 900, extra={"retweet_count": 2, "quote_count": 1, "bookmark_count": 7}
    )
    assert snapshot_figures(x) == {
        "likes": 4,
        "comments": 1,
        "shares": 3,
        "views": 900,
        "impressions": 900,
        "reach": None,
        "clicks": None,
        "saves": 7,
        "quotes": 1,
    }
    ig = PostMetrics("2", 1, 0, 0, 50, extra={"reach": 40, "saved": 3})
    assert snapshot_figures(ig)["reach"] == 40 and snapshot_figures(ig)["saves"] == 3
    bsky = PostMetrics("3", 1, 0, 0, None, extra={"reposts": 0, "quotes": 2})
    assert snapshot_figures(bsky)["impressions"] is None and snapshot_figures(bsky)["quotes"] == 2


def test_account_rate_uses_the_basis_most_posts_have() -> None:
    assert account_rate([]) == (0.0, "")
    rate, basis = account_rate([(0.1, "impressions"), (0.3, "impressions"), (0.9, "followers")])
    assert basis == "impressions" and rate == pytest.approx(0.2)
