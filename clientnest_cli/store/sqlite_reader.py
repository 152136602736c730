"""Plain sqlite3 reads for the analytics commands: no SQLAlchemy, no ORM.

`analytics overview` over a million snapshots must cost little more than its
query (BENCH.md B6). Importing SQLAlchemy and building the store's two engines
costs about a second on a busy machine, more than everything the overview does
besides the query. So on a SQLite store the analytics reads go through one
plain connection opened here, after the checks ``Store.open`` makes (the file
exists, its schema is this code's); parameters are bound the store's way
(lists expanded, times as naive UTC text). Anything else (PostgreSQL, a URL
with options, a read-only file) answers None and reads through the engine.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from clientnest_cli.errors import NotInitialised, StoreError

PREFIX = "sqlite:///"
NAME = re.compile(r"(?<!:):(\w+)")


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL, else None."""
    if not url.startswith(PREFIX) or "?" in url:
        return None
    name = unquote(url[len(PREFIX) :])
    return Path(name) if name and name != ":memory:" else None


def open_reader(path: Path) -> sqlite3.Connection | None:
    """A read connection to the store file (None when the file is read-only: the
    engine copes with that), refused like ``Store.open`` refuses."""
    from clientnest_cli.store.db import check_revision, is_read_only

    if not path.exists():
        raise NotInitialised("ClientNest has no store yet", hint="run `clientnest init` first")
    if is_read_only(path):
        return None
    try:
        conn = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, timeout=30, check_same_thread=False
        )
        conn.execute("PRAGMA query_only=ON")  # reads only, whatever a caller sends
        known = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        revision = (
            conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] if known else None
        )
    except sqlite3.Error as exc:
        raise StoreError(
            f"cannot open the store (SQLite file {path}): {exc}",
            hint="check CLIENTNEST_DATABASE_URL / database_url and the file's permissions",
        ) from exc
    check_revision(revision)
    return conn


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
