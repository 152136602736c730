"""Entry point: the root app with every noun's commands attached."""

from __future__ import annotations

from clientnest_cli.cli import audit, clients, setup, users
from clientnest_cli.cli.app import app

setup.register(app)
app.add_typer(users.app, name="users", help="Team members, roles and tiers.")
app.add_typer(clients.app, name="clients", help="Brands or customers that accounts belong to.")
app.add_typer(audit.app, name="audit", help="Who did what, when.")


def run() -> None:
    app(prog_name="clientnest")
