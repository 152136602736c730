"""Every screen driven with Pilot: what it shows, and what it writes to the store."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import DataTable, Input, SelectionList, Static, TextArea

from tests.helpers import ok
from tests.tui.conftest import settle

pytestmark = pytest.mark.asyncio
SIZE = (160, 45)


def create(*args: str) -> list[dict]:
    return ok("post", "create", *args, "--json").json()


def stored(post_id: int) -> dict:
    return ok("post", "show", str(post_id), "--json").json()


def table_ids(screen, table_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    table = screen.query_one(table_id, DataTable)
    return [str(key.value) for key in table.rows]


def text_of(widget) -> str:  # type: ignore[no-untyped-def]
    rendered = widget.render()
    return getattr(rendered, "plain", str(rendered))


async def test_dashboard_cards_and_next_due_match_the_store(make_app):
    first = create("Launch day", "--to", "x:acme", "--at", "2030-01-08 09:00")[0]
    create("A draft", "--to", "bluesky:acme.bsky.social")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cards = {card.id: card.value for card in app.screen.query("Card")}
        assert cards["card-scheduled"] == "1"
        assert cards["card-failed"] == "0"
        assert cards["card-ai"] == "20,000 of 20,000"
        assert table_ids(app.screen, "#next-due") == [str(first["id"])]


async def test_posts_table_filters_by_search_and_status_and_pages(make_app, monkeypatch):
    from clientnest_cli.tui.screens import posts as posts_screen

    ids = [create(f"Post number {n} about tea", "--to", "x:acme")[0]["id"] for n in range(3)]
    coffee = create("All about coffee", "--to", "x:acme", "--at", "2030-01-09 10:00")[0]["id"]
    monkeypatch.setattr(posts_screen, "PAGE", 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        assert table_ids(app.screen, "#posts") == [str(coffee), str(ids[2])]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert table_ids(app.screen, "#posts") == [str(ids[1]), str(ids[0])]
        app.screen.query_one("#search", Input).value = "coffee"
        await settle(pilot)
        assert table_ids(app.screen, "#posts") == [str(coffee)]
        app.screen.query_one("#search", Input).value = ""
        app.screen.query_one("#status").value = "draft"
        await settle(pilot)
        assert table_ids(app.screen, "#posts") == [str(ids[2]), str(ids[1])]


async def test_post_detail_shows_each_target_state(make_app):
    post = create("Detail me", "--to", "x:acme", "--at", "2030-01-08 09:00")[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#posts", DataTable).focus()
        await pilot.press("down", "up")
        await settle(pilot)
        detail = text_of(app.screen.query_one("#detail", Static))
        assert f"#{post['id']} on x:acme" in detail
        assert "scheduled" in detail and "Detail me" in detail


async def _compose(pilot, app, text: str, targets: list[str], at: str = "") -> None:  # type: ignore[no-untyped-def]
    await pilot.press("e")
    await settle(pilot)
    app.screen.query_one("#text", TextArea).text = text
    picker = app.screen.query_one("#targets", SelectionList)
    for target in targets:
        picker.select(target)
    app.screen.query_one("#at", Input).value = at
    await settle(pilot)


async def test_editor_counts_live_and_shows_the_rules_broken(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _compose(pilot, app, "x" * 290, ["x:acme", "bluesky:acme.bsky.social"])
        counts = text_of(app.screen.query_one("#counts", Static))
        checks = text_of(app.screen.query_one("#checks", Static))
        assert "x:acme: 290/280 weighted characters" in counts
        assert "bluesky:acme.bsky.social: 290/300 graphemes" in counts
        assert "x:acme" in checks and "✗" in checks
        app.screen.query_one("#text", TextArea).text = "Short and sweet"
        await settle(pilot)
        assert "✓ fits every target" in text_of(app.screen.query_one("#checks", Static))


async def test_editor_shows_the_time_in_local_and_utc_and_refuses_words_it_cannot_read(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _compose(pilot, app, "Hello", ["x:acme"], at="2030-01-08 09:00")
        when = text_of(app.screen.query_one("#when", Static))
        assert "09:00 Europe/Berlin (2030-01-08 08:00 UTC)" in when
        app.screen.query_one("#at", Input).value = "the day after never"
        await settle(pilot)
        assert "Error" not in text_of(app.screen.query_one("#checks", Static))
        assert text_of(app.screen.query_one("#checks", Static)).strip()


async def test_a_post_scheduled_in_the_editor_equals_one_from_post_create(make_app):
    from_cli = create(
        "Same text #tea", "--to", "x:acme", "--at", "2030-01-08 09:00", "--category", "news"
    )[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _compose(pilot, app, "Same text #tea", ["x:acme"], at="2030-01-08 09:00")
        app.screen.query_one("#category", Input).value = "news"
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
    listed = ok("post", "list", "--json").json()
    assert len(listed) == 2
    from_tui = next(p for p in listed if p["id"] != from_cli["id"])
    a, b = stored(from_cli["id"]), stored(from_tui["id"])
    different = {"id", "group_id", "idempotency_key", "created_at", "updated_at", "siblings"}
    assert {k: v for k, v in a.items() if k not in different} == {
        k: v for k, v in b.items() if k not in different
    }


async def test_submit_and_approve_through_the_screens(make_app):
    ok("policy", "set", "approval.editors", "true")
    ok("users", "add", "ed@acme.test", "--role", "editor")
    editor = make_app(acting="ed@acme.test")
    async with editor.run_test(size=SIZE) as pilot:
        await _compose(pilot, editor, "Needs a look", ["x:acme"], at="2030-01-08 09:00")
        await pilot.press("ctrl+r")
        await settle(pilot)
    post_id = ok("post", "list", "--json").json()[0]["id"]
    assert stored(post_id)["approval_status"] == "pending"
    owner = make_app()
    async with owner.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
    assert stored(post_id)["approval_status"] == "approved"


async def test_calendar_moves_a_post_with_the_keyboard(make_app):
    post = create("Move me", "--to", "x:acme", "--at", "2030-01-08 09:00")[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one("#calendar", DataTable)
        table.focus()
        table.cursor_coordinate = table.cursor_coordinate._replace(row=0, column=1)  # Tuesday
        await pilot.press("greater_than_sign")
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert table.get_cell_at(table.cursor_coordinate._replace(column=2)).plain.startswith(
            "10:00"
        )
    moved = datetime.fromisoformat(stored(post["id"])["scheduled_at"])
    assert moved.isoformat().startswith("2030-01-09T09:00")  # 10:00 Berlin = 09:00 UTC


async def test_calendar_shows_free_posting_slots_beside_posts(make_app):
    ok("slots", "add", "x:acme", "--days", "mon,tue", "--times", "09:00,13:00")
    post = create("In a slot", "--to", "x:acme", "--at", "2030-01-08 09:00")[0]  # Tuesday
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one("#calendar", DataTable)

        def column(index: int) -> list[str]:
            return [table.get_cell_at((row, index)).plain for row in range(table.row_count)]

        monday, tuesday, wednesday = column(0), column(1), column(2)
        assert monday[:2] == ["· 09:00 x:acme", "· 13:00 x:acme"]
        assert tuesday[0].startswith(f"09:00 #{post['id']}")  # the 09:00 slot is taken
        assert tuesday[1] == "· 13:00 x:acme"
        assert not any(wednesday)


async def test_hostile_text_is_shown_as_text(make_app):
    create(
        "[link=https://evil.example]Verify[/link] \x1b]0;OWNED\x07 items[/2] [/quote]",
        "--to",
        "x:acme",
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        table = app.screen.query_one("#posts", DataTable)
        shown = table.get_row_at(0)[-1].plain
        assert "[link=https://evil.example]Verify[/link]" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert "evil.example" not in str(table.get_row_at(0)[-1].spans)


async def test_errors_arrive_as_one_line_notices(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _compose(pilot, app, "Hello", ["x:acme"], at="2001-01-01 09:00")
        await pilot.press("ctrl+t")
        await settle(pilot)
        notices = [n.message for n in app._notifications]
        assert any(m.startswith("2001-01-01") or "past" in m for m in notices), notices
        assert all("Traceback" not in m and "\n" not in m for m in notices)
    assert ok("post", "list", "--json").json() == []


async def test_accounts_screen_lists_accounts_and_the_connect_command(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        assert len(table_ids(app.screen, "#accounts")) == 3
        assert "accounts connect" in text_of(app.screen.query_one("#connect-hint", Static))


async def test_help_and_theme_toggle(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "t")
        await pilot.pause()
        assert app.theme == "textual-light"


async def test_tui_without_a_store_says_what_to_run(home):
    from tests.helpers import cli

    run = cli("tui")
    assert run.exit_code == 2, (run.exit_code, run.stderr)
    assert run.stderr.startswith("Error: ") and "clientnest init" in run.stderr
    assert "Traceback" not in run.stderr
