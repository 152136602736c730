"""The inbox: comments newest first with sentiment, AI replies, one sent to the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, OptionList, Static

from tests.cli.ai_helpers import add_rows, rows
from tests.helpers import seed_account
from tests.tui.conftest import settle

pytest_plugins = ["tests.cli.ai_fixtures"]
pytestmark = pytest.mark.asyncio
SIZE = (160, 45)


def published_mastodon_post(sandbox: Any) -> tuple[int, str]:
    """A Mastodon account with its token stored, and a post published on the emulator."""
    import httpx

    from clientnest_cli.domain.outgoing import Credentials
    from clientnest_cli.services import credentials
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, SocialAccount

    seeded = sandbox.emulator("mastodon").seed_account("acme")
    base = sandbox.base_url("mastodon")
    headers = {"Authorization": f"Bearer {seeded['access_token']}"}
    status = httpx.post(f"{base}/api/v1/statuses", data={"status": "New blend!"}, headers=headers)
    status.raise_for_status()
    status_id = status.json()["id"]
    account_id = seed_account("mastodon", "acme", base_url=base)
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            account = session.get(SocialAccount, account_id)
            assert account is not None
            account.platform_user_id = seeded["user_id"]
            session.add(account)
            credentials.save(ctx.secrets, account, Credentials(access_token=seeded["access_token"]))
    finally:
        ctx.close()
    [post_id] = add_rows(
        Post(
            account_id=account_id, content="New blend!", status="published",
            platform_post_id=status_id, platform_url=f"{base}/@acme/{status_id}",
        )
    )  # fmt: skip
    return post_id, status_id


def comment(post_id: int, key: str, text: str, day: int, sentiment: float | None = None) -> int:
    from datetime import UTC, datetime

    from clientnest_cli.store.models import Comment

    [comment_id] = add_rows(
        Comment(
            post_id=post_id, platform_comment_id=key, author="bob", text=text,
            sentiment=sentiment, created_at=datetime(2029, 12, day, 12, tzinfo=UTC),
        )
    )  # fmt: skip
    return comment_id


def cells(table: DataTable, row: str) -> list[str]:
    return [getattr(c, "plain", str(c)) for c in table.get_row(row)]


async def test_inbox_lists_comments_and_sends_an_ai_reply(make_app, ai_env, sandbox):
    from clientnest_cli.store.models import Comment

    post_id, status_id = published_mastodon_post(sandbox)
    older = comment(post_id, "c1", "Lovely cup", 1, sentiment=0.8)
    newer = comment(post_id, "c2", "Is it decaf?\x1b[2J [b]loud[/b]", 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one("#comments", DataTable)
        assert [str(k.value) for k in table.rows] == [str(newer), str(older)]
        assert cells(table, str(older))[4] == "+0.80"
        assert cells(table, str(newer))[4] == ""  # no sentiment computed: blank, not 0
        assert cells(table, str(newer))[6] == "Is it decaf? [b]loud[/b]"  # text, not markup
        table.focus()
        await pilot.press("down", "up")
        await settle(pilot)
        pane = app.screen.query_one("#comment", Static).render()
        assert "Is it decaf?" in getattr(pane, "plain", str(pane))
        await pilot.press("r")
        await settle(pilot)
        replies = app.screen.query_one("#replies", OptionList)
        assert replies.option_count == 3
        request = ai_env.snapshot()["requests"][0]
        assert "Is it decaf?" in request["messages"][1]["content"]
        chosen = app.screen.suggested.replies[1]
        replies.focus()
        replies.highlighted = 1
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    sent = [
        s
        for s in sandbox.emulator("mastodon").snapshot()["posts"]
        if s.get("in_reply_to_id") == status_id
    ]
    assert len(sent) == 1 and chosen in str(sent[0])
    [row] = rows(Comment, id=newer)
    assert row.our_reply == chosen and row.replied_at is not None


async def test_inbox_without_comments_says_how_to_fetch_them(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        label = app.screen.query_one("#inbox-count").render()
        assert "metrics sync" in getattr(label, "plain", str(label))


async def test_a_viewer_gets_the_clis_one_line_refusal_and_nothing_is_sent(
    make_app, ai_env, sandbox
):
    from tests.helpers import ok

    post_id, status_id = published_mastodon_post(sandbox)
    comment_id = comment(post_id, "c1", "Is it decaf?", 1)
    ok("users", "add", "viv@acme.test", "--role", "viewer")
    app = make_app(acting="viv@acme.test")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        app.screen.send(comment_id, "Yes, it is!")
        await settle(pilot)
        notices = [str(n.message) for n in app._notifications]
    assert any("viewer" in n and "\n" not in n for n in notices), notices
    replies = [
        s
        for s in sandbox.emulator("mastodon").snapshot()["posts"]
        if s.get("in_reply_to_id") == status_id
    ]
    assert replies == []
