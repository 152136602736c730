"""`clientnest tui`: the dashboard, posts, editor, calendar, analytics and accounts screens.

The app talks to ``services`` only (import-linter keeps it away from the store,
the adapters and the CLI); store work runs in thread workers so the screen never
blocks, and errors arrive as notices with the CLI's one-line text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date
from importlib import import_module
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.screen import Screen

    from clientnest_cli.services.context import AppContext

# mode: (key, title, "module:class"). A screen's module is imported when the screen
# is first opened, so starting the app imports the dashboard's alone.
SCREENS = {
    "dashboard": ("d", "Dashboard", "dashboard:DashboardScreen"),
    "posts": ("p", "Posts", "posts:PostsScreen"),
    "editor": ("e", "Editor", "editor:EditorScreen"),
    "calendar": ("c", "Calendar", "calendar:CalendarScreen"),
    "inbox": ("i", "Inbox", "inbox:InboxScreen"),
    "analytics": ("a", "Analytics", "analytics:AnalyticsScreen"),
    "accounts": ("u", "Accounts", "accounts:AccountsScreen"),
}
THEMES = ("textual-dark", "textual-light")


def screen_class(where: str) -> type[Screen]:  # type: ignore[type-arg]
    module, name = where.split(":")
    found: type[Screen] = getattr(import_module(f"clientnest_cli.tui.screens.{module}"), name)  # type: ignore[type-arg]
    return found


def _opener(where: str) -> Callable[[], Screen]:  # type: ignore[type-arg]
    return lambda: screen_class(where)()


class ClientNestApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "ClientNest"
    MODES = {name: _opener(where) for name, (_key, _title, where) in SCREENS.items()}
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
        self.store_ready = threading.Event()  # screens' workers wait for it

    def on_load(self) -> None:
        """Open the store on a worker while Textual starts up (before the first screen)."""
        self.run_worker(self._prepare, thread=True, group="prepare", exit_on_error=False)

    def _prepare(self) -> None:
        from clientnest_cli.services.dashboard import prepare

        try:
            prepare(self.ctx)
        except Exception:  # the screens' own calls report it, once
            pass
        finally:
            self.store_ready.set()

    def action_toggle_theme(self) -> None:
        self.theme = (
            THEMES[(THEMES.index(self.theme) + 1) % 2] if self.theme in THEMES else THEMES[0]
        )

    def action_help(self) -> None:
        self.push_screen(screen_class("help:HelpScreen")())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        for name, (_key, title, _screen) in SCREENS.items():
            yield SystemCommand(
                title, f"Open the {title.lower()}", lambda n=name: self.switch_mode(n)
            )
        yield SystemCommand("Toggle theme", "Dark or light", self.action_toggle_theme)


def run(ctx: AppContext, theme: str = "textual-dark") -> None:
    ClientNestApp(ctx, theme=theme).run()
