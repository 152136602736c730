"""Posts: a filterable, sortable, paged table over the whole store, with a detail pane."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Select, Static

from clientnest_cli.domain.enums import PostStatus
from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.text import local, plain, safe, status_text

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.app import ComposeResult

    from clientnest_cli.services.post_activity import TargetActivity
    from clientnest_cli.services.post_reads import PostDetail, PostList

PAGE = 200
STATUSES = tuple(s.value for s in PostStatus)
SORTS = (("newest", "created"), ("schedule", "scheduled"), ("status", "status"))


class PostsLoaded(Message):
    """The table shows a new page (tests and other widgets can wait on it)."""

    def __init__(self, count: int, page: int) -> None:
        super().__init__()
        self.count = count
        self.page = page


class ActivityShown(Message):
    """The detail pane shows the metrics history and comments of ``post_id``'s targets."""

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id


class PostsScreen(BaseScreen):
    BINDINGS = [
        Binding("right_square_bracket", "page(1)", "Next page"),
        Binding("left_square_bracket", "page(-1)", "Prev page"),
        Binding("slash", "focus_search", "Search"),
        Binding("A", "approve", "Approve"),
        Binding("S", "submit", "Submit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page = 0
        self.loaded = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="post-filters"):
            yield Input(placeholder="search text…", id="search")
            yield Select(
                [(s, s) for s in STATUSES], prompt="any status", id="status", allow_blank=True
            )
            yield Input(placeholder="account (e.g. x:acme)", id="account")
            yield Input(placeholder="client", id="client")
            yield Select(SORTS, value="created", id="sort", allow_blank=False)
        with Horizontal(id="posts-body"):
            yield DataTable(id="posts", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="post-detail"):
                yield Static("Select a post to see its targets, attempts and metrics.", id="detail")
                yield Static("", id="activity")
        yield Label("", id="posts-page")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#posts", DataTable)
        table.add_columns("#", "account", "status", "scheduled", "text")
        table.focus()

    # --- loading -------------------------------------------------------------------
    def filters(self) -> dict[str, object]:
        status = self.query_one("#status", Select).value
        return {
            "search": self.query_one("#search", Input).value or None,
            "status": status if isinstance(status, str) else None,
            "account": self.query_one("#account", Input).value.strip() or None,
            "client": self.query_one("#client", Input).value.strip() or None,
            "sort": self.query_one("#sort", Select).value,
        }

    def refresh_data(self) -> None:
        from clientnest_cli.services.post_reads import list_posts

        filters, offset = self.filters(), self.page * PAGE
        self.background(
            lambda: list_posts(self.ctx, limit=PAGE, offset=offset, **filters),  # type: ignore[arg-type]
            self.show,
        )

    def show(self, data: PostList) -> None:
        table = self.query_one("#posts", DataTable)
        table.clear()
        for row in data.rows:
            post = row.post
            table.add_row(
                str(post.id),
                safe(row.account, 40),
                status_text(post.status),
                local(post.scheduled_at, data.tz_name),
                safe(("🧵 " if row.thread else "") + post.content, 80),
                key=str(post.id),
            )
        self.loaded = len(data.rows)
        first = self.page * PAGE + 1
        shown = f"posts {first}–{first + self.loaded - 1}" if self.loaded else "no posts match"
        self.query_one("#posts-page", Label).update(f"{shown} · page {self.page + 1}")
        self.post_message(PostsLoaded(self.loaded, self.page))

    # --- filters and paging ----------------------------------------------------------
    def on_input_changed(self, _event: Input.Changed) -> None:
        self.page = 0
        self.refresh_data()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.page = 0
        self.refresh_data()

    def action_page(self, step: int) -> None:
        if step > 0 and self.loaded < PAGE:
            return
        self.page = max(0, self.page + step)
        self.refresh_data()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    # --- approvals (the same rules as `post submit` / `post approve`) ------------------
    def selected_id(self) -> int | None:
        table = self.query_one("#posts", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)

    def action_approve(self) -> None:
        self._approval("approve")

    def action_submit(self) -> None:
        self._approval("submit")

    def _approval(self, step: str) -> None:
        from clientnest_cli.services.posts_manage import approve_post, submit_post

        post_id = self.selected_id()
        if post_id is None:
            return
        call = approve_post if step == "approve" else submit_post
        word = "approved" if step == "approve" else "submitted for approval"
        self.background(
            lambda: call(self.ctx, post_id, group=True),
            lambda _posts: self._approved(post_id, word),
            group="approval",
        )

    def _approved(self, post_id: int, word: str) -> None:
        self.notify(f"post {post_id} {word}")
        self.refresh_data()

    # --- detail ------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        from clientnest_cli.services.post_reads import post_detail

        post_id = int(event.row_key.value)
        self.background(lambda: post_detail(self.ctx, post_id), self.show_detail, group="detail")

    def show_detail(self, detail: PostDetail) -> None:
        from clientnest_cli.services.post_activity import post_activity

        self.query_one("#detail", Static).update(render_detail(detail))
        post_id, tz_name = detail.post.id or 0, detail.tz_name
        self.background(
            lambda: post_activity(self.ctx, post_id),
            lambda targets: self.show_activity(post_id, targets, tz_name),
            group="activity",
        )

    def show_activity(self, post_id: int, targets: list[TargetActivity], tz_name: str) -> None:
        from clientnest_cli.tui.screens.activity import render_activity

        self.query_one("#activity", Static).update(render_activity(targets, tz_name))
        self.post_message(ActivityShown(post_id))


def render_detail(d: PostDetail) -> RenderableType:
    from rich.text import Text

    post = d.post
    out = Text()

    def line(label: str, value: object, style: str = "") -> None:
        out.append(f"{label:<11}", style="bold")
        out.append(plain(value, 300) + "\n", style=style)

    line("post", f"#{post.id} on {d.account.platform}:{d.account.handle}")
    line("status", post.status)
    line("scheduled", local(post.scheduled_at, d.tz_name, "%Y-%m-%d %H:%M %Z"))
    if post.published_at:
        line("published", local(post.published_at, d.tz_name, "%Y-%m-%d %H:%M %Z"))
    if post.platform_url:
        line("url", post.platform_url)
    line("approval", post.approval_status)
    if d.reason:
        line("held", d.reason, "yellow")
    if post.last_error:
        line("error", post.last_error, "red")
    out.append("\n")
    out.append(plain(post.content, 2000) + "\n")
    for index, part in enumerate(d.parts, start=2):
        out.append(f"\n— part {index}: ", style="dim")
        out.append(plain(part.content, 1000) + "\n")
    for sibling, account in d.siblings:
        line("also to", f"{account} (#{sibling.id}, {sibling.status})")
    for media in d.media:
        line("media", f"{media.original_name or media.file} — alt: {media.alt_text or '(none)'}")
    for violation in d.violations:
        line("rule", violation, "red")
    for attempt in d.attempts:
        line("attempt", f"{attempt.started_at:%Y-%m-%d %H:%M} {attempt.outcome} {attempt.error}")
    return out
