"""Printing: --json for scripts, Rich tables on a terminal, plain text in a pipe.

Rich is imported only when a table goes to a terminal. NO_COLOR is honoured.
Text that came from outside (platform names, comments) goes through
``clean`` so terminal control sequences cannot reach the user's screen.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import typer

from clientnest_cli.domain.text import strip_controls


def clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return strip_controls(str(value))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def is_terminal() -> bool:
    return sys.stdout.isatty()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [[clean(cell) for cell in row] for row in rows]
    if not is_terminal():
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(row))
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*row)
    Console(no_color=bool(os.environ.get("NO_COLOR"))).print(t)


def fields(data: dict[str, Any]) -> None:
    """A record as `key: value` lines."""
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        typer.echo(f"{key.ljust(width)}  {clean(value)}")


def done(message: str) -> None:
    typer.echo(clean(message))


def warn(message: str) -> None:
    typer.echo(clean(message), err=True)


class _Progress:
    """A Rich progress bar on a terminal; silent in a pipe or with --json."""

    def __init__(self, title: str, enabled: bool, total: int | None) -> None:
        self.title, self.total = title, total
        self.enabled = enabled and is_terminal()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if self.enabled:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.title, total=self.total)
        return self.step

    def step(self, advance: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, advance)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def progress(title: str, *, enabled: bool = True, total: int | None = None) -> _Progress:
    return _Progress(title, enabled, total)
