"""`clientnest tui`: the dashboard, posts, editor, calendar, analytics and accounts screens.

The app talks to ``services`` only (import-linter keeps it away from the store,
the adapters and the CLI); store work runs in thread workers so the screen never
blocks, and errors arrive as notices with the CLI's one-line text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding

from clientnest_cli.tui.screens.accounts import AccountsScreen
from clientnest_cli.tui.screens.analytics import AnalyticsScreen
from clientnest_cli.tui.screens.calendar import CalendarScreen
from clientnest_cli.tui.screens.dashboard import DashboardScreen
from clientnest_cli.tui.screens.editor import EditorScreen
from clientnest_cli.tui.screens.help import HelpScreen
from clientnest_cli.tui.screens.inbox import InboxScreen
from clientnest_cli.tui.screens.posts import PostsScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from clientnest_cli.services.context import AppContext

SCREENS = {
    "dashboard": ("d", "Dashboard", DashboardScreen),
    "posts": ("p", "Posts", PostsScreen),
    "editor": ("e", "Editor", EditorScreen),
    "calendar": ("c", "Calendar", CalendarScreen),
    "inbox": ("i", "Inbox", InboxScreen),
    "analytics": ("a", "Analytics", AnalyticsScreen),
    "accounts": ("u", "Accounts", AccountsScreen),
}
THEMES = ("textual-dark", "textual-light")


class ClientNestApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "ClientNest"
    MODES = {name: screen for name, (_key, _title, screen) in SCREENS.items()}
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        *(
            Binding(key, f"switch_mode('{name}')", title)
            for name, (key, title, _s) in SCREENS.items()
        ),
        Binding("t", "toggle_theme", "Theme"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        ctx: AppContext,
        *,
        theme: str = "textual-dark",
        poll_seconds: float = 5.0,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.poll_seconds = poll_seconds  # 0: no polling (tests, snapshots)
        self.today = today  # the calendar's first week (tests); None: this week
        self.theme = theme

    def action_toggle_theme(self) -> None:
        self.theme = (
            THEMES[(THEMES.index(self.theme) + 1) % 2] if self.theme in THEMES else THEMES[0]
        )

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        for name, (_key, title, _screen) in SCREENS.items():
            yield SystemCommand(
                title, f"Open the {title.lower()}", lambda n=name: self.switch_mode(n)
            )
        yield SystemCommand("Toggle theme", "Dark or light", self.action_toggle_theme)


def run(ctx: AppContext, theme: str = "textual-dark") -> None:
    ClientNestApp(ctx, theme=theme).run()
