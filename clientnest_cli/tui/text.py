"""Text from users, files and platforms, made safe for the screen.

Textual parses plain ``str`` content as markup, so outside text is always handed
to widgets as a Rich ``Text`` (never parsed), cleaned by the same rule as the
CLI's output layer (``domain.text.for_terminal``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text

from clientnest_cli.domain.text import for_terminal

STATUS_STYLE = {
    "draft": "dim",
    "scheduled": "cyan",
    "publishing": "yellow",
    "checking": "yellow",
    "unconfirmed": "bold magenta",  # may be live: a person settles it (`publish confirm`)
    "published": "green",
    "failed": "bold red",
    "canceled": "dim strike",
    "deleted": "dim strike",
}


def plain(value: Any, limit: int = 200) -> str:
    """One line of outside text through the CLI's own rule (``for_terminal``): escape
    sequences, controls and bidi overrides gone, combining-mark runs and length bounded."""
    return for_terminal("" if value is None else str(value), limit, one_line=True)


def editable(value: Any, limit: int = 10_000) -> str:
    """Outside text for an editable field (the editor's text area): the same rule,
    line breaks kept."""
    return for_terminal("" if value is None else str(value), limit)


SPARK_BARS = "▁▂▃▄▅▆▇█"


def spark(values: list[float]) -> str:
    """A one-line sparkline (a bar per value, scaled from the smallest to the largest)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    top = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[round((v - low) / span * top)] for v in values)


def safe(value: Any, limit: int = 200, style: str = "") -> Text:
    return Text(plain(value, limit), style=style)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def local(when: datetime | None, tz_name: str, fmt: str = "%a %d %b %H:%M") -> str:
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(tz_name)).strftime(fmt)
