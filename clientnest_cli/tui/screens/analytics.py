"""Analytics: the overview of every account, and the best-times map of the one selected.

The figures are the ones `clientnest analytics overview --json` and
`analytics best-times REF --json` print (the same services), drawn instead of dumped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.text import plain, safe

if TYPE_CHECKING:
    from textual.app import ComposeResult

PERIODS = ("30d", "90d", "365d")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHADES = " ░▒▓█"
NO_DATA = """\
No published posts with figures in this period yet. Fill the store with:

  clientnest metrics sync              likes, replies, shares and views of your posts
  clientnest accounts backfill REF     an account's earlier posts and their figures
  clientnest metrics import FILE --account REF   a platform's analytics export
"""


def _number(value: Any, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{float(value) * 100:.2f}%"
    return f"{value:,}" if isinstance(value, int) else f"{float(value):,.1f}"


def _change(now: Any, before: Any) -> Text:
    if now is None or before in (None, 0):
        return Text("")
    delta = (float(now) - float(before)) / abs(float(before)) * 100
    return Text(f"{delta:+.0f}%", style="green" if delta >= 0 else "red")


class AnalyticsScreen(BaseScreen):
    BINDINGS = [Binding("w", "period", "Period"), Binding("b", "best_times", "Best times")]

    def __init__(self) -> None:
        super().__init__()
        self.period = PERIODS[0]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Vertical(id="analytics"):
            yield Label("", id="analytics-title", classes="section")
            yield DataTable(id="overview", cursor_type="row", zebra_stripes=True)
            yield Static(NO_DATA, id="analytics-help", markup=False)
            yield Label("Best times (enter or b on an account)", classes="section")
            yield Static("", id="best-times")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#overview", DataTable)
        table.add_columns(
            "account", "posts", "Δ", "impressions", "interactions", "Δ", "rate", "followers ±"
        )
        table.focus()

    def refresh_data(self) -> None:
        from clientnest_cli.services.analytics import overview, scope

        period = self.period
        self.background(lambda: overview(self.ctx, scope(self.ctx, period=period)), self.show)

    def show(self, data: dict[str, Any]) -> None:
        self.query_one("#analytics-title", Label).update(
            f"Last {self.period}, against the {self.period} before"
        )
        table = self.query_one("#overview", DataTable)
        table.clear()
        rows = [a for a in data.get("accounts", []) if a.get("posts")]
        for block in rows:
            before = block.get("previous") or {}
            table.add_row(
                safe(block["account"], 40),
                _number(block.get("posts")),
                _change(block.get("posts"), before.get("posts")),
                _number(block.get("impressions")),
                _number(block.get("interactions")),
                _change(block.get("interactions"), before.get("interactions")),
                _number(block.get("engagement_rate"), percent=True),
                _number(block.get("followers_change")),
                key=str(block["account"]),
            )
        self.query_one("#analytics-help", Static).display = not rows

    def action_period(self) -> None:
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.refresh_data()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_best_times()

    def action_best_times(self) -> None:
        from clientnest_cli.services.analytics import best_times

        table = self.query_one("#overview", DataTable)
        if not table.row_count:
            return
        ref = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.background(lambda: best_times(self.ctx, ref), self.show_best_times, group="best")

    def show_best_times(self, data: dict[str, Any]) -> None:
        self.query_one("#best-times", Static).update(heatmap(data))


def heatmap(data: dict[str, Any]) -> Text:
    """Weekday rows × 24 hours; darker = more engagement than the account's typical post."""
    lift = {(c["weekday"], c["hour"]): c["lift"] for c in data.get("cells", [])}
    out = Text(f"{plain(data['account'], 60)} ({data['timezone']}), {data['posts']} posts")
    if not data.get("enough_data"):
        out.append(" — not enough data; leaning on " + plain(data.get("prior") or "a prior"))
    out.append("\n     " + "".join(f"{h:<3}" for h in range(0, 24, 3)) + "\n")
    top = max(lift.values(), default=1.0) or 1.0
    for day in range(7):
        out.append(f"{DAYS[day]}  ")
        for hour in range(24):
            value = lift.get((day, hour))
            shade = " " if value is None else SHADES[min(4, int(value / top * 4.999))]
            out.append(shade, style="bold" if value and value >= 1 else "dim")
        out.append("\n")
    for slot in data.get("slots", [])[:3]:
        out.append(
            f"best: {DAYS[slot['weekday']]} {slot['hour']:02d}:00 ×{slot['lift']:.2f} "
            f"({slot['low']:.2f}–{slot['high']:.2f}, {slot['posts']} posts)\n"
        )
    return out
