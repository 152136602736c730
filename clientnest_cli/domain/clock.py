"""Local wall-clock time → UTC, refusing times DST makes ambiguous or impossible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from clientnest_cli.errors import BadInput


def local_to_utc(naive: datetime, tz_name: str) -> datetime:
    """Attach ``tz_name`` to a naive local time and convert to UTC.

    A time skipped by a spring-forward change, or one that happens twice in a
    fall-back change, is refused with a hint instead of being silently shifted.
    """
    zone = ZoneInfo(tz_name)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        roundtrip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if roundtrip != naive:
            raise BadInput(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {tz_name} (the clocks skip it)",
                hint="pick a time outside the DST change, e.g. one hour later",
            )
        a, b = (_fmt_offset(first), _fmt_offset(second))
        raise BadInput(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {tz_name} (DST ends)",
            hint=f"add the offset you mean: {naive:%Y-%m-%dT%H:%M}{a} or {naive:%Y-%m-%dT%H:%M}{b}",
        )
    return first.astimezone(UTC)


def _fmt_offset(value: datetime) -> str:
    offset = value.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_local(value: datetime, tz_name: str) -> datetime:
    return value.astimezone(ZoneInfo(tz_name))
