"""Snapshot tests: the dashboard, editor, calendar and analytics screens in both themes.

Textual renders each screen to SVG; the test compares it with the file kept under
tests/tui/snapshots/ (the random class prefix normalised away). After a deliberate
change of the UI, rewrite them with `CLIENTNEST_TEST_UPDATE_SNAPSHOTS=1 pytest tests/tui`
and look at the new SVGs before committing them. (pytest-textual-snapshot would do
the same, but it pins a syrupy that needs pytest < 9: see ENVIRONMENT.md.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from textual.widgets import Input, SelectionList, TextArea

from tests.helpers import ok
from tests.tui.conftest import settle

pytestmark = pytest.mark.asyncio
SNAPSHOTS = Path(__file__).parent / "snapshots"
ARTEFACTS = Path(__file__).parents[2] / "test-artefacts" / "tui"  # kept for a look on failure
SIZE = (140, 40)


def normalised(svg: str) -> str:
    return re.sub(r"terminal-\d+-", "terminal-", svg)


def check(name: str, svg: str, tmp_path: Path) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("CLIENTNEST_TEST_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(normalised(svg), encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}: run with CLIENTNEST_TEST_UPDATE_SNAPSHOTS=1"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    actual = ARTEFACTS / f"{name}.actual.svg"
    actual.write_text(normalised(svg), encoding="utf-8")
    assert normalised(svg) == path.read_text(encoding="utf-8"), f"differs; see {actual}"


def seed() -> None:
    ok(
        "post",
        "create",
        "Launch day ☕ — our autumn latte",
        "--to",
        "x:acme",
        "--to",
        "bluesky:acme.bsky.social",
        "--at",
        "2030-01-08 09:00",
        "--json",
    )
    ok(
        "post",
        "create",
        "Weekend roast notes",
        "--to",
        "feed:acme-feed.xml",
        "--at",
        "2030-01-11 17:30",
        "--json",
    )


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("screen", ["dashboard", "editor", "calendar", "analytics"])
async def test_screen_snapshot(make_app, tmp_path, screen, theme):
    seed()
    app = make_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await app.switch_mode(screen)
        await settle(pilot)
        if screen == "editor":
            app.screen.query_one("#text", TextArea).text = "Our autumn latte is back ☕"
            app.screen.query_one("#targets", SelectionList).select("x:acme")
            app.screen.query_one("#at", Input).value = "2030-01-08 09:00"
            await settle(pilot)
        app.screen.set_focus(None)  # a blinking cursor is half the time invisible
        await settle(pilot)
        check(f"{screen}-{theme.split('-')[1]}", app.export_screenshot(), tmp_path)
