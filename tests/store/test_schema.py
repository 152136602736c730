"""Migrations, the schema check, and aware UTC datetimes on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from clientnest_cli.errors import NotInitialised, StoreError
from clientnest_cli.store import db
from clientnest_cli.store.db import SCHEMA_REVISION, Store, check_schema, migrate
from clientnest_cli.store.models import AuditEvent, User


def fresh(url: str) -> Store:
    store = Store.open(url, create=True)
    migrate(store.engine)
    return store


def test_schema_revision_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_REVISION


def test_migrations_match_the_models(database_url: str) -> None:
    """Autogenerate finds nothing to do: the migration and the models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from clientnest_cli.store.models import SQLModel

    store = fresh(database_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_datetimes_come_back_aware_utc(database_url: str) -> None:
    store = fresh(database_url)
    berlin_noon = datetime(2026, 3, 29, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as s:
        s.add(AuditEvent(actor="t", action="x", created_at=berlin_noon))
    with store.session() as s:
        event = s.get(AuditEvent, 1)
        assert event is not None
        assert event.created_at.tzinfo is not None
        assert event.created_at.utcoffset() == timedelta(0)
        assert event.created_at == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(database_url: str) -> None:
    store = fresh(database_url)
    with pytest.raises(Exception, match="naive datetime"), store.session() as s:
        s.add(User(email="n@x.test", created_at=datetime(2026, 1, 1)))
        s.flush()


def test_store_behind_the_code_is_refused_with_upgrade_hint(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = fresh(database_url)
    monkeypatch.setattr(db, "SCHEMA_REVISION", "0002_next")
    with pytest.raises(StoreError) as err:
        check_schema(store.engine)
    assert "older" in err.value.message and "clientnest db upgrade" in (err.value.hint or "")


def test_store_ahead_of_the_code_is_refused(database_url: str) -> None:
    store = fresh(database_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match="newer"):
        check_schema(store.engine)


def test_empty_database_is_not_initialised(database_url: str) -> None:
    store = Store.open(database_url, create=True)
    with pytest.raises(NotInitialised):
        check_schema(store.engine)


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    store = fresh(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_reader_does_not_hold_the_sqlite_write_lock(tmp_path: Path) -> None:
    from sqlmodel import select

    store = fresh(f"sqlite:///{tmp_path / 'x.db'}")
    with store.session(readonly=True) as reader:
        assert reader.exec(select(User)).all() == []
        with store.session() as writer:  # would wait for the reader if it held the lock
            writer.add(User(email="w@x.test"))
    with store.session(readonly=True) as reader:
        assert [u.email for u in reader.exec(select(User)).all()] == ["w@x.test"]
