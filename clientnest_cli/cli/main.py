"""Entry point: the root app with every noun's commands attached."""

from __future__ import annotations

from clientnest_cli.cli import (
    accounts,
    ai,
    audit,
    clients,
    daemon,
    metrics,
    platforms,
    posts,
    publish,
    sandbox,
    setup,
    slots,
    users,
)
from clientnest_cli.cli.app import app

setup.register(app)
app.add_typer(users.app, name="users", help="Team members, roles and tiers.")
app.add_typer(clients.app, name="clients", help="Brands or customers that accounts belong to.")
app.add_typer(accounts.app, name="accounts", help="Connect and manage social accounts.")
app.add_typer(platforms.app, name="platforms", help="The platforms ClientNest can post to.")
app.add_typer(posts.app, name="post", help="Compose, edit, schedule and review posts.")
app.add_typer(slots.app, name="slots", help="Posting slots that `post queue` fills.")
app.add_typer(publish.app, name="publish", help="Send due posts now (for cron and people).")
app.add_typer(daemon.app, name="daemon", help="The background publisher and syncer.")
app.add_typer(metrics.app, name="metrics", help="Fetch how published posts are doing.")
app.add_typer(ai.app, name="ai", help="Write and improve posts with an OpenAI-compatible AI.")
app.add_typer(sandbox.app, name="sandbox", help="Local emulators of every platform, for trying things.")
app.add_typer(audit.app, name="audit", help="Who did what, when.")


def run() -> None:
    app(prog_name="clientnest")
