"""`clientnest slots …`: the weekly posting slots that `post queue` fills."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.cli.scope_options import LEARN_PERIOD, SCOPE, ScopeOptions, scoped

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


@app.command("suggest")
@scoped("since", "until", "period", period=LEARN_PERIOD)
def suggest(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="PLATFORM:HANDLE, handle or id."),
    count: int = typer.Option(3, "--count", "-n", help="How many slots (1–10)."),
    apply: bool = typer.Option(False, "--apply", help="Add them as the account's slots."),
    scope: ScopeOptions = SCOPE,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Posting slots from the account's best times (analytics best-times), with intervals."""
    from clientnest_cli.services import slot_suggest

    app_ctx = state(ctx)
    data = slot_suggest.suggest(app_ctx, account, count, **scope.times())
    applied = slot_suggest.apply(app_ctx, account, data) if apply else None
    if as_json:
        output.emit_json({**data, "applied": applied})
        return
    if not data["enough_data"]:
        output.warn(
            f"Not enough data: {data['posts']} posts with figures for {account}; no slots "
            "suggested (`analytics best-times` shows what little there is)."
        )
        return
    output.table(
        f"Suggested slots for {account} (times in {data['slot_timezone']})",
        ["day", "time", "lift", "95% interval", "posts"],
        [
            (
                s["day"],
                s["time"],
                f"{s['lift']:.2f}×",
                f"{s['low']:.2f}–{s['high']:.2f}",
                s["posts"],
            )
            for s in data["slots"]
        ],
    )
    if applied is not None:
        output.done(f"Added {applied} slot(s) to {account}.")
    else:
        output.done(f"Add them with `clientnest slots suggest {account} --apply`.")
