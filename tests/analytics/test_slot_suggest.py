"""`slots suggest [--apply]` from best times, and `ai plan` on an account without slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from clientnest_cli.sandbox.history import spec_for
from tests.analytics.conftest import UNTIL, Seeded, seed_store
from tests.helpers import cli, ok

pytest_plugins = ["tests.cli.ai_fixtures"]


def slots_of(ref: str) -> list[tuple[str, str]]:
    rows = ok("slots", "list", "--account", ref, "--json").json()
    return sorted((r["weekday"], r["time"]) for r in rows)


def test_suggest_gives_the_planted_peaks_with_intervals_and_apply_writes_them(
    seeded: Seeded,
) -> None:
    spec = seeded.refs["x:acme"]  # the account's zone is the owner's (Europe/Berlin)
    data = ok("slots", "suggest", "x:acme", "--until", UNTIL, "--json").json()
    assert data["enough_data"] is True and data["posts"] == 300 and data["applied"] is None
    assert data["slot_timezone"] == "Europe/Berlin" and len(data["slots"]) == 3
    for weekday, hour in spec.peaks:
        assert any(s["weekday"] == weekday and abs(s["hour"] - hour) <= 1 for s in data["slots"])
    for s in data["slots"]:
        assert s["low"] <= s["lift"] <= s["high"] and s["posts"] > 0
        assert s["time"] == f"{s['hour']:02d}:00"
    assert slots_of("x:acme") == []  # suggesting writes nothing
    text = ok("slots", "suggest", "x:acme", "--until", UNTIL).stdout
    assert "95% interval" in text and "--apply" in text
    applied = ok("slots", "suggest", "x:acme", "--until", UNTIL, "--apply", "--json").json()
    assert applied["applied"] == 3
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    assert slots_of("x:acme") == sorted((days[s["weekday"]], s["time"]) for s in data["slots"])
    again = ok("slots", "suggest", "x:acme", "--until", UNTIL, "--apply", "--json").json()
    assert again["applied"] == 0 and len(slots_of("x:acme")) == 3


def test_slots_move_from_the_accounts_zone_to_the_users(seeded: Seeded) -> None:
    ref = "bluesky:acme.bsky.social"  # America/New_York; the owner is in Europe/Berlin
    data = ok("slots", "suggest", ref, "--until", UNTIL, "-n", "5", "--json").json()
    assert data["timezone"] == "America/New_York" and len(data["slots"]) == 5
    for s in data["slots"]:
        shift = (s["slot_weekday"] * 24 + int(s["time"][:2]) - s["weekday"] * 24 - s["hour"]) % 168
        assert shift in (5, 6, 7)  # Berlin is 6 h ahead, 5 or 7 in the weeks DST differs


def test_not_enough_data_suggests_nothing_and_applies_nothing(seeded: Seeded) -> None:
    data = ok("slots", "suggest", "mastodon:tiny", "--until", UNTIL, "--json").json()
    assert data["enough_data"] is False and data["slots"] == [] and data["posts"] == 10
    text = cli("slots", "suggest", "mastodon:tiny", "--until", UNTIL)
    assert text.exit_code == 0 and "Not enough data" in text.stderr
    run = cli("slots", "suggest", "mastodon:tiny", "--until", UNTIL, "--apply")
    assert run.exit_code == 2 and len(run.stderr.strip().splitlines()) == 1
    assert "not enough data" in run.stderr and slots_of("mastodon:tiny") == []


def test_bad_input_is_one_line_exit_2(seeded: Seeded) -> None:
    for args, says in (
        (("x:acme", "--count", "0"), "--count must be between 1 and 10"),
        (("x:acme", "--count", "11", "--apply"), "--count must be between 1 and 10"),
        (("x:nobody",), "no account"),
        (("x:acme", "--since", "2026-10-01", "--until", "2026-09-01"), "backwards"),
        (("x:acme", "--period", "soon"), "period"),
    ):
        run = cli("slots", "suggest", *args)
        assert run.exit_code == 2, (args, run.stderr)
        assert says in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert slots_of("x:acme") == []


def test_ai_plan_uses_the_best_times_when_the_account_has_no_slots(home: Path, ai: Any) -> None:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    spec = spec_for(11, 300, "x", timezone="Europe/Berlin", end=end)
    seed_store({"x:acme": spec, "x:other": spec_for(13, 200, "x", end=end)})
    data = ok("ai", "plan", "--topic", "tea week", "--to", "x:acme", "--days", "7", "--json").json()
    assert data["slot_source"] == "best-times" and len(data["drafts"]) >= 6
    zone = ZoneInfo("Europe/Berlin")
    peaks = dict(spec.peaks)
    for draft in data["drafts"]:
        at = datetime.fromisoformat(draft["scheduled_at"]).astimezone(zone)
        if at.weekday() in peaks:  # that day's best hour is its planted peak
            assert abs(at.hour - peaks[at.weekday()]) <= 1, (at, spec.peaks)
    assert slots_of("x:acme") == []  # planning does not add slots
    text = ok("ai", "plan", "--topic", "more tea", "--to", "x:other", "--days", "2")
    assert "no posting slots" in text.stderr and "best times" in text.stderr


def test_ai_plan_without_slots_or_history_still_says_so(home: Path, ai: Any) -> None:
    seed_store({"x:thin": spec_for(12, 10, "x", timezone="Europe/Berlin")})
    run = cli("ai", "plan", "--topic", "tea", "--to", "x:thin")
    assert run.exit_code == 2 and "no posting slots" in run.stderr
    assert "clientnest slots add" in run.stderr and ai.calls == 0
