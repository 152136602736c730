"""`clientnest analytics …`: what works, from the synced and imported history.

pandas, numpy and plotext are imported inside the commands (through services):
`clientnest --help` never loads them.
"""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.cli.scope_options import LEARN_PERIOD, SCOPE, ScopeOptions, scoped

app = typer.Typer(no_args_is_help=True, help="What works: overview, best times, growth, health.")

JSON = typer.Option(False, "--json", help="Print JSON.")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _delta(value: float | None) -> str:
    return "" if value is None else f" ({value:+.1f}%)"


def _num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


@app.command("overview")
@scoped()
def overview(
    ctx: typer.Context,
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """Posts, impressions, interactions, engagement and followers against the period before."""
    from clientnest_cli.services.analytics import overview as compute

    sc = scope.resolve(ctx)
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
                [
                    title,
                    "posts",
                    "impressions",
                    "interactions",
                    "engagement",
                    "followers",
                    "best post",
                ],
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
@scoped("since", "until", "period", period=LEARN_PERIOD)
def best_times(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The account (PLATFORM:HANDLE, handle or id)."),
    slots: int = typer.Option(5, "--slots", min=1, max=20, help="How many top slots."),
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """When posts do best: an hour × weekday map in the account's zone, with intervals."""
    from clientnest_cli.services.analytics import best_times as compute

    data = compute(state(ctx), ref, slots, **scope.times())
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


def _records(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN → null, times → ISO 8601, numpy numbers → Python numbers."""
    import math

    rows = []
    for record in frame[columns].to_dict("records"):
        row = {}
        for key, value in record.items():
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
            row[key] = value
        rows.append(row)
    return rows


def _charts_allowed(as_json: bool) -> bool:
    import os

    return not as_json and output.is_terminal() and not os.environ.get("NO_COLOR")


def _chart(title: str, labels: list[str], series: dict[str, list[float]], ylabel: str) -> None:
    """A terminal line chart (plotext); callers only draw on a colour terminal."""
    import plotext as plt

    plt.clear_figure()
    plt.title(title)
    for name, values in series.items():
        plt.plot(list(range(len(labels))), values, label=name, marker="braille")
    step = max(1, len(labels) // 8)
    plt.xticks(list(range(0, len(labels), step)), labels[::step])
    plt.ylabel(ylabel)
    plt.plotsize(min(120, plt.terminal_width() or 100), 20)
    plt.show()


@app.command("performance")
@scoped()
def performance(
    ctx: typer.Context,
    by: str = typer.Option("week", "--by", help="day, week or month."),
    metric: str = typer.Option(
        "interactions",
        "--metric",
        help="What the chart draws: posts, interactions, impressions or engagement_rate.",
    ),
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """The series by day, week or month: a chart on a terminal, a table otherwise."""
    from clientnest_cli.analytics.series import METRICS
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.analytics import performance as compute

    if metric not in METRICS:
        raise BadInput(f"unknown metric '{metric}'", hint=f"use one of {', '.join(METRICS)}")
    sc = scope.resolve(ctx)
    frame = compute(state(ctx), sc, by)
    rows = _records(frame, list(frame.columns))
    if as_json:
        output.emit_json({"by": by, "since": sc.start, "until": sc.end, "series": rows})
        return
    if not rows:
        output.done("No published posts in this period.")
        return
    if _charts_allowed(as_json):
        values = [r[metric] if r[metric] is not None else 0 for r in rows]
        _chart(f"{metric} by {by}", [r["period"] for r in rows], {metric: values}, metric)
    output.table(
        f"Performance by {by}",
        ["period", "posts", "interactions", "impressions", "engagement"],
        [
            (
                r["period"],
                r["posts"],
                _num(r["interactions"]),
                _num(r["impressions"]),
                _pct(r["engagement_rate"]),
            )
            for r in rows
        ],
    )


@app.command("top")
@scoped()
def top(
    ctx: typer.Context,
    by: str = typer.Option("engagement", "--by", help="engagement, rate or impressions."),
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="How many posts."),
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """The best posts of the period by interactions, rate or impressions."""
    from clientnest_cli.services.analytics import top as compute

    sc = scope.resolve(ctx)
    frame = compute(state(ctx), sc, by, limit)
    columns = ["post_id", "account", "published_at", "media_type", "interactions"]
    columns += ["impressions", "engagement_rate", "rate_basis"]
    rows = _records(frame, columns + (["content"] if "content" in frame else []))
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        f"Top posts by {by}",
        ["id", "account", "published", "media", "interactions", "impressions", "rate", "text"],
        [
            (
                r["post_id"],
                r["account"],
                r["published_at"][:16],
                r["media_type"],
                _num(r["interactions"]),
                _num(r["impressions"]),
                _pct(r["engagement_rate"]),
                (r.get("content") or "")[:50],
            )
            for r in rows
        ],
    )


@app.command("growth")
@scoped()
def growth(
    ctx: typer.Context,
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """Followers over time (from `accounts sync` snapshots), a chart on a terminal."""
    from clientnest_cli.services.analytics import growth as compute

    sc = scope.resolve(ctx)
    frame = compute(state(ctx), sc)
    rows = _records(frame, ["account", "day", "followers", "change"])
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        output.done("No follower snapshots in this period — run `clientnest accounts sync`.")
        return
    if _charts_allowed(as_json):
        days = sorted({r["day"] for r in rows})
        series: dict[str, list[float]] = {}
        for name in sorted({r["account"] for r in rows}):
            known = {r["day"]: r["followers"] for r in rows if r["account"] == name}
            last = None
            values = []
            for d in days:
                last = known.get(d, last)
                values.append(last if last is not None else 0)
            series[name] = values
        _chart("Followers", days, series, "followers")
    summary = {}
    for r in rows:
        first = summary.setdefault(r["account"], [r["followers"], r["followers"], r["day"]])
        first[1], first[2] = r["followers"], r["day"]
    output.table(
        "Follower growth",
        ["account", "from", "to", "change", "last snapshot"],
        [(a, f"{s:,}", f"{e:,}", f"{e - s:+,}", d) for a, (s, e, d) in summary.items()],
    )


@app.command("health")
@scoped("client", "account", "platform", "until", until="Judge as of this time (default: now).")
def health(
    ctx: typer.Context,
    scope: ScopeOptions = SCOPE,
    as_json: bool = JSON,
) -> None:
    """Each account's state with reasons: going stale, engagement falling, tokens, failures."""
    from dataclasses import asdict

    from clientnest_cli.services.analytics import health as compute

    sc = scope.resolve(ctx, default_period="26w")
    results = compute(state(ctx), sc)
    if as_json:
        output.emit_json([asdict(h) for h in results])
        return
    output.table(
        "Account health",
        ["account", "state", "reasons"],
        [(h.account, h.state, "; ".join(a.message for a in h.alerts) or "—") for h in results],
    )


@app.command("export")
@scoped()
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    out: str | None = typer.Option(None, "--output", "-o", help="Write here (default: stdout)."),
    scope: ScopeOptions = SCOPE,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """The per-post frame (latest figures and features), for notebooks."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.analytics import export_frame

    fmt = "json" if as_json else fmt
    if fmt not in ("csv", "json"):
        raise BadInput(f"unknown format '{fmt}'", hint="use csv or json")
    sc = scope.resolve(ctx, default_period="365d")
    frame = export_frame(state(ctx), sc)
    columns = [
        "post_id", "account", "platform", "client", "published_at", "weekday", "hour",
        "media_type", "category", "imported", "length", "followers_at_post", "likes",
        "comments", "shares", "interactions", "views", "impressions", "reach", "clicks",
        "saves", "quotes", "engagement_rate", "rate_basis", "captured_at", "content",
    ]  # fmt: skip
    if fmt == "json":
        text = output.json_text(_records(frame, columns)) + "\n"
    else:
        text = _neutralised(frame[columns]).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
    if out:
        from pathlib import Path

        Path(out).write_text(text, encoding="utf-8")
        output.done(f"{len(frame)} posts written to {out}.")
    else:
        output.data(text)


def _neutralised(frame: Any) -> Any:
    """Text cells a spreadsheet would run as a formula get the same quote as `post export`."""
    from clientnest_cli.services.content_csv import neutralise

    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, str)).any():
            frame[column] = frame[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return frame


def _register_insight() -> None:
    from clientnest_cli.cli.analytics_insight import register

    register(app)


_register_insight()
