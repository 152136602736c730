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

from clientnest_cli.errors import NotInitialised, StoreError
from clientnest_cli.paths import Paths, ensure_private_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

# The newest migration; a test checks it equals Alembic's head.
SCHEMA_REVISION = "0002_publish_checking"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_url(paths: Paths) -> str:
    return f"sqlite:///{paths.database_file}"


def describe(url: str) -> str:
    """Where a URL points, without its password, for error messages."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def prepare_sqlite_file(path: Path) -> None:
    """Folder 0700 and file 0600 before SQLite touches them."""
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
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=20,  # one per publishing thread, no churn of PRAGMA-running connects
            max_overflow=20,
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


def _connect_error(url: str, exc: Exception) -> StoreError:
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
        raise _connect_error(str(engine.url.render_as_string(hide_password=False)), exc) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store: {exc}") from exc


def migrate(engine: Engine) -> None:
    """Bring the store to the code's schema (Alembic upgrade head)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def check_schema(engine: Engine) -> None:
    """Refuse to work on a store that is missing, behind or ahead of the code."""
    revision = current_revision(engine)
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


def check_writable(url: str) -> None:
    path = _sqlite_path(url)
    # The owner-write bit is honoured even for root, who os.access() always lets write.
    if (
        path is not None
        and path.exists()
        and (not os.access(path, os.W_OK) or not os.stat(path).st_mode & stat.S_IWUSR)
    ):
        raise StoreError(
            f"the store file {path} is not writable", hint="fix its permissions (chmod 600)"
        )


class Store:
    """An engine plus the session factory; one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = _sqlite_path(url)
        if path is not None and path.exists():
            check_writable(url)
        self.engine = make_engine(url)
        self._read_engine: Engine | None = None

    @property
    def read_engine(self) -> Engine:
        """For read-only units of work: on SQLite they skip the write lock."""
        if self._read_engine is None:
            self._read_engine = (
                make_engine(self.url, for_reads=True) if self.dialect == "sqlite" else self.engine
            )
        return self._read_engine

    @classmethod
    def open(cls, url: str, *, create: bool = False, check: bool = True) -> Store:
        path = _sqlite_path(url)
        if path is not None:
            if not create and not path.exists():
                raise NotInitialised(
                    "ClientNest has no store yet", hint="run `clientnest init` first"
                )
            if create:
                prepare_sqlite_file(path)
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
                raise _store_failure(self.url, exc) from exc
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None and self._read_engine is not self.engine:
            self._read_engine.dispose()


def _store_failure(url: str, exc: Exception) -> StoreError:
    text = str(getattr(exc, "orig", exc))
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"the store ({describe(url)}) is read-only", hint="fix the file's permissions"
        )
    return _connect_error(url, exc)
