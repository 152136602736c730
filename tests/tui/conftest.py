"""The TUI against a real SQLite store in a throwaway home, driven by Textual's Pilot."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest

from tests.helpers import init_store, seed_account

WEEK = date(2030, 1, 7)  # a Monday far enough ahead that nothing in it is "past"


@pytest.fixture
def accounts(home) -> dict[str, int]:  # type: ignore[no-untyped-def]
    init_store(tz="Europe/Berlin")
    return {
        "x": seed_account("x", "acme"),
        "bluesky": seed_account("bluesky", "acme.bsky.social"),
        "feed": seed_account("feed", "acme-feed.xml"),
    }


@pytest.fixture
def make_app(accounts):  # type: ignore[no-untyped-def]
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.tui.app import ClientNestApp

    contexts = []

    def make(theme: str = "textual-dark", acting: str | None = None) -> ClientNestApp:
        ctx = AppContext(acting_email=acting)
        contexts.append(ctx)
        return ClientNestApp(ctx, theme=theme, poll_seconds=0, today=WEEK)

    yield make
    for ctx in contexts:
        ctx.close()


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker has finished and the screen has caught up."""
    from textual.worker import WorkerCancelled

    for _ in range(20):
        # an exclusive worker replaced by a newer one is cancelled: just wait again
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            return
