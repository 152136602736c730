"""The post state machine, the publish predicate, and weekly rules (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from clientnest_cli.domain.post_states import (
    APPROVAL_REQUIRED,
    TRANSITIONS,
    can_transition,
    check_editable,
    check_status,
    check_transition,
    publishable_reason,
)
from clientnest_cli.domain.recurrence import (
    parse_clock,
    parse_days,
    parse_every,
    parse_times,
    weekly,
)
from clientnest_cli.errors import BadInput

STATUSES = [
    "draft",
    "scheduled",
    "publishing",
    "checking",
    "unconfirmed",
    "published",
    "failed",
    "canceled",
    "deleted",
]


@dataclass
class FakePost:
    status: str = "scheduled"
    approval_status: str = "not_required"
    rejection_reason: str = ""


def test_every_status_has_a_row_and_targets_are_known() -> None:
    assert sorted(TRANSITIONS) == sorted(STATUSES)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(STATUSES)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("draft", "scheduled"),
        ("scheduled", "draft"),
        ("scheduled", "publishing"),
        ("publishing", "published"),
        ("publishing", "scheduled"),  # retryable error
        ("publishing", "failed"),
        ("failed", "scheduled"),
        ("draft", "canceled"),
        ("scheduled", "canceled"),
        ("failed", "canceled"),
        ("published", "deleted"),  # post unpublish
        ("publishing", "unconfirmed"),  # may have gone out; the platform cannot tell
        ("unconfirmed", "published"),  # publish confirm --sent
        ("unconfirmed", "scheduled"),  # publish confirm --not-sent
    ],
)
def test_allowed_transitions(current: str, target: str) -> None:
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target", "words"),
    [
        ("published", "canceled", "already published"),
        ("published", "draft", "it is published"),
        ("published", "scheduled", "it is published"),
        ("canceled", "scheduled", "it was canceled"),
        ("unconfirmed", "canceled", "nobody has confirmed"),
        ("unconfirmed", "draft", "nobody has confirmed"),
        ("draft", "published", "it is draft"),
        ("draft", "draft", "already a draft"),
        ("publishing", "canceled", "being sent right now"),
        ("scheduled", "scheduled", "already scheduled"),
        ("deleted", "deleted", "already deleted"),
        ("deleted", "scheduled", "it is deleted"),
        ("draft", "deleted", "it is draft"),
    ],
)
def test_refused_transitions_say_why(current: str, target: str, words: str) -> None:
    assert not can_transition(current, target)
    with pytest.raises(BadInput) as err:
        check_transition(current, target, "post 7")
    assert err.value.message.startswith(f"post 7 cannot become {target}")
    assert words in err.value.message
    assert err.value.exit_code == 2


def test_published_refusal_hints_at_duplicate() -> None:
    with pytest.raises(BadInput) as err:
        check_transition("published", "canceled")
    assert "post duplicate" in (err.value.hint or "")


def test_editable_statuses() -> None:
    for status in ("draft", "scheduled", "failed", "canceled"):
        check_editable(status)
    for status, words in (("published", "already published"), ("publishing", "being sent")):
        with pytest.raises(BadInput, match=words):
            check_editable(status)


def test_check_status() -> None:
    assert check_status(" Scheduled ") == "scheduled"
    with pytest.raises(BadInput, match="unknown post status 'sent'"):
        check_status("sent")


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (FakePost(), None),
        (FakePost(status="publishing"), None),
        (FakePost(approval_status="approved"), None),
        (FakePost(status="draft"), "it is a draft"),
        (FakePost(status="published"), "already published"),
        (FakePost(status="failed"), "it failed"),
        (FakePost(status="canceled"), "canceled"),
        (FakePost(approval_status=APPROVAL_REQUIRED), "needs approval"),
        (FakePost(approval_status="pending"), "waiting for approval"),
        (FakePost(approval_status="rejected", rejection_reason="typo"), "rejected: typo"),
        (FakePost(approval_status="weird"), "unknown"),
    ],
)
def test_publishable_reason(post: FakePost, reason: str | None) -> None:
    got = publishable_reason(post)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("mon,wed,fri", (0, 2, 4)),
        ("Monday, Thursday", (0, 3)),
        ("sat-mon", (0, 5, 6)),
        ("daily", tuple(range(7))),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
    ],
)
def test_parse_days(text: str, days: tuple[int, ...]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "funday", "mo", "mon-xyz"])
def test_parse_days_refuses(text: str) -> None:
    with pytest.raises(BadInput):
        parse_days(text)


def test_parse_clock_and_times() -> None:
    assert parse_clock("09:00") == time(9, 0)
    assert parse_clock("9pm") == time(21, 0)
    assert parse_clock("12am") == time(0, 0)
    assert parse_times("13:00, 09:00,9:00") == (time(9), time(13))
    for bad in ("25:00", "9:75", "noon", "13pm"):
        with pytest.raises(BadInput, match="not a time of day"):
            parse_clock(bad)


def test_parse_every_and_weekly() -> None:
    days, at = parse_every("mon,thu 09:30")
    assert days == (0, 3) and at == time(9, 30)
    got = list(weekly(days, at, date(2027, 3, 1), date(2027, 3, 11)))
    assert [d.isoformat() for d in got] == [
        "2027-03-01T09:30:00",
        "2027-03-04T09:30:00",
        "2027-03-08T09:30:00",
        "2027-03-11T09:30:00",
    ]
    with pytest.raises(BadInput, match="cannot understand the rule"):
        parse_every("monday")
