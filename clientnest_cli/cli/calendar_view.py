"""Drawing `clientnest calendar`: a Rich grid on a terminal, plain lines in a pipe."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import typer

from clientnest_cli.cli import output

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_PER_CELL = 6


def _line(entry: Any, width: int = 28) -> str:
    text = " ".join(output.clean(entry.text).split())
    mark = {"published": "✓", "failed": "✗", "publishing": "…", "checking": "?"}.get(
        entry.status, ""
    )
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
        typer.echo(_title(cal))
        day = cal.first
        while day <= cal.last:
            entries = days.get(day, [])
            if entries or cal.view == "week":
                typer.echo(f"{DAYS[day.weekday()]} {day:%Y-%m-%d}")
                for e in entries:
                    typer.echo(f"  {_line(e, 72)}  [{e.status}]")
                if not entries:
                    typer.echo("  -")
            day += timedelta(days=1)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_title(cal), show_lines=True, expand=True)
    for name in DAYS:
        table.add_column(name, overflow="fold", vertical="top")
    start = cal.first - timedelta(days=cal.first.weekday())
    while start <= cal.last:
        cells = []
        for offset in range(7):
            day = start + timedelta(days=offset)
            if day < cal.first or day > cal.last:
                cells.append("")
                continue
            entries = days.get(day, [])
            lines = [f"[bold]{day:%d %b}[/bold]"]
            lines += [_escape(_line(e)) for e in entries[:MAX_PER_CELL]]
            if len(entries) > MAX_PER_CELL:
                lines.append(f"+{len(entries) - MAX_PER_CELL} more")
            cells.append("\n".join(lines))
        table.add_row(*cells)
        start += timedelta(days=7)
    Console(no_color=bool(os.environ.get("NO_COLOR"))).print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
