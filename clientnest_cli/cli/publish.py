"""`clientnest publish …`: send what is due, now — for cron and people."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.domain.post_states import CONFIRM_HINT

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def _summary(report, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    data = {
        "published": report.published,
        "failed": [{"post": p, "reason": r} for p, r in report.failed],
        "retrying": [{"post": p, "reason": r} for p, r in report.retrying],
        "deferred": report.deferred,
        "checking": [{"post": p, "reason": r} for p, r in report.checking],
        "unconfirmed": [{"post": p, "reason": r} for p, r in report.unconfirmed],
    }
    if as_json:
        output.emit_json(data)
    else:
        output.done(
            f"published {len(report.published)}, failed {len(report.failed)}, "
            f"retrying later {len(report.retrying)}, held by rate limits {len(report.deferred)}"
            + (f", checking {len(report.checking)}" if report.checking else "")
            + (f", may have been sent {len(report.unconfirmed)}" if report.unconfirmed else "")
        )
        for post_id, reason in report.failed:
            output.warn(f"post {post_id} failed: {reason}")
        for post_id, reason in report.retrying:
            output.warn(f"post {post_id} will be retried: {reason}")
        for post_id, reason in report.checking:
            output.warn(f"post {post_id} may have gone out; {reason} (asked again later)")
        for post_id, reason in report.unconfirmed:
            output.warn(
                f"post {post_id} may have been sent ({reason}): "
                + CONFIRM_HINT.replace("ID", str(post_id))
            )
    if report.failed or report.retrying or report.deferred or report.checking or report.unconfirmed:
        raise typer.Exit(1)


@app.command("due")
def due(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Publish every post that is due. Exit 0 when all went out, 1 otherwise."""
    from clientnest_cli.services.publishing import publish_due

    _summary(publish_due(state(ctx)), as_json)


@app.command("now")
def now(ctx: typer.Context, post_id: int, as_json: bool = JSON) -> None:
    """Publish one post (a draft or a scheduled one) right now."""
    from clientnest_cli.services.publishing import publish_now

    app_ctx = state(ctx)
    app_ctx.light_settings = True  # one send: no pydantic-settings (benchmark B11)
    _summary(publish_now(app_ctx, post_id), as_json)


@app.command("retry")
def retry(ctx: typer.Context, post_id: int) -> None:
    """Put a failed post back in the queue, due now, with a fresh set of attempts."""
    from clientnest_cli.services.publishing import retry_failed

    retry_failed(state(ctx), post_id)
    output.done(f"Post {post_id} is scheduled again; `clientnest publish due` sends it.")


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    post_id: int,
    sent: bool = typer.Option(False, "--sent", help="It is on the platform: mark it published."),
    not_sent: bool = typer.Option(
        False, "--not-sent", help="It is not there: schedule it again, due now."
    ),
) -> None:
    """Settle a post that may have been sent (status unconfirmed) after checking the channel."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.publishing import confirm_outcome

    if sent == not_sent:
        raise BadInput(
            "say what you found: --sent or --not-sent (one of them)",
            hint=f"see `clientnest post show {post_id}`, then check the account or channel",
        )
    confirm_outcome(state(ctx), post_id, sent=sent)
    if sent:
        output.done(f"Post {post_id} is recorded as published.")
    else:
        output.done(f"Post {post_id} is scheduled again; `clientnest publish due` sends it.")
