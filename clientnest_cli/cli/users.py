"""`clientnest users …`: team members, roles and tiers."""

from __future__ import annotations

from pathlib import Path

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def user_dict(user) -> dict:  # type: ignore[no-untyped-def]
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "tier": user.tier,
        "timezone": user.timezone,
        "ai_tokens_used": user.ai_tokens_used,
        "ai_tokens_limit": user.ai_tokens_limit,
        "db_role": user.db_role,
        "created_at": user.created_at,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Their email (unique)."),
    name: str = typer.Option("", "--name"),
    role: str = typer.Option("editor", "--role", help="owner, admin, editor or viewer."),
    tier: str = typer.Option(
        "free", "--tier", help="free, starter, professional, business, enterprise."
    ),
    timezone: str = typer.Option("UTC", "--timezone"),
    db_role: str = typer.Option(
        "", "--db-role", metavar="LOGIN", help="Their PostgreSQL login (team mode)."
    ),
    as_json: bool = JSON,
) -> None:
    """Add a team member."""
    from clientnest_cli.services.users import add_user

    user = add_user(
        state(ctx),
        email=email,
        name=name,
        role=role,
        tier=tier,
        timezone=timezone,
        db_role=db_role,
    )
    output.emit_json(user_dict(user)) if as_json else output.done(
        f"Added {user.email} ({user.role})."
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON) -> None:
    """List team members."""
    from clientnest_cli.services.audit import list_users

    users = [user_dict(u) for u in list_users(state(ctx))]
    if as_json:
        output.emit_json(users)
        return
    output.table(
        "Users",
        ["email", "name", "role", "tier", "timezone"],
        [(u["email"], u["name"], u["role"], u["tier"], u["timezone"]) for u in users],
    )


@app.command("show")
def show(ctx: typer.Context, email: str, as_json: bool = JSON) -> None:
    """Show one team member."""
    from clientnest_cli.services.users import show_user

    data = user_dict(show_user(state(ctx), email))
    output.emit_json(data) if as_json else output.fields(data)


@app.command("set-role")
def set_role(ctx: typer.Context, email: str, role: str) -> None:
    """Change someone's role (admins; owners for owner changes)."""
    from clientnest_cli.services.users import set_role as set_role_

    user = set_role_(state(ctx), email, role)
    output.done(f"{user.email} is now {user.role}.")


@app.command("set-tier")
def set_tier(ctx: typer.Context, email: str, tier: str) -> None:
    """Change someone's subscription tier (and so their limits)."""
    from clientnest_cli.services.users import set_tier as set_tier_

    user = set_tier_(state(ctx), email, tier)
    output.done(f"{user.email} is now on {user.tier} ({user.ai_tokens_limit} AI tokens a month).")


@app.command("set-db-role")
def set_db_role(ctx: typer.Context, email: str, login: str) -> None:
    """Map a PostgreSQL login to a team member ("" unmaps); admins."""
    from clientnest_cli.services.users import set_db_role as set_db_role_

    user = set_db_role_(state(ctx), email, login)
    output.done(f"{user.email} now connects as '{user.db_role}'." if user.db_role else "Unmapped.")


REASSIGN = typer.Option(
    None, "--reassign-to", metavar="EMAIL", help="Give their posts and accounts to this user."
)


def _report(report: dict, as_json: bool, verb: str, email: str) -> None:
    if as_json:
        output.emit_json(report)
        return
    output.done(f"{verb} {email}; audit entries now name {report['pseudonym']}.")
    output.fields({k: v for k, v in report.items() if k != "pseudonym"})


@app.command("remove")
def remove(
    ctx: typer.Context, email: str, reassign_to: str | None = REASSIGN, as_json: bool = JSON
) -> None:
    """Remove a team member (never the last owner): `erase` without the export."""
    from clientnest_cli.services.users import remove_user

    _report(remove_user(state(ctx), email, reassign_to), as_json, "Removed", email)


@app.command("export")
def export(
    ctx: typer.Context,
    email: str,
    file: Path | None = typer.Argument(
        None, help="The JSON file to write (0600, must not exist); default EMAIL.json."
    ),
) -> None:
    """Write everything held about a person to one JSON file."""
    from clientnest_cli.services.data_rights import export_user

    file = file or Path(f"{email.strip().lower()}.json")
    counts = export_user(state(ctx), email, file)
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    output.done(f"Wrote {file}: {summary}.")


@app.command("erase")
def erase(
    ctx: typer.Context, email: str, reassign_to: str | None = REASSIGN, as_json: bool = JSON
) -> None:
    """Erase a person's personal data; what they authored is reassigned or anonymised."""
    from clientnest_cli.services.data_rights import erase_user

    _report(erase_user(state(ctx), email, reassign_to), as_json, "Erased", email)
