"""Text from users, files and platforms, made safe for the screen.

Textual parses plain ``str`` content as markup, so outside text is always handed
to widgets as a Rich ``Text`` (never parsed), with control and escape sequences
removed and its length bounded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text

from clientnest_cli.domain.text import strip_controls

STATUS_STYLE = {
    "draft": "dim",
    "scheduled": "cyan",
    "publishing": "yellow",
    "published": "green",
    "failed": "bold red",
    "canceled": "dim strike",
}


def plain(value: Any, limit: int = 200) -> str:
    """One line of outside text: controls gone, whitespace folded, at most ``limit``."""
    text = " ".join(strip_controls("" if value is None else str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(value: Any, limit: int = 200, style: str = "") -> Text:
    return Text(plain(value, limit), style=style)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def local(when: datetime | None, tz_name: str, fmt: str = "%a %d %b %H:%M") -> str:
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(tz_name)).strftime(fmt)
