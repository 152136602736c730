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
            "engagement_rate": round(s.engagement_rate, 6),
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
                f"{r['engagement_rate']:.2%}",
            )
            for r in rows
        ],
    )


@app.command("comments")
def comments_(
    ctx: typer.Context,
    post: int | None = typer.Option(None, "--post", help="Only the comments on this post."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = JSON,
) -> None:
    """Comments fetched by `metrics sync --comments`."""
    from clientnest_cli.services.metrics_sync import list_comments

    rows = [
        {
            "id": c.id,
            "post_id": c.post_id,
            "account": f"{platform}:{handle}",
            "platform_comment_id": c.platform_comment_id,
            "author": output.clean(c.author),
            "text": output.clean(c.text),
            "sentiment": c.sentiment,
            "created_at": c.created_at,
            "fetched_at": c.fetched_at,
        }
        for c, platform, handle in list_comments(state(ctx), post, limit)
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Comments",
        ["id", "post", "account", "author", "when", "text"],
        [
            (r["id"], r["post_id"], r["account"], r["author"], r["created_at"], r["text"])
            for r in rows
        ],
    )
