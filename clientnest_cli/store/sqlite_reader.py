"""Named parameters for the analytics reads on the thin store's SQLite connection.

`analytics overview` over a million snapshots must cost little more than its
query (BENCH.md B6), so on SQLite pandas reads the thin store's plain sqlite3
connection (``AppContext.sqlite_reader``, store/lite.py): no SQLAlchemy. The
analytics SQL is written with ``:name`` parameters; ``bind`` makes them what
sqlite3 takes, the store's way (lists expanded, times as naive UTC text).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

NAME = re.compile(r"(?<!:):(\w+)")


def bind(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``:name`` parameters as sqlite3 takes them: a list becomes ``:name_0, :name_1 …``
    (in parentheses), an aware datetime naive UTC text as the store writes it."""
    values: dict[str, Any] = {}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            return match.group(0)
        value = params[name]
        if isinstance(value, list | tuple):
            for i, item in enumerate(value):
                values[f"{name}_{i}"] = _value(item)
            return "(" + ", ".join(f":{name}_{i}" for i in range(len(value))) + ")"
        values[name] = _value(value)
        return f":{name}"

    return NAME.sub(one, sql), values


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
