"""`clientnest audit list`: who did what, when."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)


def _details(details: dict) -> str:  # type: ignore[type-arg]
    """JSON, as `--json` and scripts see it (not a Python dict's repr)."""
    import json

    return json.dumps(details, ensure_ascii=False, default=str) if details else ""


@app.command("list")
def list_(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="ISO date/time or e.g. '2 days ago'."),
    user: str | None = typer.Option(None, "--user", help="Only this actor's events."),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List audit events, newest first."""
    from clientnest_cli.services.audit import list_events

    events = list_events(state(ctx), since=since, actor=user, limit=limit)
    rows = [
        {
            "at": e.created_at,
            "actor": e.actor,
            "action": e.action,
            "object": f"{e.object_type}:{e.object_id}" if e.object_type else "",
            "details": e.details,
        }
        for e in events
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Audit log",
        ["at", "actor", "action", "object", "details"],
        [(r["at"], r["actor"], r["action"], r["object"], _details(r["details"])) for r in rows],
    )
