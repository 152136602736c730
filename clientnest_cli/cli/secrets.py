"""`clientnest secrets …`: where secrets live; bring a daemon host into a shared store."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import read_secret, state

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON) -> None:
    """This host's secrets backend, where tokens live, and whether it holds the data key."""
    from clientnest_cli.services.vault import status as vault_status

    data = vault_status(state(ctx))
    if as_json:
        output.emit_json(data)
        return
    output.fields(data)


@app.command("enrol")
def enrol(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Print a one-time code (valid one hour) that lets another daemon host join.

    On the new host, with the same store and `tokens = "store"`, run
    `clientnest secrets join` and type the code at its prompt.
    """
    from clientnest_cli.services.vault import enrol as make_code

    code, expires = make_code(state(ctx))
    if as_json:
        output.emit_json({"code": code, "expires_at": expires})
        return
    output.fields({"code": code, "expires_at": expires})
    output.done("on the new host run `clientnest secrets join` and type this code; it works once")


@app.command("join")
def join(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Take the store's data key into this host's keyring, with a code from `secrets enrol`.

    The code is read from a hidden prompt (or stdin), never from the command line.
    """
    from clientnest_cli.services.vault import join as take_key

    key_id = take_key(state(ctx), read_secret("Enrolment code"))
    if as_json:
        output.emit_json({"data_key": key_id, "enrolled": True})
        return
    output.done(f"this host now holds the store's data key {key_id}")
