"""Client names and account handles are found in any case, non-ASCII included,
on both databases; a store made before the keys existed gets them on upgrade."""

from __future__ import annotations

from sqlalchemy import text

from clientnest_cli.store.db import (
    MIGRATIONS_DIR,
    SCHEMA_REVISION,
    Store,
    current_revision,
    migrate,
)
from clientnest_cli.store.models import Client, SocialAccount
from clientnest_cli.store.repos import Accounts, Clients


def _upgrade_to(store: Store, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_lookups_fold_unicode_case(database_url: str) -> None:
    store = Store.open(database_url, create=True)
    migrate(store.engine)
    with store.session() as s:
        s.add(Client(name="Ölmühle GmbH"))
        s.add(SocialAccount(platform="feed", handle="Ünï.json", platform_user_id="f"))
    with store.session() as s:
        assert Clients(s).by_name("ölmühle gmbh") is not None
        assert Clients(s).by_name("ÖLMÜHLE GMBH") is not None
        [account] = Accounts(s).by_handle("ÜNÏ.JSON", "feed")
        account.handle = "Straße.json"  # a rename keeps the key current
        s.add(account)
    with store.session() as s:
        assert [a.handle for a in Accounts(s).by_handle("STRASSE.JSON")] == ["Straße.json"]
    store.dispose()


def test_upgrade_fills_the_keys_of_existing_rows(database_url: str) -> None:
    store = Store.open(database_url, create=True)
    _upgrade_to(store, "0001_initial")
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO client (name, notes, created_at) VALUES ('Ölmühle', '', :t)"),
            {"t": "2026-01-01 00:00:00"},
        )
    migrate(store.engine)
    assert current_revision(store.engine) == SCHEMA_REVISION
    with store.session() as s:
        found = Clients(s).by_name("ÖLMÜHLE")
        assert found is not None and found.name_key == "ölmühle"
    store.dispose()
