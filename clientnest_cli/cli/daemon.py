"""`clientnest daemon …`: run the background publisher, see it, install it."""

from __future__ import annotations

import shutil
import sys
from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    daemon_id: str | None = typer.Option(
        None, "--id", help="Name this daemon (default host:pid:random)."
    ),
) -> None:
    """Publish due posts on time, retry, reconcile, refresh tokens and sync metrics.

    Stops cleanly on SIGTERM or Ctrl-C: posts being sent finish, claimed ones are released.
    """
    from clientnest_cli.scheduler.daemon import run_daemon

    app_ctx = state(ctx)
    app_ctx.store  # noqa: B018 - refuse early, with the usual message, when there is no store
    run_daemon(app_ctx, daemon_id)


@app.command("status")
def status(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Daemons seen recently, their last tick, and the backlog of due posts."""
    from clientnest_cli.services.daemons import status as status_

    data = status_(state(ctx))
    if as_json:
        output.emit_json(data)
        return
    from clientnest_cli.domain.clock import to_local

    tz = data["timezone"]

    def local(value: Any) -> str:  # the user's zone, as everywhere else
        return f"{to_local(value, tz):%Y-%m-%d %H:%M %Z}" if value else "—"

    output.table(
        f"Daemons (times in {tz})",
        ["daemon", "host", "pid", "state", "last tick (s ago)", "started"],
        [
            (d["daemon"], d["host"], d["pid"], d["state"], d["seconds_since_tick"],
             local(d["started_at"]))
            for d in data["daemons"]
        ],
    )  # fmt: skip
    output.done(
        f"Backlog: {data['backlog']} post(s) due now; next due at {local(data['next_due_at'])}."
    )


@app.command("install")
def install(
    systemd: bool = typer.Option(False, "--systemd", help="Print a systemd user unit."),
    cron: bool = typer.Option(
        False, "--cron", help="Print a crontab line (publish due every minute)."
    ),
) -> None:
    """Print a systemd unit or a crontab line to keep ClientNest publishing."""
    from clientnest_cli.errors import BadInput

    if systemd == cron:
        raise BadInput("choose one of --systemd or --cron")
    exe = shutil.which("clientnest") or f"{sys.executable} -m clientnest_cli"
    if cron:
        output.done(f"* * * * * {exe} publish due >/dev/null 2>&1")
        return
    output.done(
        "\n".join(
            [
                "# ~/.config/systemd/user/clientnest.service",
                "# then: systemctl --user daemon-reload && systemctl --user enable --now clientnest",
                "[Unit]",
                "Description=ClientNest publisher",
                "After=network-online.target",
                "",
                "[Service]",
                f"ExecStart={exe} daemon run",
                "Restart=on-failure",
                "RestartSec=5",
                "KillSignal=SIGTERM",
                "TimeoutStopSec=60",
                "",
                "[Install]",
                "WantedBy=default.target",
            ]
        )
    )
