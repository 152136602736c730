"""Drawing `clientnest calendar`: a Rich grid on a terminal, plain lines in a pipe."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from clientnest_cli.cli import output

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_PER_CELL = 6


def _line(entry: Any, width: int = 28) -> str:
    text = " ".join(output.clean(entry.text).split())
    mark = {
        "published": "✓",
        "failed": "✗",
        "publishing": "…",
        "checking": "?",
        "unconfirmed": "?",
    }.get(entry.status, "")
    head = f"{entry.at_local:%H:%M} {output.clean(entry.account)} #{entry.post_id}{mark}"
    return head if width <= len(head) + 2 else f"{head} {text[: width - len(head) - 1]}"


def _by_day(cal: Any) -> dict[date, list[Any]]:
    days: dict[date, list[Any]] = defaultdict(list)
    for entry in cal.entries:
        days[entry.at_local.date()].append(entry)
    return days


def _title(cal: Any) -> str:
    if cal.view == "month":
        return f"{cal.first:%B %Y} ({cal.tz_name})"
    return f"Week of {cal.first:%Y-%m-%d} ({cal.tz_name})"


def draw(cal: Any) -> None:
    days = _by_day(cal)
    if not output.is_terminal():
        output.done(_title(cal))
        day = cal.first
        while day <= cal.last:
            entries = days.get(day, [])
            if entries or cal.view == "week":
                output.done(f"{DAYS[day.weekday()]} {day:%Y-%m-%d}")
                for e in entries:
                    output.done(f"  {_line(e, 72)}  [{e.status}]")
                if not entries:
                    output.done("  -")
            day += timedelta(days=1)
        return
    from rich.text import Text

    grid = []
    start = cal.first - timedelta(days=cal.first.weekday())
    while start <= cal.last:
        cells: list[Any] = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            if day < cal.first or day > cal.last:
                cells.append("")
                continue
            entries = days.get(day, [])
            lines = [output.safe_text(f"{day:%d %b}", style="bold")]
            lines += [output.safe_text(_line(e)) for e in entries[:MAX_PER_CELL]]
            if len(entries) > MAX_PER_CELL:
                lines.append(Text(f"+{len(entries) - MAX_PER_CELL} more"))
            cells.append(Text("\n").join(lines))
        grid.append(cells)
        start += timedelta(days=7)
    output.table(
        _title(cal),
        DAYS,
        grid,
        show_lines=True,
        expand=True,
        column_options={"overflow": "fold", "vertical": "top"},
    )
