"""`clientnest report …`: the monthly page an agency sends a client, in one command.

matplotlib, Jinja2 and pandas are imported inside the commands (through services).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True, help="Client reports: one HTML page (or Markdown, PDF).")

MONTH = typer.Option(None, "--month", help="The calendar month, YYYY-MM (in your zone).")
FROM = typer.Option(None, "--from", help="First day, YYYY-MM-DD (instead of --month).")
TO = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (included).")
FORMAT = typer.Option("html", "--format", help="html, md (images beside it) or pdf (Chromium).")
OUTPUT = typer.Option(None, "--output", "-o", help="File to write (default: report-NAME-DATE.FMT).")
JSON = typer.Option(False, "--json", help="Print the report's figures as JSON; write no file.")


def _run(ctx: typer.Context, as_json: bool, fmt: str, target: Path | None, **scope: Any) -> None:
    from clientnest_cli.services.report import FORMATS, gather, write

    if fmt not in FORMATS:
        from clientnest_cli.errors import BadInput

        raise BadInput(f"unknown report format '{fmt}'", hint="use html, md or pdf")
    data = gather(state(ctx), **scope)
    if as_json:
        output.emit_json(data)
        return
    files = write(data, fmt, target)
    output.done(f"Report written: {files[0]}")
    if len(files) > 1:
        output.done(f"  with {len(files) - 1} files in {files[1].parent}")


@app.command("client")
def client(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The client's name."),
    month: str | None = MONTH,
    start: str | None = FROM,
    end: str | None = TO,
    fmt: str = FORMAT,
    target: Path | None = OUTPUT,
    as_json: bool = JSON,
) -> None:
    """A client's report: every account of the client, over a month or a range of days."""
    _run(ctx, as_json, fmt, target, client=name, month=month, start=start, end=end)


@app.command("account")
def account(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The account (PLATFORM:HANDLE, handle or id)."),
    month: str | None = MONTH,
    start: str | None = FROM,
    end: str | None = TO,
    fmt: str = FORMAT,
    target: Path | None = OUTPUT,
    as_json: bool = JSON,
) -> None:
    """One account's report, over a month or a range of days."""
    _run(ctx, as_json, fmt, target, account=ref, month=month, start=start, end=end)
