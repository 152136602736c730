"""`clientnest slots …`: the weekly posting slots that `post queue` fills."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@app.command("add")
def add(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="PLATFORM:HANDLE."),
    days: str = typer.Option("mon-fri", "--days", help="e.g. mon-fri, mon,wed,fri, daily."),
    times: str = typer.Option(..., "--times", help="Local times, e.g. 09:00,13:00."),
) -> None:
    """Add weekly slots (in your timezone) to an account."""
    from clientnest_cli.services.schedule import add_slots

    added = add_slots(state(ctx), account, days, times)
    output.done(f"Added {len(added)} slot(s) to {account}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="PLATFORM:HANDLE."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List posting slots."""
    from clientnest_cli.services.schedule import list_slots

    rows = [
        {
            "id": slot.id,
            "account": label,
            "weekday": DAY_NAMES[slot.weekday],
            "time": slot.local_time,
        }
        for slot, label in list_slots(state(ctx), account)
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Posting slots",
        ["id", "account", "day", "time"],
        [(r["id"], r["account"], r["weekday"], r["time"]) for r in rows],
    )


@app.command("remove")
def remove(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="PLATFORM:HANDLE."),
    days: str | None = typer.Option(None, "--days", help="Only these days (default all)."),
    times: str | None = typer.Option(None, "--times", help="Only these times (default all)."),
) -> None:
    """Remove an account's slots (all of them, or those matching --days/--times)."""
    from clientnest_cli.services.schedule import remove_slots

    count = remove_slots(state(ctx), account, days, times)
    output.done(f"Removed {count} slot(s) from {account}.")
