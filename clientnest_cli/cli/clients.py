"""`clientnest clients …`: the brands or customers accounts belong to."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def client_dict(client, accounts: int) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": client.id,
        "name": client.name,
        "notes": client.notes,
        "accounts": accounts,
        "created_at": client.created_at,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    notes: str = typer.Option("", "--notes"),
    as_json: bool = JSON,
) -> None:
    """Add a client."""
    from clientnest_cli.services.users import add_client

    client = add_client(state(ctx), name, notes)
    output.emit_json(client_dict(client, 0)) if as_json else output.done(
        f"Added client {client.name}."
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List clients with their account counts."""
    from clientnest_cli.services.users import list_clients

    rows = [client_dict(c, n) for c, n in list_clients(state(ctx))]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Clients",
        ["name", "accounts", "notes"],
        [(r["name"], r["accounts"], r["notes"]) for r in rows],
    )


@app.command("show")
def show(ctx: typer.Context, name: str, as_json: bool = JSON) -> None:
    """Show one client."""
    from clientnest_cli.services.users import show_client

    data = client_dict(*show_client(state(ctx), name))
    output.emit_json(data) if as_json else output.fields(data)


@app.command("remove")
def remove(ctx: typer.Context, name: str) -> None:
    """Remove a client that has no accounts."""
    from clientnest_cli.services.users import remove_client

    remove_client(state(ctx), name)
    output.done(f"Removed client {name}.")
