"""Inbox: fetched comments newest first; AI reply suggestions; send one to the platform.

Suggestions and sending go through ``services.ai_replies`` — the same service as
`clientnest ai reply` and `ai reply --send`, so the same roles, budget and checks apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.screens.editor import Confirm
from clientnest_cli.tui.text import local, plain, safe

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.ai_replies import RepliesResult
    from clientnest_cli.services.inbox import Inbox

LIMIT = 500


class ReplySent(Message):
    """A reply went out (tests wait on it)."""

    def __init__(self, comment_id: int, text: str) -> None:
        super().__init__()
        self.comment_id = comment_id
        self.text = text


def sentiment_text(value: float | None) -> Any:
    """``+0.60`` green, ``-0.40`` red, blank when no sentiment was computed."""
    from rich.text import Text

    if value is None:
        return Text("")
    style = "green" if value > 0.2 else "red" if value < -0.2 else ""
    return Text(f"{value:+.2f}", style=style)


class InboxScreen(BaseScreen):
    BINDINGS = [
        Binding("r", "suggest", "Suggest replies"),
        Binding("f5", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.comments: dict[int, Any] = {}
        self.suggested: RepliesResult | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="inbox-body"):
            yield DataTable(id="comments", cursor_type="row", zebra_stripes=True)
            with Vertical(id="inbox-side"):
                with VerticalScroll(id="comment-pane"):
                    yield Static("Select a comment; r suggests replies.", id="comment")
                yield Label("Suggested replies (enter sends)", classes="section")
                yield OptionList(id="replies")
        yield Label("", id="inbox-count")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#comments", DataTable)
        table.add_columns("#", "when", "account", "author", "sentiment", "replied", "comment")
        table.focus()

    def action_reload(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        from clientnest_cli.services.inbox import inbox

        ctx = self.ctx
        self.background(lambda: inbox(ctx, LIMIT), self.show)

    def show(self, loaded: Inbox) -> None:
        rows, tz_name = loaded.rows, loaded.tz_name
        table = self.query_one("#comments", DataTable)
        table.clear()
        self.comments = {}
        for comment, platform, handle in rows:
            self.comments[comment.id] = (comment, f"{platform}:{handle}", tz_name)
            table.add_row(
                str(comment.id),
                local(comment.created_at or comment.fetched_at, tz_name),
                safe(f"{platform}:{handle}", 40),
                safe(comment.author, 30),
                sentiment_text(comment.sentiment),
                "✓" if comment.replied_at else "",
                safe(comment.text, 80),
                key=str(comment.id),
            )
        count = len(rows)
        self.query_one("#inbox-count", Label).update(
            f"{count} comment{'s' if count != 1 else ''}, newest first"
            if count
            else "no comments yet: `clientnest metrics sync` fetches them"
        )

    # --- one comment -------------------------------------------------------------------
    def selected_id(self) -> int | None:
        table = self.query_one("#comments", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        entry = self.comments.get(int(event.row_key.value))
        if entry is None:
            return
        self.suggested = None
        self.query_one("#replies", OptionList).clear_options()
        self.query_one("#comment", Static).update(render_comment(*entry))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_suggest()

    def action_suggest(self) -> None:
        from clientnest_cli.services.ai_replies import suggest_replies

        comment_id = self.selected_id()
        if comment_id is None:
            return
        ctx = self.ctx
        self.notify("asking the AI for replies…", timeout=3)
        self.background(
            lambda: suggest_replies(ctx, comment_id), self.show_replies, group="suggest"
        )

    def show_replies(self, result: RepliesResult) -> None:
        self.suggested = result
        replies = self.query_one("#replies", OptionList)
        replies.clear_options()
        for number, reply in enumerate(result.replies):
            replies.add_option(Option(safe(f"{number + 1}. {reply}", 1000), id=str(number)))
        for warning in result.warnings:
            self.notify(plain(warning, 300), severity="warning")
        replies.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        result = self.suggested
        if result is None or event.option.id is None:
            return
        text = result.replies[int(event.option.id)]
        self.app.push_screen(
            Confirm(f"Send this reply to {plain(result.author, 40)} on {result.platform}?"),
            lambda yes: self.send(result.comment_id, text) if yes else None,
        )

    def send(self, comment_id: int, text: str) -> None:
        from clientnest_cli.services.ai_replies import send_reply

        ctx = self.ctx
        self.background(
            lambda: send_reply(ctx, comment_id, text),
            lambda _row: self.sent(comment_id, text),
            group="send",
        )

    def sent(self, comment_id: int, text: str) -> None:
        self.notify(f"reply sent to comment {comment_id}")
        self.post_message(ReplySent(comment_id, text))
        self.refresh_data()


def render_comment(comment: Any, account: str, tz_name: str) -> Any:
    from rich.text import Text

    out = Text()

    def line(label: str, value: object, style: str = "") -> None:
        out.append(f"{label:<10}", style="bold")
        out.append(plain(value, 300) + "\n", style=style)

    line("comment", f"#{comment.id} on post #{comment.post_id} ({account})")
    line("from", comment.author)
    line("when", local(comment.created_at or comment.fetched_at, tz_name, "%Y-%m-%d %H:%M %Z"))
    if comment.sentiment is not None:
        line("sentiment", f"{comment.sentiment:+.2f}")
    out.append("\n" + plain(comment.text, 2000) + "\n")
    if comment.replied_at:
        out.append("\n")
        line("replied", local(comment.replied_at, tz_name, "%Y-%m-%d %H:%M %Z"), "green")
        out.append(plain(comment.our_reply, 2000) + "\n", style="green")
    return out
