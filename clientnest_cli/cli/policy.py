"""`clientnest policy …`: the team's approval rules and tier limits, kept in the store."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every policy key, its value and its default."""
    from clientnest_cli.services.policy import show_policy

    rows = show_policy(state(ctx))
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Policy (change with `clientnest policy set KEY VALUE`)",
        ["key", "value", "default", "meaning"],
        [(r["key"], r["value"], r["default"], r["meaning"]) for r in rows],
    )


@app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="e.g. approval.editors or tiers.free.accounts"),
    value: str = typer.Argument(..., help="true/false for approval.*, a number for tiers.*"),
) -> None:
    """Change one policy key (owners and admins; audited)."""
    from clientnest_cli.services.policy import set_policy

    key, old, new = set_policy(state(ctx), key, value)
    output.done(f"{key}: {old} → {new}.")
