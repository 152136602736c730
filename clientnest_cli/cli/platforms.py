"""`clientnest platforms list`: every target with its capabilities and limits."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every platform adapter that is installed (built-ins and plugins)."""
    from clientnest_cli.services.platforms import describe_platforms

    rows = describe_platforms()
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Platforms",
        ["platform", "name", "limit", "media", "threads", "duplicate guard", "auth", "metrics"],
        [
            (
                r["platform"],
                r["name"],
                r["limit"],
                f"{r['max_media']} ({'required' if r['media_required'] else 'optional'})",
                "yes" if r["threads"] else "no",
                r["idempotency"],
                r["auth"],
                f"batch {r['metrics_batch']}" if r["metrics"] else "no",
            )
            for r in rows
        ],
    )
