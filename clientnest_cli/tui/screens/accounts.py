"""Accounts: status, token expiry, last sync, followers; refresh and sync in workers.

Connecting stays in the CLI (it opens a browser or reads a secret); the screen
shows the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widgets import DataTable, Static

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.text import local, safe, status_text

if TYPE_CHECKING:
    from textual.app import ComposeResult

CONNECT_HINT = (
    "Connect an account from the command line: "
    "`clientnest accounts connect PLATFORM` (see `clientnest platforms list`)."
)


class AccountsScreen(BaseScreen):
    BINDINGS = [
        Binding("r", "refresh_token", "Refresh token"),
        Binding("s", "sync", "Sync counts"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tz_name = "UTC"

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield DataTable(id="accounts", cursor_type="row", zebra_stripes=True)
        yield Static(CONNECT_HINT, id="connect-hint", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#accounts", DataTable).add_columns(
            "#", "account", "status", "token", "last sync", "followers", "client"
        )

    def refresh_data(self) -> None:
        from clientnest_cli.services.account_refs import list_accounts

        self.background(lambda: list(list_accounts(self.ctx)), self.show)

    def show(self, accounts: list) -> None:  # type: ignore[type-arg]
        table = self.query_one("#accounts", DataTable)
        table.clear()
        for a in accounts:
            token = ""
            if a.token_expires_at is not None:
                word = "reconnect before" if a.platform == "linkedin" else "expires"
                token = f"{word} {local(a.token_expires_at, self.tz_name, '%Y-%m-%d')}"
            table.add_row(
                str(a.id),
                safe(f"{a.platform}:{a.handle}", 50),
                status_text(a.status),
                token,
                local(a.last_synced_at, self.tz_name, "%Y-%m-%d %H:%M"),
                f"{a.followers:,}",
                str(a.client_id or ""),
                key=str(a.id),
            )

    def selected_ref(self) -> str | None:
        table = self.query_one("#accounts", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_refresh_token(self) -> None:
        from clientnest_cli.services.accounts import refresh

        ref = self.selected_ref()
        if ref is not None:
            self.background(
                lambda: refresh(self.ctx, ref), lambda _a: self.done("token refreshed"), group="act"
            )

    def action_sync(self) -> None:
        from clientnest_cli.services.accounts import sync

        ref = self.selected_ref()
        if ref is not None:
            self.background(lambda: sync(self.ctx, [ref]), self.synced, group="act")

    def synced(self, results: list) -> None:  # type: ignore[type-arg]
        for account, outcome in results:
            self.notify(f"{account.platform}:{account.handle}: {outcome}")
        self.refresh_data()

    def done(self, message: str) -> None:
        self.notify(message)
        self.refresh_data()
