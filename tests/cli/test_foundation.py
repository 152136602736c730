"""init, users, clients, audit, config and doctor through the CLI, as a user runs them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok


@pytest.fixture
def store(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An initialised store on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    return database_url


def audit_actions() -> list[str]:
    return [e["action"] for e in ok("audit", "list", "--json").json()]


def test_init_creates_owner_and_private_sqlite_file(home: Path) -> None:
    run = init_store()
    assert "owner@acme.test" in run.stdout
    db = home / "data" / "clientnest.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700
    users = ok("users", "list", "--json").json()
    assert [(u["email"], u["role"], u["timezone"]) for u in users] == [
        ("owner@acme.test", "owner", "Europe/Berlin")
    ]
    assert audit_actions() == ["store.init"]


def test_users_lifecycle(store: str) -> None:
    ok("users", "add", "Ed@Acme.test", "--role", "editor", "--tier", "starter", "--name", "Ed")
    ed = ok("users", "show", "ed@acme.test", "--json").json()
    assert (ed["email"], ed["role"], ed["tier"]) == ("ed@acme.test", "editor", "starter")
    assert ed["ai_tokens_limit"] == 200_000  # the starter tier's row in the tier table
    ok("users", "set-role", "ed@acme.test", "admin")
    ok("users", "set-tier", "ed@acme.test", "business")
    ed = ok("users", "show", "ed@acme.test", "--json").json()
    assert (ed["role"], ed["tier"], ed["ai_tokens_limit"]) == ("admin", "business", 5_000_000)
    ok("users", "remove", "ed@acme.test")
    assert [u["email"] for u in ok("users", "list", "--json").json()] == ["owner@acme.test"]
    assert audit_actions()[:4] == ["user.remove", "user.set_tier", "user.set_role", "user.add"]


def test_clients_lifecycle(store: str) -> None:
    ok("clients", "add", "Acme", "--notes", "coffee")
    ok("clients", "add", "Beta")
    assert [c["name"] for c in ok("clients", "list", "--json").json()] == ["Acme", "Beta"]
    assert ok("clients", "show", "acme", "--json").json()["notes"] == "coffee"
    ok("clients", "remove", "Beta")
    assert [c["name"] for c in ok("clients", "list", "--json").json()] == ["Acme"]
    missing = cli("clients", "show", "Beta")
    assert missing.exit_code == 2 and "no client named 'Beta'" in missing.stderr


def test_roles_are_enforced_and_refusals_name_the_role(store: str) -> None:
    ok("users", "add", "viewer@acme.test", "--role", "viewer")
    ok("users", "add", "editor@acme.test", "--role", "editor")
    ok("users", "add", "admin@acme.test", "--role", "admin")
    refused = cli("--as", "viewer@acme.test", "clients", "add", "Nope")
    assert refused.exit_code == 2
    assert "needs editor" in refused.stderr
    ok("--as", "editor@acme.test", "clients", "add", "Fine")
    refused = cli("--as", "editor@acme.test", "users", "add", "x@acme.test")
    assert refused.exit_code == 2 and "needs admin" in refused.stderr
    refused = cli("--as", "admin@acme.test", "users", "set-role", "owner@acme.test", "viewer")
    assert refused.exit_code == 2 and "needs owner" in refused.stderr
    assert ok("users", "show", "owner@acme.test", "--json").json()["role"] == "owner"
    assert "x@acme.test" not in ok("users", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "not-an-email"), "is not an e-mail address"),
        (("users", "add", "a@acme.test", "--role", "boss"), "unknown role 'boss'"),
        (("users", "add", "a@acme.test", "--tier", "gold"), "unknown tier 'gold'"),
        (("users", "add", "a@acme.test", "--timezone", "Mars/Base"), "unknown timezone"),
        (("users", "set-role", "owner@acme.test", "viewer"), "last owner"),
        (("users", "remove", "owner@acme.test"), "last owner"),
        (("users", "add", "owner@acme.test"), "already exists"),
        (("init", "--email", "second@acme.test"), "already initialised"),
        (("--as", "ghost@acme.test", "users", "list"), "no user with email ghost@acme.test"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    store: str, args: tuple[str, ...], message: str
) -> None:
    before_users = ok("users", "list", "--json").json()
    before_audit = audit_actions()
    run = cli(*args)
    assert run.exit_code == 2, run.stderr
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert ok("users", "list", "--json").json() == before_users
    assert audit_actions() == before_audit


@pytest.mark.parametrize(
    "args", [("users", "list"), ("clients", "add", "Acme"), ("audit", "list"), ("db", "status")]
)
def test_any_command_before_init_says_to_init(home: Path, args: tuple[str, ...]) -> None:
    run = cli(*args)
    assert run.exit_code == 2
    assert "run `clientnest init` first" in run.stderr
    assert not (home / "data" / "clientnest.db").exists()


def test_debug_shows_the_traceback(home: Path) -> None:
    run = cli("--debug", "users", "list")
    assert run.exit_code == 2 and "Traceback" in run.stderr


def test_database_url_pointing_at_nothing_names_host_and_port(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", "postgresql+psycopg://u:pw@127.0.0.1:9/none")
    run = cli("init", "--email", "o@acme.test")
    assert run.exit_code == 1
    assert "127.0.0.1:9" in run.stderr and "pw" not in run.stderr.replace("psycopg", "")
    assert len(run.stderr.strip().splitlines()) == 1


def test_read_only_store_file_is_refused_untouched(home: Path) -> None:
    init_store()
    db = home / "data" / "clientnest.db"
    before = db.read_bytes()
    db.chmod(0o400)
    try:
        run = cli("clients", "add", "Acme")
        assert run.exit_code == 1
        assert "not writable" in run.stderr
        assert db.read_bytes() == before
    finally:
        db.chmod(0o600)


def test_audit_list_filters_by_user_and_since(store: str) -> None:
    ok("users", "add", "admin@acme.test", "--role", "admin")
    ok("--as", "admin@acme.test", "clients", "add", "Acme")
    mine = ok("audit", "list", "--user", "admin@acme.test", "--json").json()
    assert [e["action"] for e in mine] == ["client.add"]
    assert ok("audit", "list", "--since", "in 1 hour", "--json").json() == []
    assert len(ok("audit", "list", "--since", "1 hour ago", "--json").json()) == 3
