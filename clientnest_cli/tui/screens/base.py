"""What every screen shares: the services context, work off the UI thread, errors as notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.screen import Screen
from textual.widgets import Footer, Header

from clientnest_cli.errors import ClientNestError
from clientnest_cli.tui.text import plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.context import AppContext

T = TypeVar("T")


def one_line(exc: BaseException) -> str:
    """The same one-line text the CLI prints for an error (never a traceback)."""
    if isinstance(exc, ClientNestError):
        return plain(exc.one_line(), 500)
    return plain(f"unexpected {type(exc).__name__}: {exc}", 500)


class BaseScreen(Screen[None]):
    """A screen whose store reads and writes run in thread workers."""

    def compose_frame(self) -> ComposeResult:
        yield Header()

    def compose_footer(self) -> ComposeResult:
        yield Footer()

    @property
    def ctx(self) -> AppContext:
        return self.app.ctx  # type: ignore[attr-defined,no-any-return]

    def background(
        self,
        job: Callable[[], T],
        done: Callable[[T], None],
        *,
        group: str = "load",
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``job`` in a thread; hand its result to ``done`` on the UI thread.

        A failure becomes an error notice with the CLI's one-line text (and
        ``failed`` is told, e.g. to show it in the form).
        """

        ready = getattr(self.app, "store_ready", None)

        def work() -> None:
            if ready is not None:
                ready.wait()  # the app opens the store once, before any screen uses it
            try:
                result = job()
            except Exception as exc:  # every failure becomes one line, never a traceback
                message = one_line(exc)
                self.app.call_from_thread(self._failed, message, failed)
                return
            self.app.call_from_thread(done, result)

        self.run_worker(work, thread=True, group=group, exclusive=True, exit_on_error=False)

    def background_latest(
        self, job: Callable[[], T], done: Callable[[T], None], *, group: str
    ) -> None:
        """``background`` for work asked for on every key press: at most one job of
        ``group`` runs; calls made meanwhile are coalesced into the newest, which
        runs when the current one ends (its answer is shown, then the newest's)."""
        queued: dict[str, tuple[Callable[[], T], Callable[[T], None]]]
        queued = self.__dict__.setdefault("_latest_queued", {})
        running: set[str] = self.__dict__.setdefault("_latest_running", set())
        if group in running:
            queued[group] = (job, done)
            return
        running.add(group)

        def next_one() -> None:
            running.discard(group)
            if group in queued:
                self.background_latest(*queued.pop(group), group=group)

        def finished(result: T) -> None:
            try:
                done(result)
            finally:
                next_one()

        self.background(job, finished, group=group, failed=lambda _m: next_one())

    def _failed(self, message: str, failed: Callable[[str], None] | None) -> None:
        self.notify(message, severity="error", timeout=8)
        if failed is not None:
            failed(message)

    def refresh_data(self) -> None:
        """Reload what the screen shows (screens override)."""

    def on_screen_resume(self) -> None:
        self.refresh_data()
