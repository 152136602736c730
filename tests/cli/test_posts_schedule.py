"""schedule, unschedule, cancel, queue + slots, calendar, tier limits; the core on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.posts_support import (
    audit_actions,
    create,
    posts_json,
    refused,
    setup_store,
    snapshot,
)
from tests.helpers import ok


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


@pytest.fixture
def both(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The same store on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    return setup_store()


def test_create_list_schedule_show_on_both_databases(both: dict[str, int]) -> None:
    made = create("Launch day!", "--to", "x:acme", "--to", "bluesky:acme.bsky.social")
    lead = str(made[0]["id"])
    run = ok("post", "schedule", lead, "--at", "2030-03-31 09:00")
    assert "Scheduled post 1 for 2030-03-31 09:00 CEST (07:00 UTC)" in run.stdout
    assert "1 other post(s) of its group stay drafts; add --group" in run.stderr
    ok("post", "schedule", lead, "--at", "2030-03-30 09:00", "--group")  # both, rescheduled
    rows = posts_json("--status", "scheduled", "--sort", "scheduled")
    assert [r["scheduled_at"] for r in rows] == ["2030-03-30T08:00:00+00:00"] * 2
    assert {r["scheduled_local"] for r in rows} == {"2030-03-30T09:00:00+01:00"}
    shown = ok("post", "show", lead, "--json").json()
    assert shown["publishable"] is True
    assert [s["account"] for s in shown["siblings"]] == ["bluesky:acme.bsky.social"]
    assert [p["id"] for p in posts_json("--search", "launch", "--account", "x:acme")] == [1]
    ok("post", "cancel", lead, "--group")
    assert {r["status"] for r in posts_json()} == {"canceled"}
    assert audit_actions()[:2] == ["post.cancel", "post.cancel"]


def test_schedule_words_and_echo(accounts: dict[str, int]) -> None:
    create("Hi", "--to", "x:acme")
    run = ok("post", "schedule", "1", "--at", "tomorrow 9am")
    local = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=1)
    assert f"for {local:%Y-%m-%d} 09:00 CE" in run.stdout and "UTC)" in run.stdout


def test_thread_is_scheduled_unscheduled_and_canceled_whole(accounts: dict[str, int]) -> None:
    create("One\n---\nTwo\n---\nThree", "--to", "x:acme", "--thread")
    run = ok("post", "schedule", "1", "--at", "2030-01-01 12:00")
    assert "with 2 thread part(s)" in run.stdout
    assert {p["status"] for p in posts_json()} == {"scheduled"}
    assert "part 2 of the thread" in refused("post", "schedule", "3", "--at", "2030-01-02 12:00")
    ok("post", "unschedule", "1")
    assert {(p["status"], p["scheduled_at"]) for p in posts_json()} == {("draft", None)}
    ok("post", "cancel", "1")
    assert {p["status"] for p in posts_json()} == {"canceled"}
    assert "it was canceled" in refused("post", "schedule", "1", "--at", "2030-01-02 12:00")


def test_scheduled_posts_tier_limit(accounts: dict[str, int]) -> None:
    for _ in range(3):
        create("Hi", "--to", "x:acme", "--to", "bluesky:acme.bsky.social", "--to", "mastodon:acme",
               "--at", "2030-01-01 09:00")  # fmt: skip
    text = "\n---\n".join(f"part {i}" for i in range(22))
    before = snapshot()
    stderr = refused(
        "post", "create", text, "--to", "x:acme", "--thread", "--at", "2030-01-01 10:00"
    )
    assert (
        "the free tier allows 30 scheduled posts; 9 are scheduled and this would add 22" in stderr
    )
    assert snapshot() == before
    create(text.rsplit("\n---\n", 1)[0], "--to", "x:acme", "--thread", "--at", "2030-01-01 10:00")
    assert len(posts_json("--status", "scheduled")) == 30
    draft = create("One too many", "--to", "x:acme")[0]["id"]
    stderr = refused("post", "schedule", str(draft), "--at", "2030-01-02 11:00")
    assert "30 are scheduled and this would add 1" in stderr
    ok("users", "set-tier", "owner@acme.test", "starter")
    ok("post", "schedule", str(draft), "--at", "2030-01-02 11:00")


def test_slots_and_queue(accounts: dict[str, int]) -> None:
    ok("slots", "add", "x:acme", "--days", "mon-fri", "--times", "09:00,13:00")
    ok("slots", "add", "x:acme", "--days", "mon", "--times", "09:00")  # already there
    slots = ok("slots", "list", "--json").json()
    assert len(slots) == 10 and slots[0] == {
        "id": slots[0]["id"], "account": "x:acme", "weekday": "mon", "time": "09:00",
    }  # fmt: skip
    tz = ZoneInfo("Europe/Berlin")
    now = datetime.now(UTC)
    queued = []
    for i in range(3):
        create(f"Queued {i}", "--to", "x:acme")
        out = ok("post", "queue", str(i + 1)).stdout
        assert out.startswith(f"Queued post {i + 1} for ")
        queued.append(posts_json("--status", "scheduled", "--sort", "scheduled")[-1])
    times = [datetime.fromisoformat(q["scheduled_at"]) for q in queued]
    assert times == sorted(times) and len(set(times)) == 3
    for at in times:
        local = at.astimezone(tz)
        assert at > now and local.weekday() < 5 and f"{local:%H:%M}" in ("09:00", "13:00")
    assert ok("slots", "remove", "x:acme", "--days", "fri").stdout.startswith("Removed 2 slot")
    assert len(ok("slots", "list", "--account", "x:acme", "--json").json()) == 8
    ok("slots", "remove", "x:acme")
    assert ok("slots", "list", "--json").json() == []


def test_queue_skips_a_slot_the_clocks_skip(home: Path) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.schedule import next_free_slot

    setup_store()
    ok("slots", "add", "x:acme", "--days", "sun", "--times", "02:30")
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            # Saturday before the spring-forward Sunday 2027-03-28 in Berlin
            now = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
            got = next_free_slot(session, 1, "Europe/Berlin", now)
    finally:
        ctx.close()
    assert got == datetime(2027, 4, 4, 0, 30, tzinfo=UTC)  # next Sunday 02:30 CEST


def test_calendar_week_month_and_json(accounts: dict[str, int]) -> None:
    create("Monday post", "--to", "x:acme", "--at", "2030-03-04 09:00")
    create("Friday post", "--to", "bluesky:acme.bsky.social", "--at", "2030-03-08 18:30")
    create("Next month", "--to", "x:acme", "--at", "2030-04-02 08:00")
    week = ok("calendar", "--date", "2030-03-06").stdout
    assert week.splitlines()[0] == "Week of 2030-03-04 (Europe/Berlin)"
    assert "Mon 2030-03-04\n  09:00 x:acme #1 Monday post  [scheduled]" in week
    assert "Fri 2030-03-08\n  18:30 bluesky:acme.bsky.social #2" in week
    assert "Next month" not in week
    data = ok("calendar", "--month", "--date", "2030-03-15", "--json").json()
    assert (data["from"], data["to"]) == ("2030-03-01", "2030-03-31")
    assert [e["post_id"] for e in data["entries"]] == [1, 2]
    only_x = ok("calendar", "--month", "--date", "2030-03-15", "--account", "x:acme", "--json")
    assert [e["post_id"] for e in only_x.json()["entries"]] == [1]
