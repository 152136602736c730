"""AI budgets are monthly (UTC): which month it is, its bounds, what was used in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clientnest_cli.errors import BadInput


def current_month(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in UTC for "YYYY-MM"."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise BadInput(
            f"{month!r} is not a month", hint="write it as YYYY-MM, e.g. 2025-03"
        ) from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def tokens_used(user: Any, month: str) -> int:
    """A user's (ORM or thin-store row) token counter, when it belongs to ``month``:
    a counter from an earlier month is spent history, not this month's use."""
    return int(user.ai_tokens_used) if user.ai_usage_month == month else 0
