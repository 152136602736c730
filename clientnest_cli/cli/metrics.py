"""`clientnest metrics …`: fetch how published posts are doing, and read it back."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("sync")
def sync(
    ctx: typer.Context,
    account: list[str] = typer.Option(
        None, "--account", "-a", help="Only this account (PLATFORM:HANDLE, handle or id); repeat."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only posts published since (ISO date/time or e.g. '7 days ago')."
    ),
    comments: bool = typer.Option(
        False, "--comments/--no-comments", help="Also fetch replies (one request per post)."
    ),
    as_json: bool = JSON,
) -> None:
    """Fetch likes, replies, shares and views of published posts (and their comments)."""
    from clientnest_cli.services.metrics_sync import sync_comments, sync_metrics

    app_ctx = state(ctx)
    since_at = _since(app_ctx, since)
    with output.progress("Syncing metrics", enabled=not as_json) as step:
        report = sync_metrics(app_ctx, account or [], since_at, progress=step)
    data = report.as_dict()
    if comments:
        with output.progress("Fetching comments", enabled=not as_json) as step:
            found = sync_comments(app_ctx, account or [], since_at, progress=step)
        data["comments_new"] = found.comments_new
        per_account = {a.account_id: a.comments_new for a in found.accounts}
        for entry in data["accounts"]:  # the same count at the top and per account
            entry["comments_new"] = per_account.get(entry["account_id"], 0)
        data["comment_failures"] = found.as_dict()["failures"]
        data["failures"] += [f for f in data["comment_failures"] if f not in data["failures"]]
    if as_json:
        output.emit_json(data)
    else:
        _summary(data)
    if data["failures"]:
        raise typer.Exit(1)


def _since(app_ctx, since: str | None):  # type: ignore[no-untyped-def]
    if not since:
        return None
    from clientnest_cli.services.metrics_sync import parse_since

    return parse_since(app_ctx, since)


def _summary(data: dict) -> None:
    output.table(
        "Metrics sync",
        ["account", "posts", "snapshots", "missing", "new comments", "outcome"],
        [
            (a["account"], a["posts"], a["snapshots"], a["missing"], a["comments_new"], _outcome(a))
            for a in data["accounts"]
        ],
    )
    output.done(
        f"{data['posts_checked']} posts checked, {data['snapshots_written']} snapshots written, "
        f"{data['comments_new']} new comments, {len(data['failures'])} failed."
    )
    for failure in data["failures"]:
        output.warn(f"{failure['account']}: {failure['message']}")


def _outcome(result: dict) -> str:
    if result["error"]:
        return f"failed: {result['error']}"
    return f"skipped: {result['skipped']}" if result["skipped"] else "ok"


@app.command("show")
def show(
    ctx: typer.Context,
    post_id: int = typer.Argument(..., help="The post's id (see `clientnest post list`)."),
    as_json: bool = JSON,
) -> None:
    """The metrics history of one post, newest first."""
    from clientnest_cli.services.metrics_sync import history

    rows = [
        {
            "captured_at": s.captured_at,
            "likes": s.likes,
            "comments": s.comments,
            "shares": s.shares,
            "views": s.views,
            "engagement_rate": None if s.engagement_rate is None else round(s.engagement_rate, 6),
            "rate_basis": s.rate_basis or None,
            "impressions": s.impressions,
            "reach": s.reach,
            "clicks": s.clicks,
            "saves": s.saves,
            "quotes": s.quotes,
        }
        for s in history(state(ctx), post_id)
    ]
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        from clientnest_cli.services.metrics_sync import post_status

        status = post_status(state(ctx), post_id)
        if status != "published":
            output.done(f"No metrics for post {post_id}: it is {status}, not published yet.")
        else:
            output.done(f"No metrics for post {post_id} yet — run `clientnest metrics sync`.")
        return
    output.table(
        f"Metrics of post {post_id}",
        ["captured", "likes", "comments", "shares", "views", "engagement"],
        [
            (
                r["captured_at"],
                r["likes"],
                r["comments"],
                r["shares"],
                "" if r["views"] is None else r["views"],
                _rate(r["engagement_rate"], r["rate_basis"]),
            )
            for r in rows
        ],
    )


def _rate(rate: float | None, basis: str | None) -> str:
    """A rate with what it divides by; "unknown" rather than a made-up 0%."""
    if rate is None:
        return "unknown"
    return f"{rate:.2%} of {basis}" if basis else f"{rate:.2%}"


@app.command("comments")
def comments_(
    ctx: typer.Context,
    post: int | None = typer.Option(None, "--post", help="Only the comments on this post."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many, newest first."),
    sentiment: str | None = typer.Option(
        None,
        "--sentiment",
        help="Only positive, negative or neutral comments, or 'unscored' (not English).",
    ),
    as_json: bool = JSON,
) -> None:
    """Comments fetched by `metrics sync --comments`, with their sentiment (VADER)."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.metrics_sync import list_comments

    labels = {"positive": "positive", "negative": "negative", "neutral": "neutral"}
    labels["unscored"] = ""
    if sentiment is not None and sentiment not in labels:
        raise BadInput(
            f"unknown sentiment '{sentiment}'", hint="use positive, negative, neutral or unscored"
        )
    wanted = None if sentiment is None else labels[sentiment]

    rows = [
        {
            "id": c.id,
            "post_id": c.post_id,
            "account": f"{platform}:{handle}",
            "platform_comment_id": c.platform_comment_id,
            "author": c.author,
            "text": c.text,
            "sentiment": c.sentiment,
            "sentiment_label": c.sentiment_label or None,
            "language": c.language or None,
            "created_at": c.created_at,
            "fetched_at": c.fetched_at,
        }
        for c, platform, handle in list_comments(state(ctx), post, limit, wanted)
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Comments",
        ["id", "post", "account", "author", "when", "sentiment", "text"],
        [
            (
                r["id"],
                r["post_id"],
                r["account"],
                r["author"],
                r["created_at"],
                r["sentiment_label"] or "—",
                r["text"],
            )
            for r in rows
        ],
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="The CSV export to read."),
    account: str = typer.Option(
        ..., "--account", "-a", help="Whose posts these are (PLATFORM:HANDLE, handle or id)."
    ),
    fmt: str = typer.Option(
        "auto", "--format", help="auto, generic, x (X post analytics) or facebook (Meta)."
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the good rows even when some are bad."
    ),
    as_json: bool = JSON,
) -> None:
    """Past posts and their figures from an analytics export (idempotent: re-import updates)."""
    from pathlib import Path

    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.metrics_import import import_metrics

    bar = output.progress("Importing", enabled=not as_json)
    with bar as step:
        report = import_metrics(
            state(ctx), Path(file), account, fmt, skip_invalid, progress=step, total=_total(bar)
        )
    data = report.as_dict()
    if as_json:
        output.emit_json(data)
    else:
        for error in data["errors"]:
            output.warn(f"row {error['row']}: {error['reason']}")
        if data["written"]:
            output.done(
                f"{data['account']} ({data['format']} format): {data['created']} created, "
                f"{data['updated']} updated, {data['unchanged']} unchanged, "
                f"{data['skipped']} skipped."
            )
    if data["errors"] and not data["written"]:
        raise BadInput(
            f"{len(data['errors'])} of {data['rows']} rows are bad; nothing was imported",
            hint="fix them, or pass --skip-invalid to import the others",
        )


def _total(bar):  # type: ignore[no-untyped-def]
    """Sets the bar's length once the rows are counted (no-op without a bar)."""

    def set_total(n: int) -> None:
        rich_bar = getattr(bar, "_bar", None)
        if rich_bar is not None:
            rich_bar.update(bar._task, total=n)

    return set_total
