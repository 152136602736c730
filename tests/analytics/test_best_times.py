"""best-times finds the planted peaks, and says so when it cannot."""

from __future__ import annotations

from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import cli, ok


def test_planted_peak_hours_are_in_the_top_three(seeded: Seeded) -> None:
    checked = 0
    for ref, spec in seeded.refs.items():
        if spec.posts < 150:
            continue
        data = ok("analytics", "best-times", ref, "--until", UNTIL, "--json").json()
        assert data["account"] == ref and data["timezone"] == spec.timezone
        assert data["enough_data"] is True and data["posts"] == spec.posts
        top = data["slots"][:3]
        for weekday, hour in spec.peaks:
            assert any(s["weekday"] == weekday and abs(s["hour"] - hour) <= 1 for s in top), (
                ref,
                spec.peaks,
                top,
            )
        for slot in data["slots"]:
            assert slot["low"] <= slot["lift"] <= slot["high"] and slot["posts"] >= 0
        lifts = [s["lift"] for s in data["slots"]]
        assert lifts == sorted(lifts, reverse=True)
        checked += 1
    assert checked == 2


def test_ten_posts_is_not_enough_data(seeded: Seeded) -> None:
    data = ok("analytics", "best-times", "mastodon:tiny", "--until", UNTIL, "--json").json()
    assert data["enough_data"] is False and data["posts"] == 10
    assert data["prior"] and data["slots"]
    text = cli("analytics", "best-times", "mastodon:tiny", "--until", UNTIL)
    assert text.exit_code == 0
    assert "Not enough data" in text.stderr


def test_human_output_has_the_map_and_the_slots(seeded: Seeded) -> None:
    text = ok("analytics", "best-times", "x:acme", "--until", UNTIL).stdout
    assert "Mon" in text and "lift" in text and "95% interval" in text
