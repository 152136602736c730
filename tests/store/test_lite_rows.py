"""The thin store's rows and the SQLModel tables cannot drift apart.

Every field of a ``store/rows.py`` dataclass is a column of the table of the
same name in the SQLModel metadata (which the migrations match, see
test_schema.py), and the thin store reads the same values the ORM does.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from clientnest_cli.store.rows import ROW_TYPES


@pytest.mark.parametrize("row_type", ROW_TYPES, ids=lambda t: t.__name__)
def test_every_field_is_a_column_of_its_table(row_type: type) -> None:
    from sqlmodel import SQLModel

    import clientnest_cli.store.models  # noqa: F401 - fills the metadata

    table = SQLModel.metadata.tables[row_type.TABLE]  # type: ignore[attr-defined]
    names = [f.name for f in fields(row_type)]
    assert [n for n in names if n not in table.columns] == []
    assert "id" in names


def test_describe_and_sqlite_path_read_urls_like_sqlalchemy() -> None:
    from sqlalchemy.engine import make_url

    from clientnest_cli.store.lite import describe, sqlite_file

    for url in [
        "sqlite:///rel/x.db",
        "sqlite:////abs/a%20b/x.db",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://u:p%40w@h:5433/db%20x",
        "postgresql+psycopg://postgres@/db?host=/tmp",
    ]:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            want = None if parsed.database in (None, "", ":memory:") else Path(parsed.database)
            assert sqlite_file(url) == want, url
            assert describe(url) == f"SQLite file {parsed.database}", url
        else:
            assert sqlite_file(url) is None
            assert describe(url) == (
                f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"
            )


def test_thin_store_reads_what_the_orm_wrote(database_url: str) -> None:
    from datetime import UTC, datetime

    from clientnest_cli.store.db import Store, migrate
    from clientnest_cli.store.lite import LiteDB
    from clientnest_cli.store.lite_repos import LiteAccounts, LitePosts, LiteUsers
    from clientnest_cli.store.models import Post, SocialAccount, User
    from clientnest_cli.store.post_filter import PostFilter

    store = Store.open(database_url, create=True)
    migrate(store.engine)
    when = datetime(2027, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    with store.session() as s:
        user = User(email="Owner@Acme.test", role="owner", timezone="Europe/Berlin")
        s.add(user)
        s.flush()
        account = SocialAccount(platform="x", handle="Straße", settings={"max_characters": 9})
        s.add(account)
        s.flush()
        s.add(
            Post(
                account_id=account.id or 0,
                content="hi",
                hashtags=["a", "ü"],
                ai_generated=True,
                scheduled_at=when,
                created_by=user.id,
            )
        )
    store.dispose()
    db = LiteDB.open(database_url)
    try:
        with db.unit() as unit:
            found = LiteUsers(unit).by_email("owner@ACME.test")
            accounts = LiteAccounts(unit).by_handle("STRASSE", "x")
            ((post, platform, handle),) = LitePosts(unit).list(PostFilter())
    finally:
        db.close()
    assert found is not None and found.timezone == "Europe/Berlin"
    assert [a.settings for a in accounts] == [{"max_characters": 9}]
    assert (platform, handle) == ("x", "Straße")
    assert post.hashtags == ["a", "ü"] and post.ai_generated is True
    assert post.scheduled_at == when and post.scheduled_at.tzinfo is UTC


def test_thin_store_post_defaults_are_the_models() -> None:
    from clientnest_cli.store.lite_repos import POST_DEFAULTS, POST_FRESH
    from clientnest_cli.store.models import Post

    made = Post(account_id=1, content="x").model_dump()
    given = {"id", "account_id", "content"}
    assert set(made) == set(POST_DEFAULTS) | set(POST_FRESH) | given
    assert {k: made[k] for k in POST_DEFAULTS} == POST_DEFAULTS


def test_a_post_written_by_either_unit_reads_back_the_same(database_url: str) -> None:
    from datetime import UTC, datetime

    from clientnest_cli.store.db import Store, migrate
    from clientnest_cli.store.lite import LiteDB
    from clientnest_cli.store.lite_repos import LiteUnit
    from clientnest_cli.store.models import Post, SocialAccount
    from clientnest_cli.store.repos import OrmUnit

    store = Store.open(database_url, create=True)
    migrate(store.engine)
    with store.session() as s:
        account = SocialAccount(platform="x", handle="a")
        s.add(account)
        s.flush()
        account_id = account.id
    values = {
        "account_id": account_id,
        "content": "hi",
        "hashtags": ["t"],
        "group_id": "g" * 32,
        "status": "scheduled",
        "scheduled_at": datetime(2027, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    }
    with store.session() as s:
        orm_id = OrmUnit(s).add_post(**values).id
    db = LiteDB.open(database_url)
    try:
        with db.unit(write=True) as unit:
            lite_id = LiteUnit(unit).add_post(**values).id
    finally:
        db.close()
    skip = {"id", "idempotency_key", "created_at", "updated_at"}
    with store.session() as s:
        a, b = (s.get(Post, i).model_dump(exclude=skip) for i in (orm_id, lite_id))  # type: ignore[union-attr]
    store.dispose()
    assert a == b


def test_a_stray_file_as_the_store_is_one_line_for_reads_and_writes(home: Path) -> None:
    from tests.helpers import cli

    (home / "data").mkdir()
    (home / "data" / "clientnest.db").write_bytes(b"not a database " * 20)
    for args in (("post", "list"), ("post", "create", "x", "--to", "x:a"), ("post", "edit", "1")):
        run = cli(*args)
        assert run.exit_code == 1, args
        assert "cannot read the store" in run.stderr and "Traceback" not in run.stderr, args
