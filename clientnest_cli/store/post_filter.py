"""What `post list` narrows by (shared by the ORM and the thin store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class PostFilter:
    """What `post list` narrows by; every field optional."""

    def __init__(
        self,
        *,
        statuses: Sequence[str] = (),
        account_id: int | None = None,
        client_id: int | None = None,
        scheduled_from: datetime | None = None,
        scheduled_to: datetime | None = None,
        search: str = "",
        sort: str = "created",
        limit: int = 50,
        offset: int = 0,
    ) -> None:
        self.statuses = list(statuses)
        self.account_id = account_id
        self.client_id = client_id
        self.scheduled_from = scheduled_from
        self.scheduled_to = scheduled_to
        self.search = search
        self.sort = sort
        self.limit = limit
        self.offset = offset  # for paging (the TUI's posts table)


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
