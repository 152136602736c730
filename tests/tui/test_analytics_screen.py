"""The analytics screen draws the same figures as `analytics overview --json`."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from clientnest_cli.sandbox.history import spec_for
from tests.analytics.conftest import seed_store
from tests.helpers import ok
from tests.tui.conftest import settle

pytestmark = pytest.mark.asyncio


async def test_overview_rows_match_the_cli_and_best_times_draws_a_map(home, make_app):
    seed_store({"x:planted": spec_for(11, 300, "x", timezone="Europe/Berlin")})
    cli = ok("analytics", "overview", "--period", "365d", "--json").json()
    wanted = next(a for a in cli["accounts"] if a["account"] == "x:planted")
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("w", "w")  # 30d → 90d → 365d
        await settle(pilot)
        table = app.screen.query_one("#overview", DataTable)
        row = table.get_row("x:planted")
        assert row[1] == f"{wanted['posts']:,}"
        assert row[4] == f"{wanted['interactions']:,}"
        await pilot.press("enter")
        await settle(pilot)
        drawn = app.screen.query_one("#best-times", Static).render()
        text = getattr(drawn, "plain", str(drawn))
        assert "x:planted (Europe/Berlin)" in text and "best: " in text


async def test_an_empty_store_says_what_to_run(make_app):
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.query_one("#analytics-help", Static).display
