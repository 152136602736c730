"""overview --json against sums computed straight from the generated rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from clientnest_cli.sandbox.history import HistorySpec, follower_series, generate
from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import ok


def _expected(spec: HistorySpec, start: datetime, end: datetime) -> dict:
    posts = [p for p in generate(spec) if start <= p.published_at < end]
    interactions = sum(p.likes + p.comments + p.shares for p in posts)
    impressions = [p.impressions for p in posts if p.impressions is not None]
    if impressions:
        rate = interactions / sum(impressions)
    else:
        rates = [(p.likes + p.comments + p.shares) / p.followers for p in posts]
        rate = sum(rates) / len(rates) if rates else None
    series = follower_series(spec)
    at_end = [f for t, f in series if t < end][-1]
    before = [f for t, f in series if t <= start]
    at_start = before[-1] if before else next(f for t, f in series if t < end)
    return {
        "posts": len(posts),
        "impressions": sum(impressions) if impressions else None,
        "interactions": interactions if posts else None,
        "engagement_rate": rate,
        "followers_change": at_end - at_start,
    }


def _check(block: dict, want: dict) -> None:
    for key in ("posts", "impressions", "interactions", "followers_change"):
        assert block[key] == want[key], key
    if want["engagement_rate"] is None:
        assert block["engagement_rate"] is None
    else:
        assert block["engagement_rate"] == pytest.approx(want["engagement_rate"], rel=1e-9)


def test_overview_figures_equal_independent_sums(seeded_db: Seeded) -> None:
    seeded = seeded_db
    data = ok("analytics", "overview", "--until", UNTIL, "--period", "30d", "--json").json()
    end = datetime.fromisoformat(UNTIL)
    start, previous = end - timedelta(days=30), end - timedelta(days=60)
    by_ref = {a["account"]: a for a in data["accounts"]}
    assert set(by_ref) == set(seeded.refs)
    for ref, spec in seeded.refs.items():
        block = by_ref[ref]
        _check(block, _expected(spec, start, end))
        _check(block["previous"], _expected(spec, previous, start))
    x = by_ref["x:acme"]
    assert x["rate_basis"] == "impressions"
    assert by_ref["bluesky:acme.bsky.social"]["rate_basis"] == "followers"
    assert set(x["change"]) >= {"posts", "impressions", "interactions", "engagement_rate"}
    assert x["best_post"]["interactions"] >= 0
    platforms = {p["platform"]: p for p in data["platforms"]}
    assert platforms["x"]["posts"] == x["posts"]
    # the same store answers best-times the same way on either database
    times = ok("analytics", "best-times", "x:acme", "--until", UNTIL, "--json").json()
    assert times["enough_data"] and times["posts"] == 300


def test_overview_filters_by_account_and_platform(seeded: Seeded) -> None:
    one = ok("analytics", "overview", "--until", UNTIL, "--account", "x:acme", "--json").json()
    assert [a["account"] for a in one["accounts"]] == ["x:acme"]
    bsky = ok("analytics", "overview", "--until", UNTIL, "--platform", "bluesky", "--json")
    assert [a["account"] for a in bsky.json()["accounts"]] == ["bluesky:acme.bsky.social"]
    text = ok("analytics", "overview", "--until", UNTIL).stdout
    assert "x:acme" in text and "of impressions" in text
