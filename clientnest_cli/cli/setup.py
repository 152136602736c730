"""`init`, `doctor`, `config …` and `db …`: getting a store and checking it."""

from __future__ import annotations

from pathlib import Path

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state, stdin_is_terminal
from clientnest_cli.errors import BadInput

config_app = typer.Typer(help="Show where the config lives and what it says.", no_args_is_help=True)
db_app = typer.Typer(help="The store's schema, backups and grants.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("doctor")(doctor)
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")


def _ask(value: str | None, prompt: str, default: str | None = None) -> str:
    if value:
        return value
    if not stdin_is_terminal():
        raise BadInput(f"{prompt} is required", hint=f"pass --{prompt.split()[0].lower()}")
    return typer.prompt(prompt, default=default)


def init(
    ctx: typer.Context,
    email: str | None = typer.Option(None, "--email", help="The owner's email."),
    name: str | None = typer.Option(None, "--name", help="The owner's name."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA zone, e.g. Europe/Berlin."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create the store and its owner (prompts on a terminal; flags for scripts)."""
    from clientnest_cli.services.users import initialise

    app = state(ctx)
    email = _ask(email, "email")
    name = name if name is not None else (_ask(None, "name", "") if stdin_is_terminal() else "")
    timezone = timezone or (_ask(None, "timezone", _local_zone()) if stdin_is_terminal() else "UTC")
    owner = initialise(app, email=email, name=name, timezone=timezone)
    if as_json:
        output.emit_json({"store": app.database_url.split("@")[-1], "owner": owner.email})
    else:
        output.done(f"Store ready at {app.database_url.split('@')[-1]}; owner {owner.email}.")


def _local_zone() -> str:
    import os

    return os.environ.get("TZ") or "UTC"


def doctor(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Check config, store, keyring and folder permissions; exit 1 if any fails."""
    from clientnest_cli.services.doctor import run_checks

    checks = run_checks(state(ctx))
    if as_json:
        output.emit_json([c.__dict__ for c in checks])
    else:
        output.table(
            "clientnest doctor",
            ["check", "result", "detail"],
            [(c.name, "pass" if c.ok else "FAIL", c.detail) for c in checks],
        )
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@config_app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print the config file's path (it may not exist yet)."""
    app = state(ctx)
    output.done(str(app.config_path or app.paths.config_file))


@config_app.command("show")
def config_show(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Print the effective settings, secrets masked."""
    from clientnest_cli.config import masked

    data = masked(state(ctx).settings)
    if as_json:
        output.emit_json(data)
        return
    from clientnest_cli.cli.toml_text import to_toml

    output.done(to_toml(data))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate an existing store to this version's schema."""
    from clientnest_cli.services.maintenance import upgrade_store

    before, after = upgrade_store(state(ctx))
    output.done(f"Store schema {before} → {after}.")


@db_app.command("status")
def db_status(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Show the store's schema revision next to this version's."""
    from clientnest_cli.services.maintenance import schema_status

    data = schema_status(state(ctx))
    output.emit_json(data) if as_json else output.fields(data)


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the copy (0600)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
) -> None:
    """Copy the whole store to FILE (safe while the daemon runs)."""
    from clientnest_cli.services.backup import backup

    kind = backup(state(ctx), file, force)
    output.done(f"Backed up the store to {file} ({kind}).")


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A file `clientnest db backup` wrote."),
    force: bool = typer.Option(False, "--force", help="Replace a store that holds data."),
) -> None:
    """Restore the store from FILE (refuses to overwrite data without --force)."""
    from clientnest_cli.services.backup import restore

    where = restore(state(ctx), file, force)
    output.done(f"Restored {file} into the {where}.")


@db_app.command("roles")
def db_roles(
    ctx: typer.Context,
    apply: bool = typer.Option(False, "--apply", help="Run it (else print the SQL)."),
) -> None:
    """PostgreSQL group roles and grants that make the roles hold (owners)."""
    from clientnest_cli.services.team_roles import db_roles as db_roles_

    plan = db_roles_(state(ctx), apply)
    if not plan.applied:
        for statement in plan.statements:
            output.data(statement.rstrip(";") + ";\n")
        return
    output.done(
        f"Applied group roles and grants; {len(plan.members)} login(s) in their role's group."
    )
