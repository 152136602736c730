"""The editor's predicted engagement: what `analytics predict --text … --to …` says,
updated as the draft changes; without a model, what to run."""

from __future__ import annotations

import pytest
from textual.widgets import Input, SelectionList, Static, TextArea

from clientnest_cli.sandbox.insight_history import InsightSpec
from tests.helpers import ok
from tests.tui.conftest import settle
from tests.tui.test_screens import text_of

pytestmark = pytest.mark.asyncio
SIZE = (160, 45)
AT = "2026-11-02T18:10"


def train_small_model(account_id: int) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.insight_seed import seed_insight

    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            seed_insight(
                conn,
                account_id,
                InsightSpec(seed=1, posts=200, timezone="Europe/Berlin", noise=0.05),
            )
    finally:
        ctx.close()
    ok("analytics", "model", "train", "--account", "x:acme")


async def draft(pilot, app, text: str, at: str = AT) -> str:  # type: ignore[no-untyped-def]
    app.screen.query_one("#text", TextArea).text = text
    app.screen.query_one("#at", Input).value = at
    await settle(pilot)
    return text_of(app.screen.query_one("#prediction", Static))


async def test_without_a_model_the_editor_says_what_to_run(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#targets", SelectionList).select("x:acme")
        shown = await draft(pilot, app, "New roast today")
    assert "no engagement model yet" in shown
    assert "clientnest analytics model train --all" in shown


async def test_with_a_model_the_prediction_follows_the_draft(make_app, accounts):
    train_small_model(accounts["x"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await settle(pilot)
        assert "pick a target" in await draft(pilot, app, "New roast today")
        app.screen.query_one("#targets", SelectionList).select("x:acme")
        shown = await draft(pilot, app, "New roast today")
        later = await draft(pilot, app, "New roast today", at="2026-11-03T06:10")
        bad_time = await draft(pilot, app, "New roast today", at="someday soon")
    expected = ok(
        "analytics", "predict", "--text", "New roast today", "--to", "x:acme", "--at", AT,
        "--json",
    ).json()[0]  # fmt: skip
    low, high = f"{expected['low']:,.0f}", f"{expected['high']:,.0f}"
    assert f"x:acme: ~{expected['expected']:,.0f} (80%: {low}–{high})" in shown
    assert "typical" in shown and "by model" in shown
    assert later != shown and "x:acme: ~" in later  # the time changed: so did the prediction
    assert "someday soon" in bad_time and "x:acme: ~" not in bad_time
