"""`clientnest post schedule|unschedule|cancel|queue|submit|approve|reject|export|import`
and `clientnest calendar`: a post's way to its publishing time, and content as files.
The commands register on the `post` app of cli/posts.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.cli.posts import GROUP, JSON, _post_id, app, when_text
from clientnest_cli.errors import BadInput


def _scheduled_line(verb: str, result: Any) -> str:
    leads = result.leads
    ids = ", ".join(str(p.id) for p in leads)
    parts = len(result.posts) - len(leads)
    extra = f" (with {parts} thread part(s))" if parts else ""
    noun = "post" if len(leads) == 1 else "posts"
    return f"{verb} {noun} {ids}{extra}"


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    post_id: str = typer.Argument(..., metavar="ID"),
    at: str = typer.Option(..., "--at", help="ISO 8601 or words ('tomorrow 9am'), your timezone."),
    group: bool = GROUP,
) -> None:
    """Schedule a post (and its thread) for a time in your timezone."""
    from clientnest_cli.services.schedule import schedule_post

    result = schedule_post(state(ctx), _post_id(post_id), at, group=group)
    output.done(
        f"{_scheduled_line('Scheduled', result)} for {when_text(result.at_utc, result.tz_name)}."
    )
    if result.drafts_left:
        output.warn(
            f"{result.drafts_left} other post(s) of its group stay drafts; add --group to schedule them too."
        )


@app.command("unschedule")
def unschedule(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), group: bool = GROUP
) -> None:
    """Take a scheduled post back to draft."""
    from clientnest_cli.services.schedule import unschedule_post

    result = unschedule_post(state(ctx), _post_id(post_id), group=group)
    output.done(f"{_scheduled_line('Unscheduled', result)}: back to draft.")


@app.command("cancel")
def cancel(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), group: bool = GROUP
) -> None:
    """Cancel a post that has not been published (it will never go out)."""
    from clientnest_cli.services.schedule import cancel_post

    result = cancel_post(state(ctx), _post_id(post_id), group=group)
    output.done(f"{_scheduled_line('Canceled', result)}.")


@app.command("queue")
def queue(ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Schedule a post in its account's next free posting slot."""
    from clientnest_cli.services.schedule import queue_post

    result = queue_post(state(ctx), _post_id(post_id))
    output.done(
        f"{_scheduled_line('Queued', result)} for {when_text(result.at_utc, result.tz_name)}."
    )


# --- approvals -----------------------------------------------------------------------


@app.command("submit")
def submit(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), group: bool = GROUP
) -> None:
    """Ask an admin or owner to approve a post."""
    from clientnest_cli.services.posts_manage import submit_post

    posts = submit_post(state(ctx), _post_id(post_id), group=group)
    output.done(f"Submitted {len(posts)} post(s) for approval.")


@app.command("approve")
def approve(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), group: bool = GROUP
) -> None:
    """Approve a post (admins and owners)."""
    from clientnest_cli.services.posts_manage import approve_post

    posts = approve_post(state(ctx), _post_id(post_id), group=group)
    output.done(f"Approved {len(posts)} post(s).")


@app.command("reject")
def reject(
    ctx: typer.Context,
    post_id: str = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", help="What to change."),
    group: bool = GROUP,
) -> None:
    """Reject a post with a reason (admins and owners)."""
    from clientnest_cli.services.posts_manage import reject_post

    posts = reject_post(state(ctx), _post_id(post_id), reason, group=group)
    output.done(f"Rejected {len(posts)} post(s).")


# --- content as files ------------------------------------------------------------------


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("md", "--format", help="md, csv or json."),
    status: str | None = typer.Option(
        None, "--status", help="Only these statuses (comma-separated)."
    ),
    out: Path | None = typer.Option(None, "--output", help="A folder (md) or a file (csv/json)."),
) -> None:
    """Write posts as Markdown files, one CSV, or JSON (standard output when no --output)."""
    from clientnest_cli.services.content_files import export_posts

    result = export_posts(state(ctx), fmt, status=status, output=out)
    if result.text is not None:
        output.data(result.text)
    else:
        output.warn(f"Exported {result.count} post(s) to {result.where}.")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Markdown (.md) or CSV (.csv) files."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the valid ones."),
    new: bool = typer.Option(
        False, "--new", help="Create new posts from files whose id this store does not have."
    ),
    schedule: bool = typer.Option(
        False, "--schedule", help="Schedule drafts whose file has an at: time."
    ),
    media_root: list[Path] = typer.Option(
        [], "--media-root", metavar="DIR", help="Also allow media from this folder (repeatable)."
    ),
    as_json: bool = JSON,
) -> None:
    """Create or update posts from Markdown files with front matter, or CSV rows.

    A file with an id (an exported one) updates that post wherever the file now is;
    unchanged files write nothing; a file never schedules a draft by itself."""
    from clientnest_cli.services.content_files import ImportOptions, import_files

    opts = ImportOptions(
        skip_invalid=skip_invalid, new=new, schedule=schedule, media_roots=list(media_root)
    )
    report = import_files(state(ctx), files, opts)
    if as_json:
        output.emit_json(
            {
                "created": report.created,
                "updated": report.updated,
                "skipped": report.skipped,
                "unchanged": report.unchanged,
            }
        )
        return
    output.done(
        f"Imported: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} left as they were, {len(report.skipped)} skipped."
    )
    for line in report.skipped + report.notes:
        output.warn(f"  {line}")


# --- calendar (a top-level command) -------------------------------------------------------


def calendar(
    ctx: typer.Context,
    week: bool = typer.Option(False, "--week", help="One week (the default)."),
    month: bool = typer.Option(False, "--month", help="A whole month."),
    account: str | None = typer.Option(None, "--account", help="PLATFORM:HANDLE."),
    day: str | None = typer.Option(None, "--date", help="A day in the period (default today)."),
    as_json: bool = JSON,
) -> None:
    """Scheduled and published posts on a week or month grid, in your timezone."""
    from clientnest_cli.services.calendar import calendar_data

    if week and month:
        raise BadInput("give --week or --month, not both")
    cal = calendar_data(state(ctx), "month" if month else "week", day, account)
    if as_json:
        output.emit_json(
            {
                "view": cal.view,
                "from": cal.first.isoformat(),
                "to": cal.last.isoformat(),
                "timezone": cal.tz_name,
                "entries": [
                    {
                        "post_id": e.post_id,
                        "account": e.account,
                        "at": e.at_utc,
                        "at_local": e.at_local,
                        "status": e.status,
                        "thread": e.thread,
                        "text": e.text,
                    }
                    for e in cal.entries
                ],
            }
        )
        return
    from clientnest_cli.cli.calendar_view import draw

    draw(cal)
