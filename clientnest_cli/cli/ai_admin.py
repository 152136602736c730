"""`clientnest ai key …` and `clientnest ai replies …`: the AI API key, and the
replies an editor queued for an admin's approval."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import read_secret, state

key_app = typer.Typer(
    no_args_is_help=True,
    help="The AI API key. Lookup order: CLIENTNEST_AI_API_KEY (env) first, then the keyring.",
)
replies_app = typer.Typer(help="Replies waiting for an admin's approval.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


# --- the key ---------------------------------------------------------------------


@key_app.command("set")
def key_set(ctx: typer.Context) -> None:
    """Store the AI API key in the keyring.

    Reads the key from a hidden prompt on a terminal, or from stdin in a pipe
    (`pass show deepseek | clientnest ai key set`); never from the command
    line, where it would end up in shell history. CLIENTNEST_AI_API_KEY, when
    set, is used instead of the stored key.
    """
    from clientnest_cli.services.ai_usage import set_key

    set_key(state(ctx), read_secret("AI API key"))
    output.done("Stored the AI API key in the keyring.")


@key_app.command("clear")
def key_clear(ctx: typer.Context) -> None:
    """Remove the stored AI API key from the keyring."""
    from clientnest_cli.services.ai_usage import clear_key

    existed = clear_key(state(ctx))
    output.done("Removed the stored AI API key." if existed else "No AI API key was stored.")


# --- replies waiting for approval ---------------------------------------------------


@replies_app.command("pending")
def replies_pending(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List replies waiting for approval."""
    from clientnest_cli.services.ai_replies import pending_replies

    rows = pending_replies(state(ctx))
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Replies waiting for approval",
        ["id", "comment", "reply", "by"],
        [(r["id"], r["comment"], r["reply"], r["requested_by"]) for r in rows],
    )


@replies_app.command("approve")
def replies_approve(
    ctx: typer.Context, request_id: int = typer.Argument(..., metavar="ID")
) -> None:
    """Approve a queued reply: it is sent now (admins)."""
    from clientnest_cli.services.ai_replies import decide_reply

    decide_reply(state(ctx), request_id, approve=True)
    output.done(f"Sent queued reply {request_id}.")


@replies_app.command("reject")
def replies_reject(ctx: typer.Context, request_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Reject a queued reply: it is never sent (admins)."""
    from clientnest_cli.services.ai_replies import decide_reply

    decide_reply(state(ctx), request_id, approve=False)
    output.done(f"Rejected queued reply {request_id}.")
