"""`clientnest post …` (compose, manage, schedule, approve, import/export) and
the top-level `clientnest calendar`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.errors import BadInput

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")
GROUP = typer.Option(
    False, "--group", help="Also every other post of its group (the cross-post's siblings)."
)


# --- shaping output -------------------------------------------------------------


def when_text(value: datetime | None, tz_name: str) -> str:
    """'2027-03-01 09:00 CET (08:00 UTC)' or ''."""
    if value is None:
        return ""
    from clientnest_cli.domain.clock import to_local

    local = to_local(value, tz_name)
    utc = value.strftime("%Y-%m-%d %H:%M") if local.date() != value.date() else f"{value:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc} UTC)"


def post_dict(post: Any, account: str = "", tz_name: str = "UTC") -> dict[str, Any]:
    from clientnest_cli.domain.clock import to_local

    local = to_local(post.scheduled_at, tz_name).isoformat() if post.scheduled_at else None
    return {
        "id": post.id,
        "account": account,
        "account_id": post.account_id,
        "status": post.status,
        "content": post.content,
        "scheduled_at": post.scheduled_at,
        "scheduled_local": local,
        "published_at": post.published_at,
        "platform_url": post.platform_url,
        "category": post.category,
        "hashtags": list(post.hashtags),
        "group_id": post.group_id,
        "variant": post.variant,
        "thread_parent_id": post.thread_parent_id,
        "thread_position": post.thread_position,
        "approval_status": post.approval_status,
        "ai_generated": post.ai_generated,
        "recurrence": post.recurrence,
        "source_file": post.source_file,
        "attempts": post.attempts,
        "last_error": post.last_error,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "version": getattr(post, "version", None),
    }


def _snippet(text: str, width: int = 60) -> str:
    flat = " ".join(output.clean(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _read_text(text: str | None, file: Path | None) -> str:
    if text is not None and file is not None:
        raise BadInput("give the text or --file, not both")
    if file is not None:
        try:
            return file.expanduser().read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInput(f"file {file} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read {file}: {exc}") from None
    if text == "-":
        return sys.stdin.read()
    if text is None:
        raise BadInput("no text", hint="give TEXT, --file PATH, or - to read standard input")
    return text


def _note_removed(texts: list[str]) -> None:
    """Say on stderr what cleaning took out of the text: nothing vanishes silently."""
    from clientnest_cli.domain.text import strip_controls

    nul = sum(t.count("\x00") for t in texts)
    unified = [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    other = sum(len(t) - len(strip_controls(t)) for t in unified) - nul
    if nul:
        output.warn(f"Note: removed {nul} NUL byte(s) from the text.")
    if other:
        output.warn(f"Note: removed {other} control character(s) from the text.")


def _variants(values: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        platform, sep, text = value.partition(":")
        if not sep or not platform.strip():
            raise BadInput(f"--variant '{value[:40]}' is not PLATFORM:TEXT")
        key = platform.strip().lower()
        if key in found:
            raise BadInput(f"two --variant values for {key}")
        found[key] = text
    return found


def _media(paths: list[Path], alts: list[str]) -> list[tuple[Path, str]]:
    if len(alts) > len(paths):
        raise BadInput(
            f"{len(alts)} --alt texts for {len(paths)} --media files",
            hint="each --alt pairs with a --media, in order",
        )
    return [(path, alts[i] if i < len(alts) else "") for i, path in enumerate(paths)]


def _post_id(value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdigit():
        raise BadInput(f"'{value}' is not a post id", hint="see `clientnest post list`")
    return int(text)


# --- compose ----------------------------------------------------------------------


@app.command("create")
def create(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="The text; - reads standard input."),
    file: Path | None = typer.Option(None, "--file", help="Read the text from this file."),
    to: list[str] = typer.Option([], "--to", help="PLATFORM:HANDLE (repeat to cross-post)."),
    variant: list[str] = typer.Option([], "--variant", help="PLATFORM:TEXT for one platform."),
    media: list[Path] = typer.Option([], "--media", help="An image or video (repeatable)."),
    alt: list[str] = typer.Option([], "--alt", help="Alt text, paired with --media in order."),
    thread: bool = typer.Option(False, "--thread", help="Split into a thread (--- or limit)."),
    numbering: bool = typer.Option(False, "--numbering", help="End thread parts in 1/n."),
    category: str = typer.Option(
        "", "--category", help="Your own label (e.g. promo), kept with the post and in exports."
    ),
    hashtag: list[str] = typer.Option([], "--hashtag", help="Added as #tag (repeatable)."),
    at: str | None = typer.Option(None, "--at", help="Schedule: ISO 8601 or words."),
    every: str | None = typer.Option(None, "--every", help="Recurring: e.g. 'mon 09:00'."),
    until: str | None = typer.Option(None, "--until", help="Last day of --every."),
    as_json: bool = JSON,
) -> None:
    """Compose a post for one or more accounts (validated for every target first)."""
    from clientnest_cli.services.posts import ComposeRequest, create_posts

    draft = ComposeRequest(
        text=_read_text(text, file),
        targets=list(to),
        variants=_variants(variant),
        media=_media(media, alt),
        thread=thread,
        numbering=numbering,
        category=category,
        hashtags=list(hashtag),
        at=at,
        every=every,
        until=until,
    )
    app_ctx = state(ctx)
    posts = create_posts(app_ctx, draft)
    _report_created(app_ctx, posts, as_json)
    _note_removed([draft.text, *draft.variants.values(), *(a for _p, a in draft.media)])


def _report_created(app_ctx: Any, posts: list[Any], as_json: bool) -> None:
    from clientnest_cli.services.posts import describe_accounts

    tz, labels = describe_accounts(app_ctx, {p.account_id for p in posts})
    if as_json:
        output.emit_json([post_dict(p, labels[p.account_id], tz) for p in posts])
        return
    leads = [p for p in posts if p.thread_parent_id is None]
    if len(leads) > 10:
        first = leads[0]
        output.done(
            f"Created {len(leads)} posts (group {first.group_id}), "
            f"from {when_text(first.scheduled_at, tz)} to {when_text(leads[-1].scheduled_at, tz)}."
        )
        return
    for lead in leads:
        parts = sum(1 for p in posts if p.thread_parent_id == lead.id)
        thread = f", thread of {parts + 1}" if parts else ""
        when = f", scheduled for {when_text(lead.scheduled_at, tz)}" if lead.scheduled_at else ""
        output.done(
            f"Created post {lead.id} for {labels[lead.account_id]} ({lead.status}{thread}{when})."
        )
        _prediction(app_ctx, lead.id)


# --- manage ------------------------------------------------------------------------


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="e.g. scheduled or draft,failed."),
    account: str | None = typer.Option(None, "--account", help="PLATFORM:HANDLE."),
    client: str | None = typer.Option(None, "--client"),
    date_from: str | None = typer.Option(None, "--from", help="Scheduled on/after (date)."),
    date_to: str | None = typer.Option(None, "--to", help="Scheduled on/before (date)."),
    search: str | None = typer.Option(None, "--search", help="Text the post contains."),
    sort: str = typer.Option("created", "--sort", help="created, scheduled or status."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = JSON,
) -> None:
    """List posts, newest first."""
    from clientnest_cli.services.post_reads import list_posts

    found = list_posts(
        state(ctx),
        status=status,
        account=account,
        client=client,
        date_from=date_from,
        date_to=date_to,
        search=search,
        sort=sort,
        limit=limit,
    )
    if as_json:
        output.emit_json([post_dict(r.post, r.account, found.tz_name) for r in found.rows])
        return
    from clientnest_cli.domain.clock import to_local

    rows = []
    for row in found.rows:
        p = row.post
        local = to_local(p.scheduled_at, found.tz_name) if p.scheduled_at else None
        thread = f"part {p.thread_position + 1} of {row.thread_size}" if row.thread_size else ""
        rows.append(
            (
                p.id,
                row.account,
                p.status,
                f"{local:%Y-%m-%d %H:%M}" if local else "",
                p.approval_status if p.approval_status != "not_required" else "",
                thread,
                _snippet(p.content),
            )
        )
    output.table(
        f"Posts (times in {found.tz_name})",
        ["id", "account", "status", "when", "approval", "thread", "text"],
        rows,
    )


@app.command("show")
def show(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JSON
) -> None:
    """Everything about one post: content per target, validation, schedule, approval, attempts."""
    from clientnest_cli.services.post_reads import post_detail

    d = post_detail(state(ctx), _post_id(post_id))
    account = f"{d.account.platform}:{d.account.handle}"
    if as_json:
        from clientnest_cli.store.rows import as_dict

        data = post_dict(d.post, account, d.tz_name)
        data.update(
            parts=[post_dict(p, account, d.tz_name) for p in d.parts],
            siblings=[post_dict(p, a, d.tz_name) for p, a in d.siblings],
            media=[as_dict(m, exclude=("post_id",)) for m in d.media],
            violations=d.violations,
            publishable=d.reason is None,
            not_publishable_because=d.reason,
            attempts=[as_dict(a, exclude=("post_id",)) for a in d.attempts],
            created_by=d.created_by,
            approved_by=d.approved_by,
            rejection_reason=d.post.rejection_reason,
            timezone=d.tz_name,
        )
        output.emit_json(data)
        return
    _print_detail(d, account)
    if d.post.thread_parent_id is None:
        _prediction(state(ctx), d.post.id)


def _prediction(app_ctx: Any, post_id: int | None) -> None:
    """One line of `analytics predict` per target, only when a model is kept."""
    from clientnest_cli.services.insight_model import prediction_line

    line = prediction_line(app_ctx, post_id or 0)
    if line:
        output.done(f"  Prediction: {line}")


def _print_detail(d: Any, account: str) -> None:
    p = d.post
    thread = (
        f" (part {p.thread_position + 1} of the thread that starts with post {p.thread_parent_id})"
        if p.thread_parent_id
        else ""
    )
    output.done(f"Post {p.id} for {account}: {p.status}{thread}")
    data: dict[str, Any] = {}
    if p.scheduled_at:
        from clientnest_cli.domain.clock import to_local

        local = to_local(p.scheduled_at, d.tz_name)
        data["scheduled"] = f"{local:%Y-%m-%d %H:%M %Z} ({d.tz_name})"
        data["scheduled UTC"] = f"{p.scheduled_at:%Y-%m-%d %H:%M} UTC"
    if p.recurrence:
        data["recurs"] = (
            f"{p.recurrence} until {p.recurrence_until:%Y-%m-%d}"
            if p.recurrence_until
            else p.recurrence
        )
    if p.published_at:
        data["published"] = f"{p.published_at:%Y-%m-%d %H:%M} UTC {p.platform_url}"
    approval = p.approval_status
    if p.approved_by and approval in ("approved", "rejected"):
        approval += f" by {d.approved_by}"
    if p.rejection_reason:
        approval += f": {p.rejection_reason}"
    data["approval"] = approval
    data["publishable"] = "yes" if d.reason is None else f"no — {d.reason}"
    if p.category:
        data["category"] = p.category
    if p.hashtags:
        data["hashtags"] = " ".join(f"#{t}" for t in p.hashtags)
    data["group"] = p.group_id + (f" (variant {p.variant})" if p.variant else "")
    data["created"] = f"{p.created_at:%Y-%m-%d %H:%M} UTC by {d.created_by or '?'}"
    if p.ai_generated:
        data["ai generated"] = "yes"
    if p.last_error:
        data["last error"] = p.last_error
    output.fields(data)
    output.done("")
    output.done(f"--- {account} ---")
    output.done(p.content)
    for part in d.parts:
        output.done(f"--- part {part.thread_position + 1}/{len(d.parts) + 1} (post {part.id}) ---")
        output.done(part.content)
    for sib, label in d.siblings:
        output.done(f"--- {label} (post {sib.id}, {sib.status}) ---")
        output.done(sib.content)
    if d.media:
        output.done("")
        output.done("Media:")
        for i, m in enumerate(d.media, 1):
            alt = f" — alt: {m.alt_text}" if m.alt_text else " — no alt text"
            output.done(
                f"  {i}. {m.original_name} ({m.media_type}, {m.size:,} bytes, sha256 {m.sha256[:12]}…){alt}"
            )
    output.done("")
    if d.violations:
        output.done("Validation: breaks the rules")
        for v in d.violations:
            output.done(f"  {v}")
    else:
        output.done("Validation: ok")
    if d.attempts:
        output.done("")
        output.done("Attempts:")
        for a in d.attempts:
            status = f" HTTP {a.http_status}" if a.http_status else ""
            error = f" — {a.error}" if a.error else ""
            output.done(
                f"  {a.started_at:%Y-%m-%d %H:%M:%S} {a.outcome or 'running'}{status} ({a.daemon_id}){error}"
            )


@app.command("edit")
def edit(
    ctx: typer.Context,
    post_id: str = typer.Argument(..., metavar="ID"),
    text: str | None = typer.Option(None, "--text", help="New text (else $EDITOR opens)."),
    at: str | None = typer.Option(None, "--at", help="New time: ISO 8601 or words."),
    category: str | None = typer.Option(
        None, "--category", help="Change the label (e.g. promo); '' removes it."
    ),
    add_hashtag: list[str] = typer.Option([], "--add-hashtag", help="Add #tag (repeatable)."),
    expect_version: int | None = typer.Option(
        None,
        "--expect-version",
        metavar="N",
        help="Refuse if the post changed since version N (see `post show --json`).",
    ),
) -> None:
    """Change a post that has not gone out; it is validated again."""
    from clientnest_cli.services.posts_manage import edit_post, post_for_edit

    app_ctx, pid = state(ctx), _post_id(post_id)
    if text is None and at is None and category is None and not add_hashtag:
        current = post_for_edit(app_ctx, pid)
        expect_version = expect_version or current.version
        import click

        edited = click.edit(current.content, extension=".txt")
        if edited is None or edited.strip() == current.content.strip():
            output.done("No change.")
            return
        text = edited
    result = edit_post(
        app_ctx,
        pid,
        text=text,
        at=at,
        category=category,
        add_hashtags=add_hashtag,
        expected_version=expect_version,
    )
    _note_removed([text] if text else [])
    when = (
        f"; scheduled for {when_text(result.post.scheduled_at, result.tz_name)}"
        if "schedule" in result.changed
        else ""
    )
    output.done(f"Updated post {result.post.id} ({', '.join(result.changed)}){when}.")


@app.command("delete")
def delete(ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Delete a post (and its thread parts) that has not been published."""
    from clientnest_cli.services.posts_manage import delete_post

    count = delete_post(state(ctx), _post_id(post_id))
    extra = f" and its {count - 1} thread part(s)" if count > 1 else ""
    output.done(f"Deleted post {post_id.lstrip('#')}{extra}.")


@app.command("duplicate")
def duplicate(
    ctx: typer.Context, post_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JSON
) -> None:
    """Copy a post into a new draft (new idempotency key and group)."""
    from clientnest_cli.services.posts_manage import duplicate_post

    copy = duplicate_post(state(ctx), _post_id(post_id))
    if as_json:
        output.emit_json(post_dict(copy))
    else:
        output.done(f"Created draft {copy.id}, a copy of post {post_id.lstrip('#')}.")


# --- schedule -----------------------------------------------------------------------


# schedule, approvals, content files and the calendar live in post_schedule.py
# `post unpublish` lives in post_unpublish.py
from clientnest_cli.cli import (  # noqa: E402
    post_schedule,  # noqa: F401 - registers its commands on `app`
    post_unpublish,  # noqa: F401
)
