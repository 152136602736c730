"""`clientnest ab …`: A/B tests of two to five variants of one message."""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True, help="A/B tests: two to five variants, a fair comparison.")
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("create")
def create(
    ctx: typer.Context,
    to: list[str] = typer.Option(None, "--to", help="An account (repeat)."),
    variant: list[str] = typer.Option(
        None, "--variant", help="A variant's text (2 to 5 times; the first is the control)."
    ),
    at: str | None = typer.Option(None, "--at", help="When the test starts."),
    split: str | None = typer.Option(
        None, "--split", help="time (same slot a week apart) or accounts (at once)."
    ),
    as_json: bool = JSON,
) -> None:
    """Schedule the variants at comparable times or to comparable accounts."""
    from clientnest_cli.services.abtests import create as run

    say_created(run(state(ctx), to or [], variant or [], at, split), as_json)


def say_created(data: dict[str, Any], as_json: bool) -> None:
    """What `ab create` (and `ai generate --ab`) print about a new test."""
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
    data["comparisons"] = [
        {"variant": name, "against": data["control"], **result.as_dict()}
        for name, result in data["comparisons"].items()
    ]
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
    many = len(data["comparisons"]) > 1
    for test in data["comparisons"]:
        _say_comparison(test, many)
    output.done(data["conclusion"])


def _say_comparison(test: dict[str, Any], many: bool) -> None:
    lift = "—" if test["lift"] is None else f"{test['lift']:+.1%}"
    level = "95%, Bonferroni" if many else "95%"
    if test["low"] is not None:
        lift += f" ({level} interval {test['low']:+.1%} to {test['high']:+.1%})"
    p = f"p = {test['p_value']:.3g}"
    if many:
        p += f", Holm-adjusted {test['p_adjusted']:.3g}"
    output.done(f"{test['test']}: {p}; lift of {test['variant']} over {test['against']} {lift}")
    if test["needed_per_variant"]:
        output.done(
            f"To detect this lift at 80% power: about {test['needed_per_variant']:,} "
            "impressions per variant."
        )


@app.command("conclude")
def conclude(
    ctx: typer.Context, test_id: str = typer.Argument(..., help="ab-…"), as_json: bool = JSON
) -> None:
    """Name a winner only when the test says so."""
    data = _status(ctx, test_id)
    if as_json:
        keys = ("id", "conclusion", "test", "comparisons")
        output.emit_json({key: data[key] for key in keys})
        return
    output.done(data["conclusion"])
