"""WHEN strings from people: ISO 8601 or words ("tomorrow 9am", "in 2h")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clientnest_cli.domain.clock import local_to_utc
from clientnest_cli.errors import BadInput

# Nothing is scheduled further ahead than this: times near year 9999 cannot be
# shown in every zone (datetime overflows), so they are refused before storing.
MAX_YEARS_AHEAD = 100


def parse_when(
    text: str, tz_name: str, *, allow_past: bool = False, now: datetime | None = None
) -> datetime:
    """Resolve ``text`` in the user's zone to an aware UTC datetime."""
    now = now or datetime.now(UTC)
    text = text.strip()
    try:
        resolved = _iso(text, tz_name) or _words(text, tz_name, now)
        too_far = resolved is not None and resolved - now > timedelta(days=365 * MAX_YEARS_AHEAD)
    except OverflowError:
        resolved, too_far = None, True
    if too_far:
        raise BadInput(
            f"'{text}' is more than {MAX_YEARS_AHEAD} years ahead",
            hint="pick a nearer time",
        )
    if resolved is None:
        raise BadInput(
            f"cannot understand the time '{text}'",
            hint="use ISO 8601 (2026-12-01T09:00) or words like 'tomorrow 9am', 'in 2h'",
        )
    if not allow_past and resolved <= now:
        raise BadInput(
            f"'{text}' is in the past ({resolved:%Y-%m-%d %H:%M} UTC)", hint="pick a future time"
        )
    return resolved


def _iso(text: str, tz_name: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return local_to_utc(value, tz_name)


def _words(text: str, tz_name: str, now: datetime) -> datetime | None:
    from zoneinfo import ZoneInfo

    import dateparser

    local_now = now.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
    relative = text.lower().startswith("in ") or text.lower().endswith(" ago")
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": local_now,
            "PREFER_DATES_FROM": "past" if text.lower().endswith(" ago") else "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    if relative:  # "in 2h" is a duration: no wall-clock ambiguity
        return now + (parsed - local_now)
    return local_to_utc(parsed, tz_name)
