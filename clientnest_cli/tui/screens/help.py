"""`?`: every key of the app and of the screen underneath."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.app import ComposeResult

KEYS = """\
Screens      d dashboard · p posts · e editor · c calendar · i inbox · a analytics · u accounts
Everywhere   ? this help · ctrl+p command palette · t dark/light · q quit
Posts        / search · [ ] previous/next page · ↑↓ select · S submit · A approve
Editor       ctrl+s save draft · ctrl+t schedule · ctrl+r submit for approval · ctrl+n new
             ctrl+g AI write from a topic · ctrl+o AI optimise · ctrl+b AI hashtags
Calendar     arrows move the cursor · < > post a day earlier/later · - + an hour ·
             b n previous/next week · v week/month
Inbox        ↑↓ select · r or enter: AI reply suggestions · enter on one sends it · f5 reload
Analytics    w period (30/90/365 days) · enter or b best times of the selected account
Accounts     r refresh token · s sync counts
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(KEYS, markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
