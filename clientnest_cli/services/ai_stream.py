"""What to show while an AI reply streams in (the TUI editor).

A streamed reply arrives in pieces; the person should see the post growing,
not raw JSON. A *preview* turns the text received so far into what to show:
the text itself for a plain reply, or one field of a JSON reply read from its
unfinished prefix (``partial_json`` closes the open strings, arrays and
objects). Previews are only for the eyes: the result of the call is the
finished reply, checked and fitted like one that was not streamed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

OnText = Callable[[str], None]
Preview = Callable[[str], "str | None"]

_OPEN_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*")
_PARTIAL_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{0,3})?$")


def close_json(prefix: str) -> str:
    """``prefix`` of a JSON document with its open string, arrays and objects closed."""
    closers: list[str] = []
    in_string = escaped = False
    for ch in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            closers.append("]" if ch == "[" else "}")
        elif ch in "]}" and closers:
            closers.pop()
    text = prefix
    if in_string:
        text = _PARTIAL_ESCAPE.sub("", text) + '"'
    text = text.rstrip().removesuffix(",")
    if text.endswith(":"):
        text += "null"
    return text + "".join(reversed(closers))


def partial_json(prefix: str) -> Any:
    """The value the JSON prefix has so far; None while it cannot be read (a key half-written)."""
    text = _OPEN_FENCE.sub("", prefix, count=1)
    if not text.strip():
        return None
    try:
        return json.loads(close_json(text))
    except ValueError:
        return None


def as_text(received: str) -> str:
    return received.lstrip()


def field_preview(key: str) -> Preview:
    """The string under ``key`` in a JSON object reply, as far as it has come."""

    def preview(received: str) -> str | None:
        data = partial_json(received)
        value = data.get(key) if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    return preview


def list_preview(key: str) -> Preview:
    """The strings in the list under ``key``, comma separated, without a leading ``#``."""

    def preview(received: str) -> str | None:
        data = partial_json(received)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            return None
        return ", ".join(str(i).strip().lstrip("#") for i in items if str(i).strip())

    return preview


def watcher(on_text: OnText | None, preview: Preview) -> Callable[[str], None] | None:
    """A piece handler for one call that tells ``on_text`` each new, non-empty preview."""
    if on_text is None:
        return None
    parts: list[str] = []
    shown: list[str] = []

    def on_piece(piece: str) -> None:
        parts.append(piece)
        now = preview("".join(parts))
        if now and (not shown or now != shown[-1]):
            shown.append(now)
            on_text(now)

    return on_piece
