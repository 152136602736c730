"""`clientnest ab …`: A/B tests of two variants of one message."""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True, help="A/B tests: two variants, a fair comparison.")
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("create")
def create(
    ctx: typer.Context,
    to: list[str] = typer.Option(None, "--to", help="An account (repeat)."),
    variant: list[str] = typer.Option(None, "--variant", help="A variant's text (twice)."),
    at: str | None = typer.Option(None, "--at", help="When the test starts."),
    split: str | None = typer.Option(
        None, "--split", help="time (same slot a week apart) or accounts (at once)."
    ),
    as_json: bool = JSON,
) -> None:
    """Schedule both variants at comparable times or to comparable accounts."""
    from clientnest_cli.services.abtests import create as run

    data = run(state(ctx), to or [], variant or [], at, split)
    if as_json:
        output.emit_json(data)
        return
    output.done(f"A/B test {data['id']} ({data['split']} split):")
    output.table(
        data["id"],
        ["post", "variant", "account", "at (UTC)"],
        [
            (p["id"], p["variant"], p["account_id"], f"{p['at']:%Y-%m-%d %H:%M}")
            for p in data["posts"]
        ],
    )


def _status(ctx: typer.Context, test_id: str) -> dict[str, Any]:
    from clientnest_cli.services.abtests import conclusion, status

    data = status(state(ctx), test_id)
    data["conclusion"] = conclusion(data)
    data["test"] = data["test"].as_dict() if data["test"] else None
    return data


@app.command("status")
def show_status(
    ctx: typer.Context, test_id: str = typer.Argument(..., help="ab-…"), as_json: bool = JSON
) -> None:
    """Per variant: exposures, interactions, rate; the test, the lift, the sample needed."""
    data = _status(ctx, test_id)
    if as_json:
        output.emit_json(data)
        return
    output.table(
        data["id"],
        ["variant", "posts", "measured", "exposures", "interactions", "rate"],
        [
            (
                v["variant"],
                v["posts"],
                v["measured"],
                f"{v['exposures']:,} {v['exposure']}",
                f"{v['interactions']:,}",
                "—" if v["rate"] is None else f"{v['rate']:.2%}",
            )
            for v in data["variants"]
        ],
    )
    test = data["test"]
    if test:
        lift = "—" if test["lift"] is None else f"{test['lift']:+.1%}"
        if test["low"] is not None:
            lift += f" (95% interval {test['low']:+.1%} to {test['high']:+.1%})"
        output.done(f"{test['test']}: p = {test['p_value']:.3g}; lift of B over A {lift}")
        if test["needed_per_variant"]:
            output.done(
                f"To detect this lift at 80% power: about {test['needed_per_variant']:,} "
                "impressions per variant."
            )
    output.done(data["conclusion"])


@app.command("conclude")
def conclude(
    ctx: typer.Context, test_id: str = typer.Argument(..., help="ab-…"), as_json: bool = JSON
) -> None:
    """Name a winner only when the test says so."""
    data = _status(ctx, test_id)
    if as_json:
        output.emit_json({"id": data["id"], "conclusion": data["conclusion"], "test": data["test"]})
        return
    output.done(data["conclusion"])
