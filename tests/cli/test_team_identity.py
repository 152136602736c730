"""Who acts: on PostgreSQL the database login, not a self-asserted e-mail (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok
from tests.pg_logins import Logins, logins_fixture  # noqa: F401 - the fixture


@pytest.fixture
def team(home: Path, pg_url: str, logins: Logins, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Owner = the test server's login; a viewer, an editor and an admin with their own."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", pg_url)
    init_store()
    urls = {"owner": pg_url}
    for role in ("viewer", "editor", "admin"):
        name, url = logins.create(role, grant_all=True)
        ok("users", "add", f"{role}@acme.test", "--role", role, "--db-role", name)
        urls[role] = url
    return urls


def as_login(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", url)


def audit(monkeypatch: pytest.MonkeyPatch, owner_url: str) -> list[dict]:
    as_login(monkeypatch, owner_url)
    return ok("audit", "list", "--json").json()


def test_a_viewer_cannot_promote_themselves(team: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    before = audit(monkeypatch, team["owner"])
    as_login(monkeypatch, team["viewer"])
    run = cli("users", "set-role", "viewer@acme.test", "admin")
    assert run.exit_code == 2 and "viewer@acme.test is viewer" in run.stderr
    run = cli("--as", "owner@acme.test", "users", "set-role", "viewer@acme.test", "admin")
    assert run.exit_code == 2 and "(--as) needs admin" in run.stderr
    assert run.stderr.count("\n") == 1
    assert audit(monkeypatch, team["owner"]) == before
    assert ok("users", "show", "viewer@acme.test", "--json").json()["role"] == "viewer"


def test_an_unmapped_login_is_refused(
    team: dict, logins: Logins, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, url = logins.create("stranger", grant_all=True)
    as_login(monkeypatch, url)
    run = cli("users", "list")
    assert run.exit_code == 2
    assert f"the database login '{name}' is not mapped" in run.stderr and "--db-role" in run.stderr


def test_acting_as_is_for_admins_and_audited_with_the_real_actor(
    team: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, team["admin"])
    ok("--as", "editor@acme.test", "clients", "add", "Acme")
    run = cli("--as", "owner@acme.test", "users", "list")
    assert run.exit_code == 2 and "cannot act as owner@acme.test" in run.stderr
    as_login(monkeypatch, team["editor"])
    ok("clients", "add", "Beta")  # as themselves: fine
    run = cli("--as", "admin@acme.test", "clients", "add", "Gamma")
    assert run.exit_code == 2 and "editor@acme.test is editor" in run.stderr
    events = {
        e["object"]: e for e in audit(monkeypatch, team["owner"]) if e["action"] == "client.add"
    }
    acme, beta = events["client:1"], events["client:2"]
    assert (acme["actor"], acme["acting_as"]) == ("admin@acme.test", "editor@acme.test")
    assert (beta["actor"], beta["acting_as"]) == ("editor@acme.test", "")
    assert "admin@acme.test acting as editor@acme.test" in ok("audit", "list").stdout


def test_logins_are_mapped_once_and_by_admins(team: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    viewer_login = make_url(team["viewer"]).username
    run = cli("users", "add", "x@acme.test", "--db-role", viewer_login)
    assert run.exit_code == 2 and "already mapped to viewer@acme.test" in run.stderr
    run = cli("users", "add", "x@acme.test", "--db-role", "bad name;")
    assert run.exit_code == 2 and "is not a PostgreSQL login name" in run.stderr
    as_login(monkeypatch, team["editor"])
    run = cli("users", "set-db-role", "editor@acme.test", "someone_else")
    assert run.exit_code == 2 and "needs admin" in run.stderr
