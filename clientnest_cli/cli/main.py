"""Entry point: the root app, with every noun's commands loaded only when used.

`clientnest --help` lists the nouns from the table below without importing
their modules, so it costs little more than importing Typer; `clientnest post
…` imports only cli/posts.py.
"""

from __future__ import annotations

from clientnest_cli.cli import lazy, setup, startup
from clientnest_cli.cli.app import app

setup.register(app)

lazy.groups(
    app,
    [
        ("users", "users", "Team members, roles and tiers."),
        ("clients", "clients", "Brands or customers that accounts belong to."),
        ("accounts", "accounts", "Connect and manage social accounts."),
        ("platforms", "platforms", "The platforms ClientNest can post to."),
        ("post", "posts", "Compose, edit, schedule and review posts."),
        ("slots", "slots", "Posting slots that `post queue` fills."),
        ("calendar", "post_schedule:calendar", "Draw the posting calendar in the terminal."),
        ("publish", "publish", "Send due posts now (for cron and people)."),
        ("daemon", "daemon", "The background publisher and syncer."),
        ("metrics", "metrics", "Fetch how published posts are doing."),
        ("ai", "ai", "Write and improve posts with an OpenAI-compatible AI."),
        ("sandbox", "sandbox", "Local emulators of every platform, for trying things."),
        ("audit", "audit", "Who did what, when."),
        ("secrets", "secrets", "Where secrets live; bring daemon hosts into a shared store."),
        ("analytics", "analytics", "What works: overview, best times, growth, health, export."),
        ("policy", "policy", "The team's approval rules and tier limits."),
        ("tui", "tui:tui", "Open the terminal UI: dashboard, posts, editor, calendar."),
        ("report", "report", "Client reports: one self-contained HTML page, Markdown or PDF."),
        ("ab", "ab", "A/B tests: two to five variants of one message, compared fairly."),
    ],
)


def run() -> None:
    startup.trim()
    try:
        app(prog_name="clientnest")
    finally:
        startup.before_exit()
