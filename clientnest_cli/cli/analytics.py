"""`clientnest analytics …`: what works, from the synced and imported history.

pandas, numpy and plotext are imported inside the commands (through services):
`clientnest --help` never loads them.
"""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True, help="What works: overview, best times, growth, health.")

JSON = typer.Option(False, "--json", help="Print JSON.")
CLIENT = typer.Option(None, "--client", help="Only this client's accounts.")
ACCOUNT = typer.Option(
    None, "--account", "-a", help="Only this account (PLATFORM:HANDLE, handle or id); repeat."
)
PLATFORM = typer.Option(None, "--platform", help="Only accounts on this platform.")
SINCE = typer.Option(None, "--since", help="From (ISO date/time or e.g. '90 days ago').")
UNTIL = typer.Option(None, "--until", help="Up to (default: now).")
PERIOD = typer.Option(None, "--period", help="The last N days/weeks/months/years: 30d, 4w, 3m, 1y.")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _scope(ctx: typer.Context, **options: Any):  # type: ignore[no-untyped-def]
    from clientnest_cli.services.analytics import scope

    return scope(state(ctx), **options)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _delta(value: float | None) -> str:
    return "" if value is None else f" ({value:+.1f}%)"


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


@app.command("overview")
def overview(
    ctx: typer.Context,
    client: str | None = CLIENT,
    account: list[str] = ACCOUNT,
    platform: str | None = PLATFORM,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    period: str | None = PERIOD,
    as_json: bool = JSON,
) -> None:
    """Posts, impressions, interactions, engagement and followers against the period before."""
    from clientnest_cli.services.analytics import overview as compute

    sc = _scope(
        ctx,
        client=client,
        accounts=account or None,
        platform=platform,
        since=since,
        until=until,
        period=period,
    )
    data = compute(state(ctx), sc)
    if as_json:
        output.emit_json(data)
        return
    output.done(
        f"{data['since']:%Y-%m-%d %H:%M} → {data['until']:%Y-%m-%d %H:%M} UTC, "
        f"against the {sc.length.days} days before"
    )
    output.table(
        "Overview",
        ["account", "posts", "impressions", "interactions", "engagement", "followers", "best post"],
        [_overview_row(a["account"], a) for a in data["accounts"]],
    )
    for key, title in (("clients", "client"), ("platforms", "platform")):
        if len(data[key]) > 1:
            output.table(
                f"By {title}",
                [title, "posts", "impressions", "interactions", "engagement", "followers", ""],
                [_overview_row(g[title] or "(none)", g) for g in data[key]],
            )


def _overview_row(name: str, block: dict[str, Any]) -> list[str]:
    ch = block["change"]
    rate = _pct(block["engagement_rate"])
    if block.get("rate_basis"):
        rate += f" of {block['rate_basis']}"
    best = block.get("best_post")
    followers = block["followers_change"]
    return [
        name,
        f"{block['posts']}{_delta(ch['posts'])}",
        f"{_num(block['impressions'])}{_delta(ch['impressions'])}",
        f"{_num(block['interactions'])}{_delta(ch['interactions'])}",
        f"{rate}{_delta(ch['engagement_rate'])}",
        "—" if followers is None else f"{followers:+,}",
        f"#{best['id']} ({_num(best['interactions'])})" if best else "—",
    ]


@app.command("best-times")
def best_times(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The account (PLATFORM:HANDLE, handle or id)."),
    slots: int = typer.Option(5, "--slots", min=1, max=20, help="How many top slots."),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    period: str | None = typer.Option(
        None, "--period", help="History to learn from (default: the last year)."
    ),
    as_json: bool = JSON,
) -> None:
    """When posts do best: an hour × weekday map in the account's zone, with intervals."""
    from clientnest_cli.services.analytics import best_times as compute

    data = compute(state(ctx), ref, slots, since=since, until=until, period=period)
    if as_json:
        output.emit_json(data)
        return
    if not data["enough_data"]:
        output.warn(
            f"Not enough data: {data['posts']} posts with figures for {ref} — the slots "
            f"below lean on {data['prior']}, not on this account's own history."
        )
    else:
        output.done(f"{data['posts']} posts of {ref}, times in {data['timezone']}.")
        _heatmap(data["cells"])
    output.table(
        f"Best times for {ref} ({data['timezone']})",
        ["day", "time", "lift", "95% interval", "posts"],
        [
            (
                DAYS[s["weekday"]],
                f"{s['hour']:02d}:00",
                f"{s['lift']:.2f}×",
                f"{s['low']:.2f}–{s['high']:.2f}",
                s["posts"],
            )
            for s in data["slots"]
        ],
    )


def _heatmap(cells: list[dict[str, Any]]) -> None:
    """Hours across, weekdays down: ' ' no posts, '.' below typical … '#' far above."""
    grid = {(c["weekday"], c["hour"]): c for c in cells}
    output.done("      " + "".join(f"{h:<3d}" for h in range(0, 24)))
    for d in range(7):
        marks = []
        for h in range(24):
            c = grid[(d, h)]
            if not c["posts"]:
                marks.append("   ")
                continue
            lift = c["lift"]
            mark = "." if lift < 0.9 else "-" if lift < 1.1 else "+" if lift < 1.5 else "#"
            marks.append(f"{mark:<3}")
        output.done(f"{DAYS[d]:<6}" + "".join(marks))
    output.done("(. below typical, - typical, + above, # far above; blank: no posts)")
