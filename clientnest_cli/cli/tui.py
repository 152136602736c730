"""`clientnest tui`: the Textual app (textual is imported only here, on use)."""

from __future__ import annotations

import typer

from clientnest_cli.cli.app import state


def tui(
    ctx: typer.Context,
    light: bool = typer.Option(False, "--light", help="Start with the light theme."),
) -> None:
    """Open the terminal UI: dashboard, posts, editor, calendar, analytics, accounts."""
    from clientnest_cli.tui.app import run

    app_ctx = state(ctx)
    with app_ctx.store.session(readonly=True) as session:
        app_ctx.actor(session)  # a missing store or user fails here, as one line
    run(app_ctx, theme="textual-light" if light else "textual-dark")
