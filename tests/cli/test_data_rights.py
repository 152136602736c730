"""users remove / export / erase and clients export / erase (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.posts_support import write_png
from tests.helpers import cli, init_store, ok

ED = ("--as", "ed@acme.test")


@pytest.fixture
def store(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    ok("users", "add", "ed@acme.test", "--role", "editor", "--name", "Edwina Editor")
    return database_url


def connect_feed(tmp_path: Path, name: str = "feed.json") -> str:
    feed = tmp_path / name
    return ok("accounts", "connect", "feed", "--path", str(feed), "--json").json()["ref"]


def ed_used_the_ai() -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import AIRequestLog, User

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            from sqlmodel import select

            ed = session.exec(select(User).where(User.email == "ed@acme.test")).one()
            session.add(AIRequestLog(user_id=ed.id, purpose="generate", model="m", cost=0.01))
    finally:
        ctx.close()


def everything_in_the_store() -> str:
    """Every row of every table, as text."""
    from sqlalchemy import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SQLModel

    ctx = AppContext()
    try:
        with ctx.store.engine.connect() as conn:
            return "\n".join(
                repr(row)
                for table in SQLModel.metadata.sorted_tables
                for row in conn.execute(select(table)).all()
            )
    finally:
        ctx.close()


def test_remove_works_for_someone_who_posted_and_used_the_ai(store: str, tmp_path: Path) -> None:
    ref = connect_feed(tmp_path)
    pid = ok(*ED, "post", "create", "Ed's post", "--to", ref, "--json").json()[0]["id"]
    ed_used_the_ai()
    run = ok("users", "remove", "ed@acme.test", "--json")
    assert run.json()["posts_reassigned"] == 1 and run.json()["ai_requests_anonymised"] == 1
    assert [u["email"] for u in ok("users", "list", "--json").json()] == ["owner@acme.test"]
    shown = ok("post", "show", str(pid), "--json").json()
    assert shown["content"] == "Ed's post"  # the work stays; the person goes
    assert "ed@acme.test" not in everything_in_the_store().lower()
    assert ok("users", "add", "ed@acme.test").exit_code == 0  # the store is not broken


def test_export_then_erase_leaves_no_trace_and_posts_still_publish(
    store: str, tmp_path: Path, home: Path
) -> None:
    from clientnest_cli.services.context import AppContext

    ref = connect_feed(tmp_path)
    pid = ok(*ED, "post", "create", "Ed's launch", "--to", ref, "--json").json()[0]["id"]
    ed_used_the_ai()
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            from clientnest_cli.store.repos import Users

            ed_id = Users(session).by_email("ed@acme.test").id  # type: ignore[union-attr]
        ctx.secrets.set(f"user:{ed_id}:ai_key", "sk-edwinas-own-key")
    finally:
        ctx.close()
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "daemon.log").write_text("12:00 post 1 by ed@acme.test (Edwina Editor) sent\n")

    out = tmp_path / "ed.json"
    ok("users", "export", "ed@acme.test", str(out))
    data = json.loads(out.read_text())
    assert data["profile"]["email"] == "ed@acme.test" and data["profile"]["name"] == "Edwina Editor"
    assert [p["content"] for p in data["posts_authored"]] == ["Ed's launch"]
    assert len(data["ai_usage"]) == 1
    assert {"user.add", "post.create"} <= {e["action"] for e in data["audit_events"]}
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    again = cli("users", "export", "ed@acme.test", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr

    report = ok("users", "erase", "ed@acme.test", "--reassign-to", "owner@acme.test", "--json")
    report = report.json()
    assert report["posts_reassigned"] == 1 and report["keyring_entries_deleted"] == 1
    assert report["log_files_scrubbed"] == 1 and report["audit_events_pseudonymised"] >= 2
    dump = everything_in_the_store().lower()
    for trace in ("ed@acme.test", "edwina", "sk-edwinas-own-key"):
        assert trace not in dump
        assert trace not in (logs / "daemon.log").read_text().lower()
    assert report["pseudonym"] in ok("audit", "list").stdout
    ctx = AppContext()
    try:
        assert ctx.secrets.get(f"user:{ed_id}:ai_key") is None
    finally:
        ctx.close()
    ok("publish", "now", str(pid))  # now the owner's, and it still goes out
    feed = json.loads((tmp_path / "feed.json").read_text())
    assert [i["content_text"] for i in feed["items"]] == ["Ed's launch"]


def test_erase_refusals(store: str) -> None:
    for args, message in (
        (("users", "erase", "ghost@acme.test"), "no user with email ghost@acme.test"),
        (("users", "erase", "owner@acme.test"), "last owner"),
        (("users", "erase", "ed@acme.test", "--reassign-to", "ed@acme.test"), "being erased"),
        ((*ED, "users", "erase", "owner@acme.test"), "needs admin"),
        ((*ED, "users", "export", "owner@acme.test", "x.json"), "needs admin"),
    ):
        run = cli(*args)
        assert run.exit_code == 2 and message in run.stderr, (args, run.stderr)
    assert len(ok("users", "list", "--json").json()) == 2


def test_client_export_and_erase(store: str, tmp_path: Path, home: Path) -> None:
    ok("clients", "add", "Acme")
    ref = connect_feed(tmp_path)
    keep = connect_feed(tmp_path, "other.json")
    ok("accounts", "set-client", ref, "Acme")
    photo = write_png(tmp_path / "photo.png")
    ok("post", "create", "Acme news", "--to", ref, "--media", str(photo))
    ok("post", "create", "Other news", "--to", keep)
    out = tmp_path / "acme.json"
    ok("clients", "export", "Acme", str(out))
    data = json.loads(out.read_text())
    [account] = data["accounts"]
    assert [p["content"] for p in account["posts"]] == ["Acme news"]
    assert "secret_key" not in account["account"] and len(account["media"]) == 1
    report = ok("clients", "erase", "Acme", "--json").json()
    assert (report["accounts"], report["posts"], report["media"]) == (1, 1, 1)
    assert [p["content"] for p in ok("post", "list", "--json").json()] == ["Other news"]
    assert ok("clients", "list", "--json").json() == []
    assert report["media_files_deleted"] == 1 and not list((home / "data" / "media").glob("*"))
    assert len(ok("accounts", "list", "--json").json()) == 1
