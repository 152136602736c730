"""Engine, sessions, and the schema check every command makes.

SQLite by default (a file in the data dir, 0600 in a 0700 folder, WAL mode,
a busy timeout so two processes can share it); PostgreSQL when
``database_url`` says ``postgresql+psycopg://…``.

Schema policy: ``clientnest init`` creates and migrates a new store;
``clientnest db upgrade`` migrates an existing one. Every other command checks
the store's revision first and refuses, with that hint, when the store is
behind the code (or ahead of it: then the program is the old one).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import ConfigError, NotInitialised, StoreError
from clientnest_cli.paths import Paths, ensure_private_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

# The newest migration; a test checks it equals Alembic's head.
SCHEMA_REVISION = "0009_dashboard_indexes"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_url(paths: Paths) -> str:
    return f"sqlite:///{paths.database_file}"


def describe(url: str) -> str:
    """Where a URL points, without its password, for error messages."""
    from clientnest_cli.store.lite import describe as describe_url

    return describe_url(url)


def _sqlite_path(url: str) -> Path | None:
    from clientnest_cli.store.lite import sqlite_file

    return sqlite_file(url)


def check_sqlite_folder(path: Path, *, make_folder: bool) -> None:
    """Refuse a SQLite path whose folder is a file, or (for a ``database_url``
    the user wrote) does not exist: ClientNest creates only its own default
    folder, never one a typo in the config names (and never silently as root)."""
    folder = path.parent
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise ConfigError(
            f"database_url points into {ancestor}, which is a file, not a folder",
            hint="fix database_url (CLIENTNEST_DATABASE_URL) in the config",
        )
    if not folder.exists() and not make_folder:
        raise ConfigError(
            f"database_url points into {folder}, which does not exist",
            hint=f"create it first (mkdir -p {folder}) or fix database_url",
        )


def sqlite_path(url: str) -> Path | None:
    """The SQLite file a URL names (None for PostgreSQL or in-memory)."""
    return _sqlite_path(url)


def prepare_sqlite_file(path: Path, *, make_folder: bool = True) -> None:
    """Folder 0700 and file 0600 before SQLite touches them."""
    check_sqlite_folder(path, make_folder=make_folder)
    if make_folder:
        ensure_private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def make_engine(url: str, *, for_reads: bool = False) -> Engine:
    """An engine; on SQLite ``for_reads`` gives one whose transactions do not
    take the write lock (WAL readers never block the writer or each other)."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        extra: dict[str, Any] = {}
        if path is not None and "uri=true" not in url:  # a read-only URI sets its own mode
            # mode=rw: a store file that vanished is an error, never silently re-created empty
            def _open_existing() -> Any:
                import sqlite3

                return sqlite3.connect(
                    f"file:{path}?mode=rw", uri=True, timeout=30, check_same_thread=False
                )

            extra["creator"] = _open_existing
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=20,  # one per publishing thread, no churn of PRAGMA-running connects
            max_overflow=20,
            **extra,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN below take the lock itself (IMMEDIATE),
            # so two writers queue on busy_timeout instead of deadlocking.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN" if for_reads else "BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 5},
    )


def connect_error(url: str, exc: Exception) -> StoreError:
    reason = (
        str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    )
    return StoreError(
        f"cannot open the store ({describe(url)}): {reason}",
        hint="check CLIENTNEST_DATABASE_URL / database_url, that the server runs and accepts you",
    )


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for an empty database."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise connect_error(str(engine.url.render_as_string(hide_password=False)), exc) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store: {exc}") from exc


def migrate(engine: Engine) -> None:
    """Bring the store to the code's schema (Alembic upgrade head)."""
    with engine.begin() as conn:
        init_lock(conn)
        migrate_on(conn)


def migrate_on(conn: Any) -> None:
    """Alembic upgrade head on ``conn``, inside the caller's transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


INIT_LOCK = 74_530_014  # PostgreSQL advisory lock key: one migration / init at a time


def init_lock(conn: Any) -> None:
    """Serialise schema changes and `init` between processes for this transaction.

    SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL takes a
    transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INIT_LOCK})


def check_schema(engine: Engine) -> None:
    """Refuse to work on a store that is missing, behind or ahead of the code."""
    check_revision(current_revision(engine))


def check_revision(revision: str | None) -> None:
    """Refuse a store whose Alembic revision is missing, behind or ahead of the code."""
    if revision is None:
        raise NotInitialised("ClientNest has no store yet", hint="run `clientnest init` first")
    if revision != SCHEMA_REVISION:
        known = {p.stem for p in (MIGRATIONS_DIR / "versions").glob("*.py")}
        if revision in known:
            raise StoreError(
                f"the store's schema ({revision}) is older than this ClientNest ({SCHEMA_REVISION})",
                hint="back up the store, then run `clientnest db upgrade`",
            )
        raise StoreError(
            f"the store's schema ({revision}) is newer than this ClientNest knows",
            hint="upgrade ClientNest to the version that wrote it",
        )


def is_read_only(path: Path) -> bool:
    """The file cannot (or must not) be written: no write permission, no owner-write
    bit (honoured even for root, whom os.access() always lets write), or a folder
    where SQLite cannot create its journal files."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return (
        not os.access(path, os.W_OK)
        or not mode & stat.S_IWUSR
        or not os.access(path.parent, os.W_OK | os.X_OK)
    )


def read_only_error(url: str) -> StoreError:
    path = _sqlite_path(url)
    return StoreError(
        f"the store file {path or describe(url)} is not writable (read-only)",
        hint="this command changes the store: make the file and its folder writable "
        "by you; commands that only read still work",
    )


def _read_only_url(path: Path) -> str:
    """SQLite opened read-only. Where the folder is read-only too (a read-only
    home or mount), SQLite cannot make the WAL's shared-memory file, so the file
    is opened as immutable: nothing can change it there anyway."""
    from urllib.parse import quote

    immutable = "" if os.access(path.parent, os.W_OK | os.X_OK) else "&immutable=1"
    return f"sqlite:///file:{quote(str(path))}?mode=ro{immutable}&uri=true"


class Store:
    """An engine plus the session factory; one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = _sqlite_path(url)
        # A read-only store still answers reading commands; a write fails with
        # read_only_error (SQLite opened with mode=ro refuses it, even for root).
        self.read_only = path is not None and is_read_only(path)
        self.engine = make_engine(_read_only_url(path) if self.read_only and path else url)
        self._read_engine: Engine | None = None

    @property
    def read_engine(self) -> Engine:
        """For read-only units of work: on SQLite they skip the write lock."""
        if self._read_engine is None:
            self._read_engine = (
                make_engine(str(self.engine.url), for_reads=True)
                if self.dialect == "sqlite"
                else self.engine
            )
        return self._read_engine

    @classmethod
    def open(
        cls, url: str, *, create: bool = False, check: bool = True, make_folder: bool = True
    ) -> Store:
        """``make_folder``: may ``create`` make the SQLite file's missing folder
        (yes for the default data folder, no for a database_url the user wrote)."""
        path = _sqlite_path(url)
        if path is not None:
            if not create and not path.exists():
                raise NotInitialised(
                    "ClientNest has no store yet", hint="run `clientnest init` first"
                )
            if create:
                prepare_sqlite_file(path, make_folder=make_folder)
        store = cls(url)
        if check and not create:
            check_schema(store.engine)
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error.

        ``readonly`` sessions must not write: on SQLite they run without the
        write lock, so many readers and one writer proceed at once.
        """
        from sqlalchemy.exc import OperationalError
        from sqlmodel import Session

        engine = self.read_engine if readonly else self.engine
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                if self.read_only and "readonly" in str(getattr(exc, "orig", exc)):
                    raise read_only_error(self.url) from exc
                raise store_failure(self.url, exc) from exc
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None and self._read_engine is not self.engine:
            self._read_engine.dispose()


def store_failure(url: str, exc: Exception) -> StoreError:
    text = str(getattr(exc, "orig", exc))
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"the store ({describe(url)}) is read-only", hint="fix the file's permissions"
        )
    return connect_error(url, exc)
