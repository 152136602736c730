"""`db roles --apply`: the database itself enforces the roles (issue 14).

Proven with raw SQL as each login against the real PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok, seed_account
from tests.pg_logins import Logins, logins_fixture  # noqa: F401 - the fixture


@pytest.fixture
def team(home: Path, pg_url: str, logins: Logins, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", pg_url)
    init_store()
    names = {"owner": logins.url.username}
    for role in ("viewer", "editor", "admin"):
        name, _url = logins.create(role)
        ok("users", "add", f"{role}@acme.test", "--role", role, "--db-role", name)
        names[role] = name
    seed_account("x", "acme")
    ok("post", "create", "Owner text", "--to", "x:acme")
    ok("policy", "set", "approval.editors", "true")
    ok("db", "roles", "--apply")
    return names


def sql_as(logins: Logins, login: str, statement: str) -> list[tuple]:
    import psycopg

    u = logins.url
    with psycopg.connect(
        f"host={u.host} port={u.port} user={login} dbname={u.database}", autocommit=True
    ) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def refused(logins: Logins, login: str, statement: str) -> str:
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        sql_as(logins, login, statement)
    return str(caught.value)


def test_a_viewer_login_can_only_read(team: dict, logins: Logins) -> None:
    assert sql_as(logins, team["viewer"], "SELECT content FROM post") == [("Owner text",)]
    refused(logins, team["viewer"], "UPDATE post SET content = 'hacked'")
    refused(logins, team["viewer"], "DELETE FROM post")
    refused(logins, team["viewer"], "UPDATE \"user\" SET role = 'owner'")
    assert sql_as(logins, team["owner"], "SELECT content FROM post") == [("Owner text",)]


def test_an_editor_login_cannot_approve_or_change_people_or_policy(
    team: dict, logins: Logins
) -> None:
    ed = team["editor"]
    assert "approve" in refused(logins, ed, "UPDATE post SET approval_status = 'approved'")
    refused(logins, ed, "UPDATE post SET approved_by = 1")
    refused(logins, ed, "UPDATE \"user\" SET role = 'owner' WHERE email = 'editor@acme.test'")
    refused(logins, ed, "INSERT INTO policysetting (key, value, updated_by, updated_at) "
                        "VALUES ('approval.editors', 'false', 'x', now())")  # fmt: skip
    refused(logins, ed, "UPDATE policysetting SET value = 'false'")
    refused(logins, ed, "UPDATE replyrequest SET status = 'sent'")
    # content is theirs to change, and the change needs a new approval
    sql_as(logins, ed, "UPDATE post SET content = 'Editor text'")
    assert sql_as(logins, team["owner"], "SELECT content, approval_status FROM post") == [
        ("Editor text", "required")
    ]
    sql_as(logins, team["admin"], "UPDATE post SET approval_status = 'approved'")


@pytest.mark.parametrize("who", ["viewer", "editor", "admin", "owner"])
def test_no_login_can_rewrite_the_audit_log(team: dict, logins: Logins, who: str) -> None:
    before = sql_as(logins, team["owner"], "SELECT count(*) FROM auditevent")
    refused(logins, team[who], "DELETE FROM auditevent")
    refused(logins, team[who], "UPDATE auditevent SET actor = 'nobody'")
    refused(logins, team[who], "TRUNCATE auditevent")
    assert sql_as(logins, team["owner"], "SELECT count(*) FROM auditevent") == before


def test_the_app_works_for_each_login_under_the_grants(
    team: dict, logins: Logins, monkeypatch: pytest.MonkeyPatch
) -> None:
    def as_(who: str) -> None:
        monkeypatch.setenv("CLIENTNEST_DATABASE_URL", logins.url_for(team[who]))

    as_("editor")
    ok("post", "edit", "1", "--text", "Editor wording")
    ok("post", "submit", "1")
    run = cli("post", "approve", "1")
    assert run.exit_code == 2 and "needs admin" in run.stderr
    as_("viewer")
    assert ok("post", "list", "--json").json()[0]["approval_status"] == "pending"
    as_("admin")
    ok("post", "approve", "1")
    report = ok("users", "erase", "editor@acme.test", "--reassign-to", "admin@acme.test", "--json")
    assert report.json()["audit_events_pseudonymised"] >= 2
    rows = sql_as(logins, team["owner"], "SELECT actor, details::text FROM auditevent")
    assert not [r for r in rows if "editor@acme.test" in (r[0] + r[1]).lower()]


def test_db_roles_refusals(team: dict, logins: Logins, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", logins.url_for(team["admin"]))
    run = cli("db", "roles", "--apply")
    assert run.exit_code == 2 and "needs owner" in run.stderr
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", logins.url_for(team["owner"]))
    printed = ok("db", "roles").stdout
    assert "CREATE TRIGGER auditevent_insert_only" in printed and team["editor"] in printed


def test_db_roles_on_sqlite_says_it_is_for_postgresql(home: Path) -> None:
    init_store()
    run = cli("db", "roles", "--apply")
    assert run.exit_code == 2 and "for a PostgreSQL store" in run.stderr
