"""performance, top, growth, health and export over the seeded store."""

from __future__ import annotations

import csv
import io

from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import ok


def test_performance_by_week_adds_up(seeded: Seeded) -> None:
    args = ("--until", UNTIL, "--period", "90d")
    series = ok("analytics", "performance", "--by", "week", *args, "--json").json()["series"]
    overview = ok("analytics", "overview", *args, "--json").json()
    assert sum(r["posts"] for r in series) == sum(a["posts"] for a in overview["accounts"])
    months = ok("analytics", "performance", "--by", "month", *args, "--json").json()["series"]
    assert len(months) <= 4 and sum(r["posts"] for r in months) == sum(r["posts"] for r in series)
    table = ok("analytics", "performance", "--by", "day", *args).stdout
    assert table.startswith("period\tposts")  # a pipe gets a table, not a chart


def test_top_is_ranked(seeded: Seeded) -> None:
    rows = ok("analytics", "top", "--until", UNTIL, "--limit", "5", "--json").json()
    assert len(rows) == 5
    values = [r["interactions"] for r in rows]
    assert values == sorted(values, reverse=True)
    by_rate = ok("analytics", "top", "--by", "rate", "--until", UNTIL, "--json").json()
    rates = [r["engagement_rate"] for r in by_rate]
    assert rates == sorted(rates, reverse=True)


def test_growth_follows_the_follower_snapshots(seeded: Seeded) -> None:
    rows = ok("analytics", "growth", "--account", "x:acme", "--until", UNTIL, "--json").json()
    assert rows and {r["account"] for r in rows} == {"x:acme"}
    assert rows[-1]["followers"] >= rows[0]["followers"]  # the generator plants growth


def test_health_flags_a_silent_account(seeded: Seeded) -> None:
    later = "2027-01-15T00:00:00+00:00"  # two and a half months after the last post
    data = ok("analytics", "health", "--until", later, "--json").json()
    states = {h["account"]: h for h in data}
    assert states["x:acme"]["state"] == "alert"
    assert any(a["kind"] == "stale" for a in states["x:acme"]["alerts"])
    fresh = ok("analytics", "health", "--until", UNTIL, "--json").json()
    x = next(h for h in fresh if h["account"] == "x:acme")
    assert not any(a["kind"] == "stale" for a in x["alerts"])


def test_export_csv_has_one_row_per_post(seeded: Seeded) -> None:
    text = ok("analytics", "export", "--format", "csv", "--until", UNTIL).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == sum(s.posts for s in seeded.refs.values())
    assert {"post_id", "weekday", "hour", "media_type", "engagement_rate"} <= set(rows[0])
    data = ok("analytics", "export", "--format", "json", "--until", UNTIL).json()
    assert len(data) == len(rows)
