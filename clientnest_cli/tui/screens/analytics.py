"""Analytics: until the analytics services exist in this build, say what to run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from clientnest_cli.tui.screens.base import BaseScreen

if TYPE_CHECKING:
    from textual.app import ComposeResult

WHAT_TO_RUN = """\
Analytics need published posts with figures.

  clientnest metrics sync              fetch likes, replies, shares and views
  clientnest accounts sync             fetch follower counts

The charts of this screen (overview, performance, best times, top posts,
account health) appear once the analytics commands are in this build.
"""


class AnalyticsScreen(BaseScreen):
    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(WHAT_TO_RUN, id="analytics-help", markup=False)
        yield from self.compose_footer()
