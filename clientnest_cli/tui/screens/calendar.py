"""Calendar: a week or a month in the user's zone; move a post with the keyboard.

The grid is a table whose columns are days: each cell holds one post (the n-th
of that day), coloured by status, and free posting slots show as "· HH:MM".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Label

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.text import STATUS_STYLE, plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.calendar import Calendar, CalendarEntry

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PostMoved(Message):
    def __init__(self, post_id: int, when: str) -> None:
        super().__init__()
        self.post_id = post_id
        self.when = when


class CalendarScreen(BaseScreen):
    BINDINGS = [
        Binding("n", "shift_view(1)", "Next"),
        Binding("b", "shift_view(-1)", "Back"),
        Binding("v", "toggle_view", "Week/month"),
        Binding("greater_than_sign", "move(1, 0)", "Post +1 day"),
        Binding("less_than_sign", "move(-1, 0)", "Post −1 day"),
        Binding("plus", "move(0, 1)", "Post +1 h"),
        Binding("minus", "move(0, -1)", "Post −1 h"),
    ]

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.anchor = day
        self.view = "week"
        self.cells: dict[tuple[int, int], CalendarEntry] = {}
        self.calendar: Calendar | None = None
        self.follow: int | None = None  # the post the cursor stays on after a move
        self.slots: list[tuple[str, int, str]] = []  # (account, weekday, HH:MM)

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Label("", id="calendar-title", classes="section")
        yield DataTable(id="calendar", cursor_type="cell", show_row_labels=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#calendar", DataTable).focus()

    def refresh_data(self) -> None:
        from clientnest_cli.services.calendar import calendar_data

        anchor = self.anchor or getattr(self.app, "today", None)
        day = anchor.isoformat() if anchor else None
        view, ctx = self.view, self.ctx

        def load() -> tuple[Calendar, list[tuple[str, int, str]]]:
            from clientnest_cli.services.schedule import list_slots

            slots = [(ref, s.weekday, s.local_time) for s, ref in list_slots(ctx)]
            return calendar_data(ctx, view, day), slots

        self.background(load, self.show)

    def show(self, loaded: tuple[Calendar, list[tuple[str, int, str]]]) -> None:
        cal, self.slots = loaded
        self.calendar = cal
        self.anchor = self.anchor or cal.first
        title = f"{cal.first:%d %b} – {cal.last:%d %b %Y} ({cal.tz_name})"
        self.query_one("#calendar-title", Label).update(title)
        table = self.query_one("#calendar", DataTable)
        table.clear(columns=True)
        days = [cal.first + timedelta(days=i) for i in range((cal.last - cal.first).days + 1)]
        by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
        for entry in cal.entries:
            by_day[entry.at_local.date()].append(entry)
        self.cells = {}
        if cal.view == "week":
            self._week(table, days, by_day)
        else:
            self._month(table, days, by_day)
        for (row, col), entry in self.cells.items():
            if entry.post_id == self.follow:
                table.cursor_coordinate = table.cursor_coordinate._replace(row=row, column=col)

    def _week(self, table: DataTable, days: list[date], by_day: dict) -> None:  # type: ignore[type-arg]
        for day in days:
            table.add_column(f"{DAYS[day.weekday()]} {day:%d %b}", width=22)
        columns = [self._day_items(day, by_day.get(day, [])) for day in days]
        depth = max((len(items) for items in columns), default=0)
        for row in range(max(depth, 1)):
            cells = []
            for col, items in enumerate(columns):
                item = items[row][1] if row < len(items) else None
                if isinstance(item, str):
                    cells.append(Text(plain(item, 20), style="dim"))
                elif item is not None:
                    self.cells[(row, col)] = item
                    cells.append(card(item))
                else:
                    cells.append(Text(""))
            table.add_row(*cells)

    def _day_items(self, day: date, entries: list[CalendarEntry]) -> list[tuple[str, object]]:
        """A day's posts and its free posting slots ("· 09:00 x:acme"), by time."""
        taken = {(e.account, f"{e.at_local:%H:%M}") for e in entries}
        items: list[tuple[str, object]] = [(f"{e.at_local:%H:%M}", e) for e in entries]
        for account, weekday, at in self.slots:
            if weekday == day.weekday() and (account, at) not in taken:
                items.append((at, f"· {at} {account}"))
        return sorted(items, key=lambda item: (item[0], isinstance(item[1], str)))

    def _month(self, table: DataTable, days: list[date], by_day: dict) -> None:  # type: ignore[type-arg]
        for name in DAYS:
            table.add_column(name, width=16)
        lead = days[0].weekday()
        grid: list[Text] = [Text("") for _ in range(lead)]
        for day in days:
            entries = by_day.get(day, [])
            cell = Text(f"{day.day:>2}", style="bold")
            if entries:
                cell.append(f"  {len(entries)} post" + ("s" if len(entries) > 1 else ""))
                cell.append("\n")
                cell.append_text(card(entries[0], 14))
            grid.append(cell)
        while len(grid) % 7:
            grid.append(Text(""))
        for start in range(0, len(grid), 7):
            table.add_row(*grid[start : start + 7], height=2)

    # --- navigation ------------------------------------------------------------------
    def action_shift_view(self, step: int) -> None:
        base = self.anchor or date.today()
        self.anchor = (
            base + timedelta(weeks=step)
            if self.view == "week"
            else (base.replace(day=1) + timedelta(days=32 * step)).replace(day=1)
        )
        self.refresh_data()

    def action_toggle_view(self) -> None:
        self.view = "month" if self.view == "week" else "week"
        self.refresh_data()

    # --- moving a post ---------------------------------------------------------------
    def selected(self) -> CalendarEntry | None:
        table = self.query_one("#calendar", DataTable)
        coordinate = table.cursor_coordinate
        return self.cells.get((coordinate.row, coordinate.column))

    def action_move(self, days: int, hours: int) -> None:
        entry = self.selected()
        if entry is None or self.calendar is None:
            self.notify("put the cursor on a post first (week view)", severity="warning")
            return
        when = (entry.at_local + timedelta(days=days, hours=hours)).strftime("%Y-%m-%d %H:%M")
        from clientnest_cli.services.schedule import schedule_post

        post_id = entry.post_id
        self.background(
            lambda: schedule_post(self.ctx, post_id, when, group=False),
            lambda _done: self.moved(post_id, when),
            group="move",
        )

    def moved(self, post_id: int, when: str) -> None:
        self.follow = post_id
        self.notify(f"post {post_id} moved to {when}")
        self.post_message(PostMoved(post_id, when))
        self.refresh_data()


def card(entry: CalendarEntry, width: int = 20) -> Text:
    style = STATUS_STYLE.get(entry.status, "")
    head = f"{entry.at_local:%H:%M} #{entry.post_id} {plain(entry.account, 20)}"
    text = Text(head[:width], style=style)
    return text
