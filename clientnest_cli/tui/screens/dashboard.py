"""Dashboard: overview cards, the next posts due, recent results, followers over the week."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.text import local, safe, status_text

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.dashboard import Dashboard, DueRow

CARDS = (
    ("week", "Published, 7 days"),
    ("scheduled", "Scheduled"),
    ("failed", "Failed"),
    ("reauth", "Need re-auth"),
    ("followers", "Followers (7-day change)"),
    ("ai", "AI tokens left"),
)


class Card(Static):
    """One figure with its caption."""

    def __init__(self, key: str, caption: str) -> None:
        super().__init__(id=f"card-{key}", classes="card")
        self.caption = caption
        self.value = "…"

    def set_value(self, value: str, alert: bool = False) -> None:
        self.value = value
        self.set_class(alert, "alert")
        self.update(f"{value}\n{self.caption}")

    def on_mount(self) -> None:
        self.update(f"{self.value}\n{self.caption}")


class DashboardScreen(BaseScreen):
    """Polls the store while open, so the daemon's work shows up as it happens."""

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Vertical(id="dashboard"):
            with Grid(id="cards"):
                for key, caption in CARDS:
                    yield Card(key, caption)
            with Horizontal(id="lists"):
                with Vertical():
                    yield Label("Next due", classes="section")
                    yield DataTable(id="next-due", cursor_type="row", zebra_stripes=True)
                with Vertical():
                    yield Label("Recent results", classes="section")
                    yield DataTable(id="recent", cursor_type="row", zebra_stripes=True)
            yield Label("Followers, last 7 days", classes="section")
            yield Sparkline([], id="followers-chart")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        for table_id in ("#next-due", "#recent"):
            self.query_one(table_id, DataTable).add_columns(
                "#", "when", "account", "status", "text"
            )
        interval = getattr(self.app, "poll_seconds", 5.0)
        if interval:
            self.set_interval(interval, self.refresh_data)

    def refresh_data(self) -> None:
        from clientnest_cli.services.dashboard import dashboard

        self.background(lambda: dashboard(self.ctx), self.show)

    def show(self, data: Dashboard) -> None:
        cards = {card.id: card for card in self.query(Card)}
        cards["card-week"].set_value(f"{data.posts_this_week:,}")
        cards["card-scheduled"].set_value(f"{data.scheduled:,}")
        cards["card-failed"].set_value(f"{data.failed:,}", alert=data.failed > 0)
        cards["card-reauth"].set_value(f"{data.needs_reauth:,}", alert=data.needs_reauth > 0)
        cards["card-followers"].set_value(f"{data.followers:,} ({data.followers_change:+,})")
        cards["card-ai"].set_value(f"{data.ai_tokens_left:,} of {data.ai_tokens_limit:,}")
        self._fill("#next-due", data.next_due, data.tz_name)
        self._fill("#recent", data.recent, data.tz_name)
        self.query_one("#followers-chart", Sparkline).data = [
            float(total) for _day, total in data.followers_series
        ]

    def _fill(self, table_id: str, rows: list[DueRow], tz_name: str) -> None:
        table = self.query_one(table_id, DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                str(row.post_id),
                local(row.at, tz_name),
                safe(row.account, 40),
                status_text(row.status),
                safe(row.text, 60),
                key=str(row.post_id),
            )
