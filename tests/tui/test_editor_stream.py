"""The editor's AI answers stream in: the text grows while the emulator streams, and
ends as the same text, with the same tokens billed, as the call made without streaming."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from clientnest_cli.tui.screens.editor_ai import AIStreamed, EditorAI
from tests.tui.conftest import settle
from tests.tui.test_editor_ai import SIZE, open_editor, text_of

pytest_plugins = ["tests.cli.ai_fixtures"]
pytestmark = pytest.mark.asyncio
HOSTILE = (
    "Fresh [bold red]beans[/] \x1b[2J\x1b]0;OWNED\x07 today [link=https://evil.example]now[/link]"
)


@pytest.fixture
def streamed(monkeypatch) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(what, the message's text, the field's value after showing it), in order."""
    seen: list[tuple[str, str, str]] = []
    handler = EditorAI.on_aistreamed

    def spy(self: Any, event: AIStreamed) -> None:
        handler(self, event)
        if event.call is not self._ai_call:
            return  # a preview arriving after its call ended is not shown
        field = "#hashtags" if event.what == "hashtags" else "#text"
        widget = self.query_one(field)
        seen.append((event.what, event.text, widget.value if field == "#hashtags" else widget.text))

    monkeypatch.setattr(EditorAI, "on_aistreamed", spy)
    return seen


def billed() -> list[tuple[str, int, int]]:
    from sqlmodel import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import AIRequestLog

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            rows = session.exec(select(AIRequestLog).order_by(AIRequestLog.id)).all()
            return [(r.outcome, r.prompt_tokens, r.completion_tokens) for r in rows]
    finally:
        ctx.close()


async def write_about(pilot, app, topic: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+g")
    await settle(pilot)
    app.screen.query_one("#topic", Input).value = topic
    await pilot.press("enter")
    await settle(pilot)


async def test_generate_grows_in_the_editor_and_ends_as_the_unstreamed_call(
    make_app, ai_env, streamed
):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app)
        await write_about(pilot, app, "our autumn latte")
        final = app.screen.query_one("#text", TextArea).text
        budget = text_of(app.screen.query_one("#ai-budget"))
    shown = [value for what, _text, value in streamed if what == "generate"]
    assert len(shown) > 3
    assert all(len(a) < len(b) and b.startswith(a) for a, b in pairwise(shown))
    assert shown[-1].strip() == final and "autumn latte" in final
    assert ai_env.snapshot()["requests"][0]["stream"] is True

    from clientnest_cli.services.ai_content import GenerateRequest, generate
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    try:
        whole = generate(ctx, GenerateRequest(topic="our autumn latte", targets=["x:acme"]))
    finally:
        ctx.close()
    assert whole.variants[0].text == final
    assert ai_env.snapshot()["requests"][1]["stream"] is False
    (outcome, prompt, output), unstreamed = billed()
    assert outcome == "ok" and unstreamed == (outcome, prompt, output)
    assert f"{20_000 - prompt - output:,} of 20,000 tokens left" in budget


async def test_optimise_and_hashtags_stream_their_field_not_json(make_app, ai_env, streamed):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "We have a new espresso blend. Try it.")
        await pilot.press("ctrl+o")
        await settle(pilot)
        text = app.screen.query_one("#text", TextArea).text
        await pilot.press("ctrl+b")
        await settle(pilot)
        tags = app.screen.query_one("#hashtags", Input).value
    optimised = [value for what, _t, value in streamed if what == "optimize"]
    hashtags = [value for what, _t, value in streamed if what == "hashtags"]
    assert len(optimised) > 3 and optimised[-1] == text
    assert all(b.startswith(a) for a, b in pairwise(optimised))
    assert not any(v.lstrip().startswith("{") for v in optimised)
    assert len(hashtags) > 1 and "#" not in hashtags[-1] and tags
    assert all(r["stream"] for r in ai_env.snapshot()["requests"])


async def test_hostile_streamed_text_is_cleaned_and_never_markup(make_app, ai_env, streamed):
    ai_env.ai_faults["reply"] = HOSTILE
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app)
        await write_about(pilot, app, "beans")
        final = app.screen.query_one("#text", TextArea).text
    assert len(streamed) > 3
    for _what, _text, value in streamed:
        assert "\x1b" not in value and "\x07" not in value
    assert "[bold red]beans[/]" in final and "[link=https://evil.example]now[/link]" in final
    assert "\x1b" not in final and "OWNED" not in final  # the whole escape sequence goes


async def test_a_stream_cut_midway_puts_the_text_back_and_bills_nothing(make_app, ai_env, streamed):
    ai_env.faults.drop_after_write = 1.0
    original = "We have a new espresso blend. Try it."
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, original)
        await pilot.press("ctrl+o")
        await settle(pilot)
        text = app.screen.query_one("#text", TextArea).text
        budget = text_of(app.screen.query_one("#ai-budget"))
        notices = [str(n.message) for n in app._notifications]
    assert streamed  # some of it was shown while it came in
    assert text == original
    assert any("the AI reply stream broke off" in n for n in notices)
    assert "20,000 of 20,000 tokens left" in budget
    assert [outcome for outcome, *_ in billed()] == ["failed:retryable"]
