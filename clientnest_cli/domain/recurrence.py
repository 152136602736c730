"""Weekday sets and wall-clock times from people ("mon-fri", "09:00"), and the
local dates a weekly rule falls on. Pure: time zones are applied by the caller."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from clientnest_cli.errors import BadInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALIASES = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "day": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekday": tuple(range(5)),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def _day(name: str) -> int:
    key = name.strip().lower()[:3]
    if len(name.strip()) < 3 or key not in DAY_NAMES:
        raise BadInput(
            f"unknown weekday '{name}'",
            hint="use mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, or daily/weekdays",
        )
    return DAY_NAMES.index(key)


def parse_days(text: str) -> tuple[int, ...]:
    """'mon-fri', 'mon,wed,fri', 'sat-mon', 'daily', 'weekdays' → sorted weekday numbers."""
    found: set[int] = set()
    for piece in re.split(r"[,\s]+", (text or "").strip().lower()):
        if not piece:
            continue
        if piece in _ALIASES:
            found.update(_ALIASES[piece])
        elif "-" in piece:
            first, _, last = piece.partition("-")
            start, end = _day(first), _day(last)
            day = start
            found.add(day)
            while day != end:
                day = (day + 1) % 7
                found.add(day)
        else:
            found.add(_day(piece))
    if not found:
        raise BadInput("no weekdays given", hint="e.g. --days mon-fri")
    return tuple(sorted(found))


def parse_clock(text: str) -> time:
    """'09:00', '9', '9pm', '13:30' → a wall-clock time (minutes precision)."""
    match = _TIME.match((text or "").strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        meridiem = (match.group(3) or "").lower()
        valid = 1 <= hour <= 12 if meridiem else hour < 24
        if meridiem:
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if valid and minute < 60:
            return time(hour, minute)
    raise BadInput(f"'{text}' is not a time of day", hint="use HH:MM, e.g. 09:00 or 13:30")


def parse_times(text: str) -> tuple[time, ...]:
    """'09:00,13:00' → sorted distinct times."""
    times = {parse_clock(p) for p in re.split(r"[,\s]+", (text or "").strip()) if p}
    if not times:
        raise BadInput("no times given", hint="e.g. --times 09:00,13:00")
    return tuple(sorted(times))


def parse_every(text: str) -> tuple[tuple[int, ...], time]:
    """A weekly rule: 'mon 09:00', 'mon,thu 9am', 'weekdays 08:30', 'daily 12:00'."""
    words = (text or "").strip().rsplit(None, 1)
    if len(words) != 2:
        raise BadInput(
            f"cannot understand the rule '{text}'",
            hint="use days then a time, e.g. --every 'mon 09:00' or --every 'mon-fri 08:30'",
        )
    return parse_days(words[0]), parse_clock(words[1])


def weekly(days: tuple[int, ...], at: time, first: date, last: date) -> Iterator[datetime]:
    """Naive local datetimes on ``days`` at ``at``, from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        if day.weekday() in days:
            yield datetime.combine(day, at)
        day += timedelta(days=1)


def format_days(days: tuple[int, ...]) -> str:
    return ",".join(DAY_NAMES[d] for d in days)
