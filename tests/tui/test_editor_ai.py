"""The editor's AI keys against the AI emulator: the answer fills the editor, the budget drops."""

from __future__ import annotations

import pytest
from textual.widgets import Input, SelectionList, Static, TextArea

from clientnest_cli.domain.rules import fits_length
from tests.tui.conftest import settle

pytest_plugins = ["tests.cli.ai_fixtures"]
pytestmark = pytest.mark.asyncio
SIZE = (160, 45)


def text_of(widget) -> str:  # type: ignore[no-untyped-def]
    rendered = widget.render()
    return getattr(rendered, "plain", str(rendered))


async def open_editor(pilot, app, text: str = "", targets: tuple[str, ...] = ("x:acme",)):  # type: ignore[no-untyped-def]
    await pilot.press("e")
    await settle(pilot)
    app.screen.query_one("#text", TextArea).text = text
    for target in targets:
        app.screen.query_one("#targets", SelectionList).select(target)
    await settle(pilot)


async def test_generate_fills_the_editor_and_the_budget_drops(make_app, ai_env):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app)
        assert "20,000 of 20,000 tokens left" in text_of(app.screen.query_one("#ai-budget"))
        await pilot.press("ctrl+g")
        await settle(pilot)
        app.screen.query_one("#topic", Input).value = "our autumn latte"
        await pilot.press("enter")
        await settle(pilot)
        text = app.screen.query_one("#text", TextArea).text
        assert text and fits_length("x", text)
        request = ai_env.snapshot()["requests"][0]
        assert "our autumn latte" in request["messages"][1]["content"]
        budget = text_of(app.screen.query_one("#ai-budget"))
        assert "tokens left" in budget and "20,000 of 20,000" not in budget


async def test_optimise_and_hashtags_fill_the_text_and_the_hashtag_field(make_app, ai_env):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "We have a new espresso blend. Try it.")
        await pilot.press("ctrl+o")
        await settle(pilot)
        text = app.screen.query_one("#text", TextArea).text
        assert text and text != "We have a new espresso blend. Try it." and fits_length("x", text)
        await pilot.press("ctrl+b")
        await settle(pilot)
        tags = app.screen.query_one("#hashtags", Input).value
        assert tags and "#" not in tags
        kinds = [r["messages"][0]["content"] for r in ai_env.snapshot()["requests"]]
        assert len(kinds) == 2
        checks = text_of(app.screen.query_one("#checks", Static))
        assert "✓ fits every target" in checks


async def test_optimise_needs_text_and_a_target(make_app, ai_env):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "", targets=())
        await pilot.press("ctrl+o")
        await settle(pilot)
        await open_editor(pilot, app, "Some text", targets=())
        await pilot.press("ctrl+o")
        await settle(pilot)
        notices = [str(n.message) for n in app._notifications]
        assert any("the text is empty" in n for n in notices)
        assert any("pick a target first" in n for n in notices)
        assert ai_env.snapshot()["requests"] == []
