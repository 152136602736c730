"""The one output layer: --json for scripts, Rich tables on a terminal, plain text in a pipe.

Every string that came from a user, a file or a platform passes through here
before a terminal sees it (``domain.text.for_terminal``): escape sequences and
control characters removed, bidi overrides neutralised, combining-mark runs and
length bounded with an ellipsis. On the Rich path every cell and title is a
``rich.text.Text`` (never parsed as markup), so ``[link=…]`` or ``[/oops]``
print as written. ``--json`` keeps the full text; the characters a terminal
could act on are JSON-escaped. Rich is imported only when a table goes to a
terminal. NO_COLOR is honoured.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import typer

from clientnest_cli.domain.text import for_terminal, json_escape_invisible

CELL_LIMIT = 1_000  # characters of one table cell
TEXT_LIMIT = 10_000  # characters of one message or field
ERROR_LIMIT = 2_000  # characters of one error line


def clean(value: Any, limit: int = TEXT_LIMIT, *, one_line: bool = False) -> str:
    """Any value as text that is safe to print (see ``for_terminal``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return for_terminal(str(value), limit, one_line=one_line)


def error_line(message: Any) -> str:
    """One line of an error report, safe to print."""
    return clean(message, ERROR_LIMIT, one_line=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def json_text(data: Any) -> str:
    return json_escape_invisible(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def emit_json(data: Any) -> None:
    typer.echo(json_text(data))


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console(*, stderr: bool = False) -> Any:
    """The Rich console for a terminal (only called on the terminal path)."""
    from rich.console import Console

    return Console(
        stderr=stderr,
        force_terminal=True,
        no_color=bool(os.environ.get("NO_COLOR")),
        markup=False,
        emoji=False,
        highlight=False,
    )


def safe_text(value: Any, style: str = "", limit: int = CELL_LIMIT) -> Any:
    """A Rich ``Text`` of outside text: cleaned, never parsed as markup."""
    from rich.text import Text

    if isinstance(value, Text):
        return value
    return Text(clean(value, limit), style=style)


def _plain_cell(value: Any) -> str:
    plain = getattr(value, "plain", None)
    return clean(plain if isinstance(plain, str) else value, CELL_LIMIT, one_line=True)


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    show_lines: bool = False,
    expand: bool = False,
    column_options: dict[str, Any] | None = None,
) -> None:
    """A table: Rich on a terminal, tab-separated lines in a pipe (one row a line)."""
    rows = list(rows)
    if not is_terminal():
        typer.echo("\t".join(_plain_cell(c) for c in columns))
        for row in rows:
            typer.echo("\t".join(_plain_cell(cell) for cell in row))
        return
    from rich.table import Table

    t = Table(title=safe_text(title), show_lines=show_lines, expand=expand)
    for column in columns:
        t.add_column(safe_text(column), **(column_options or {}))
    for row in rows:
        t.add_row(*(safe_text(cell) for cell in row))
    console().print(t)


def fields(data: dict[str, Any]) -> None:
    """A record as `key: value` lines."""
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        typer.echo(f"{clean(key).ljust(width)}  {clean(value)}")


def done(message: Any) -> None:
    typer.echo(clean(message))


def data(text: str) -> None:
    """A document for a file or a pipe (an export): written as is into a pipe;
    on a terminal, made safe like any other text but not shortened."""
    if is_terminal():
        text = for_terminal(text, len(text) + 1)
    typer.echo(text, nl=False)


def warn(message: Any) -> None:
    typer.echo(clean(message), err=True)


def error(message: Any) -> None:
    """The one place an `Error:` line is written."""
    typer.echo(f"Error: {error_line(message)}", err=True)


class _Progress:
    """A Rich progress bar on a terminal; silent in a pipe or with --json."""

    def __init__(self, title: str, enabled: bool, total: int | None) -> None:
        self.title, self.total = clean(title, 200, one_line=True), total
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
