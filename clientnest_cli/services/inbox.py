"""The TUI inbox: fetched comments, newest first, in the acting user's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clientnest_cli.store.metrics_repos import MetricsSync

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


@dataclass
class Inbox:
    rows: list[tuple[Any, str, str]]  # (Comment, platform, handle)
    tz_name: str


def inbox(ctx: AppContext, limit: int = 500) -> Inbox:
    with ctx.store.session(readonly=True) as session:
        user = ctx.actor(session)
        return Inbox(list(MetricsSync(session).comments(None, limit)), user.timezone)
