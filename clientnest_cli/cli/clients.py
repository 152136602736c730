"""`clientnest clients …`: the brands or customers accounts belong to."""

from __future__ import annotations

from pathlib import Path

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


@app.command("export")
def export(
    ctx: typer.Context,
    name: str,
    file: Path | None = typer.Argument(
        None, help="The JSON file to write (0600, must not exist); default NAME.json."
    ),
) -> None:
    """Write everything held for a client (accounts, posts, media, metrics, comments)."""
    from clientnest_cli.services.client_data import export_client

    file = file or Path(f"{name.strip()}.json")
    counts = export_client(state(ctx), name, file)
    output.done(f"Wrote {file}: {counts['accounts']} account(s), {counts['posts']} post(s).")


@app.command("erase")
def erase(ctx: typer.Context, name: str, as_json: bool = JSON) -> None:
    """Delete a departing client with its accounts, posts, media, metrics and comments."""
    from clientnest_cli.services.client_data import erase_client

    report = erase_client(state(ctx), name)
    if as_json:
        output.emit_json(report)
        return
    output.done(f"Erased client {name}.")
    output.fields(report)
