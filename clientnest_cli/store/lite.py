"""The thin store: stdlib ``sqlite3`` or ``psycopg``, hand-written SQL, plain rows.

Importing SQLAlchemy and building the SQLModel classes costs several times a
whole `import typer`, more than a command that reads a page of rows needs in
all. The store-only commands (`post list/show`, `accounts list`, `calendar`,
`audit list`, `users list`) therefore read through this layer: the same file
or server, opened the same way (SQLite: ``mode=rw``, or read-only when the file
is; WAL; foreign keys; busy timeout), the same schema check (the stored Alembic
revision against ``SCHEMA_REVISION``, no Alembic import) and the same errors as
``store/db.py``. ``psycopg`` is imported only for a PostgreSQL URL.

SQL is written with ``?`` placeholders; on PostgreSQL they become ``%s``.
Rows come back as the dataclasses of ``store/rows.py``: datetimes aware UTC,
JSON columns parsed, booleans as bool, like the ORM's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from clientnest_cli.errors import NotInitialised, StoreError

R = TypeVar("R")


# --- URLs -----------------------------------------------------------------------------


def dialect_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` (the part before ``+driver``)."""
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def _sqlite_rest(url: str) -> str:
    """What follows ``sqlite:///``, as written (``""`` for ``sqlite://``)."""
    rest = url.split(":", 1)[1] if ":" in url else ""
    rest = rest[2:] if rest.startswith("//") else rest
    return rest[1:] if rest.startswith("/") else rest


def sqlite_database(url: str) -> str:
    """The database part of a SQLite URL, unquoted, without the query."""
    return unquote(_sqlite_rest(url).split("?", 1)[0])


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names (None for PostgreSQL or in-memory)."""
    if dialect_of(url) != "sqlite":
        return None
    database = sqlite_database(url)
    if not database or database == ":memory:":
        return None
    return Path(database)


def describe(url: str) -> str:
    """Where a URL points, without its password, for error messages."""
    if dialect_of(url) == "sqlite":
        return f"SQLite file {sqlite_database(url) or None}"
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/")) or None
    return f"PostgreSQL at {parts.hostname or 'localhost'}:{parts.port or 5432}/{database}"


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` as the ``postgresql://…`` libpq reads."""
    return "postgresql:" + url.split(":", 1)[1]


# --- values ---------------------------------------------------------------------------


def utc_datetime(value: Any) -> datetime | None:
    """A stored time (naive UTC text on SQLite, a datetime on PostgreSQL) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _bool(value: Any) -> bool:
    return bool(value)


_CONVERTERS: dict[type, list[Any]] = {}


def _converters(row_type: type) -> list[Any]:
    found = _CONVERTERS.get(row_type)
    if found is None:
        found = []
        for f in fields(row_type):
            kind = str(f.type)
            if kind.startswith("datetime"):
                found.append(utc_datetime)
            elif kind.startswith(("dict", "list")):
                found.append(_json)
            elif kind == "bool":
                found.append(_bool)
            else:
                found.append(None)
        _CONVERTERS[row_type] = found
    return found


def to_row(row_type: type[R], values: Sequence[Any]) -> R:
    converted = [
        value if convert is None else convert(value)
        for convert, value in zip(_converters(row_type), values, strict=False)
    ]
    return row_type(*converted)


def db_datetime(value: datetime, dialect: str) -> Any:
    """An aware datetime as the column stores it (SQLite: naive UTC text)."""
    value = value.astimezone(UTC)
    if dialect == "sqlite":
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


# --- the connection -------------------------------------------------------------------


class LiteDB:
    """One connection to the store; ``unit()`` is a unit of work on it."""

    def __init__(self, url: str, conn: Any, dialect: str, read_only: bool) -> None:
        self.url = url
        self.conn = conn
        self.dialect = dialect
        self.read_only = read_only

    @classmethod
    def open(cls, url: str) -> LiteDB:
        """The store at ``url`` if it exists and is at the code's schema."""
        dialect = dialect_of(url)
        db = cls._open_sqlite(url) if dialect == "sqlite" else cls._open_postgresql(url)
        try:
            db._check_schema()
        except BaseException:
            db.close()
            raise
        return db

    @classmethod
    def _open_sqlite(cls, url: str) -> LiteDB:
        import sqlite3

        from clientnest_cli.store.db import is_read_only

        path = sqlite_file(url)
        if path is not None and not path.exists():
            raise NotInitialised("ClientNest has no store yet", hint="run `clientnest init` first")
        read_only = path is not None and is_read_only(path)
        if path is None:
            target, uri = sqlite_database(url) or ":memory:", False
        elif "uri=true" in url:
            target, uri = _sqlite_rest(url), True
        else:
            target, uri = f"file:{quote(str(path))}?{_sqlite_mode(path, read_only)}", True
        try:
            conn = sqlite3.connect(
                target, uri=uri, timeout=30, isolation_level=None, check_same_thread=False
            )
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "busy_timeout=30000",
            ):
                conn.execute(f"PRAGMA {pragma}")
        except sqlite3.OperationalError as exc:
            raise _failure(url, exc, read_only) from exc
        except sqlite3.Error as exc:  # not a database at all (a stray file)
            raise StoreError(f"cannot read the store: {exc}") from exc
        return cls(url, conn, "sqlite", read_only)

    @classmethod
    def _open_postgresql(cls, url: str) -> LiteDB:
        import psycopg

        try:
            conn = psycopg.connect(libpq_url(url), connect_timeout=5)
        except psycopg.Error as exc:
            from clientnest_cli.store.db import connect_error

            raise connect_error(url, exc) from exc
        return cls(url, conn, "postgresql", False)

    def _check_schema(self) -> None:
        from clientnest_cli.store.db import check_revision

        try:
            revision = self._revision()
        except Exception as exc:
            if not self._is_driver_error(exc, any_database_error=True):
                raise
            # not a database at all (a stray file): as store/db.current_revision says it
            raise StoreError(f"cannot read the store: {exc}") from exc
        check_revision(revision)

    def _revision(self) -> str | None:
        if self.dialect == "sqlite":
            with self.unit() as db:
                if not db.rows(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                    ("alembic_version",),
                ):
                    return None
                return db.scalar("SELECT version_num FROM alembic_version")
        with self.unit() as db:
            if db.scalar("SELECT to_regclass('alembic_version')") is None:
                return None
            return db.scalar("SELECT version_num FROM alembic_version")

    # --- units of work ------------------------------------------------------------
    @contextmanager
    def unit(self, *, write: bool = False) -> Iterator[LiteDB]:
        """A transaction: committed on success, rolled back on error.

        On SQLite a reading unit takes no write lock (``BEGIN``); a writing one
        takes it at once (``BEGIN IMMEDIATE``) so writers queue on the busy
        timeout, as the ORM's sessions do."""
        try:
            if self.dialect == "sqlite":
                self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield self
            self.conn.commit() if self.dialect == "postgresql" else self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if self._is_driver_error(exc):
                raise _failure(self.url, exc, self.read_only) from exc
            raise

    def _rollback(self) -> None:
        try:
            if self.dialect == "postgresql":
                self.conn.rollback()
            elif self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except Exception:  # the first error is the one to report
            pass

    def _is_driver_error(self, exc: BaseException, *, any_database_error: bool = False) -> bool:
        if self.dialect == "sqlite":
            import sqlite3

            kind: Any = sqlite3.DatabaseError if any_database_error else sqlite3.OperationalError
        else:
            import psycopg

            kind = psycopg.DatabaseError if any_database_error else psycopg.OperationalError
        return isinstance(exc, kind)

    # --- queries ------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("%", "%%").replace("?", "%s")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(self._sql(sql), tuple(params))
        return list(cur.fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def fetch(self, row_type: type[R], sql: str, params: Sequence[Any] = ()) -> list[R]:
        """Rows of ``sql`` (which selects ``rows.columns(row_type)``) as ``row_type``."""
        return [to_row(row_type, values) for values in self.rows(sql, params)]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self._sql(sql), tuple(params))

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement run for every row of parameters."""
        if self.dialect == "sqlite":
            self.conn.executemany(sql, [tuple(r) for r in rows])
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])

    def param(self, value: Any) -> Any:
        """A Python value as its column takes it: datetimes as ``db_datetime``, dicts
        and lists as JSON."""
        if isinstance(value, datetime):
            return db_datetime(value, self.dialect)
        if isinstance(value, dict | list):
            if self.dialect == "sqlite":
                return json.dumps(value)
            from psycopg.types.json import Json

            return Json(value)
        return value

    def in_list(self, values: Sequence[Any]) -> str:
        """``(?, ?, ?)`` for an IN over ``values`` (callers skip empty lists)."""
        return "(" + ", ".join("?" for _ in values) + ")"

    def close(self) -> None:
        with suppress(Exception):  # closing at exit
            self.conn.close()


def _sqlite_mode(path: Path, read_only: bool) -> str:
    """``mode=rw`` (a vanished file is an error, never re-created empty); a
    read-only file opens ``mode=ro``, and ``immutable`` where the folder is
    read-only too (SQLite cannot make the WAL's shared-memory file there)."""
    import os

    if not read_only:
        return "mode=rw"
    return "mode=ro" + ("" if os.access(path.parent, os.W_OK | os.X_OK) else "&immutable=1")


def _failure(url: str, exc: BaseException, read_only: bool) -> StoreError:
    from clientnest_cli.store.db import read_only_error, store_failure

    if read_only and "readonly" in str(exc):
        return read_only_error(url)
    return store_failure(url, exc)  # type: ignore[arg-type]
