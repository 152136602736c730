"""`db backup` while the daemon publishes, `db restore` into a new home (issue 14)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok
from tests.publishing.daemon_runner import Daemons, status_counts, wait_for


def _snapshot() -> dict[str, list]:
    """Posts with their states, and every metrics snapshot, from the current store."""
    from sqlalchemy import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, PostMetricsSnapshot

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            posts = session.execute(
                select(Post.id, Post.content, Post.status, Post.platform_post_id).order_by(Post.id)
            ).all()
            metrics = session.execute(
                select(PostMetricsSnapshot.post_id, PostMetricsSnapshot.likes).order_by(
                    PostMetricsSnapshot.id
                )
            ).all()
        return {"posts": [tuple(p) for p in posts], "metrics": [tuple(m) for m in metrics]}
    finally:
        ctx.close()


def _make_due(ids: list[int]) -> None:
    from sqlalchemy import update

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, PostMetricsSnapshot
    from clientnest_cli.store.types import utcnow

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            session.execute(update(Post).where(Post.id.in_(ids)).values(scheduled_at=utcnow()))  # type: ignore[union-attr]
            for post_id in ids[:3]:
                session.add(PostMetricsSnapshot(post_id=post_id, likes=post_id * 7))
    finally:
        ctx.close()


@pytest.fixture
def second_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty second store of the same kind, for the new home."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'home2' / 'data' / 'clientnest.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(database_url)
    name = f"cn_{uuid.uuid4().hex[:12]}"
    dsn = f"host={base.host} port={base.port} user={base.username} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_while_the_daemon_publishes_then_restore_into_a_new_home(
    home: Path,
    database_url: str,
    second_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    feed = tmp_path / "feed.json"
    ref = ok("accounts", "connect", "feed", "--path", str(feed), "--json").json()["ref"]
    ids = []
    for i in range(12):
        made = ok("post", "create", f"Post {i}", "--to", ref, "--at", "2030-01-01 09:00", "--json")
        ids.append(made.json()[0]["id"])
    ok("post", "create", "A draft", "--to", ref)
    _make_due(ids[:8])
    backup = tmp_path / "backup.db"
    with Daemons(tmp_path / "logs") as daemons:
        daemon = daemons.start("backup")
        wait_for(lambda: status_counts(ids)["published"] >= 1, 60, "the first send", daemons)
        ok("db", "backup", str(backup))  # while the daemon runs
        wait_for(lambda: status_counts(ids)["published"] == 8, 60, "every due post", daemons)
        final = tmp_path / "final.db"
        ok("db", "backup", str(final))
        assert daemons.stop(daemon) == 0
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    original = _snapshot()

    monkeypatch.setenv("CLIENTNEST_HOME", str(tmp_path / "home2"))
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", second_url)
    ok("db", "restore", str(backup))
    mid = _snapshot()  # a consistent moment of a busy store
    assert [(p[0], p[1]) for p in mid["posts"]] == [(p[0], p[1]) for p in original["posts"]]
    assert mid["metrics"] == original["metrics"]
    published = {p[0] for p in original["posts"] if p[2] == "published"}
    assert {p[0] for p in mid["posts"] if p[2] == "published"} <= published
    refused = cli("db", "restore", str(final))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    ok("db", "restore", str(final), "--force")
    assert _snapshot() == original  # the same posts, states and metrics
    assert len(json.loads(feed.read_text())["items"]) == 8
    assert [u["email"] for u in ok("users", "list", "--json").json()] == ["owner@acme.test"]


def test_backup_refusals(home: Path, tmp_path: Path) -> None:
    init_store()
    ok("users", "add", "ed@acme.test", "--role", "editor")
    target = tmp_path / "b.db"
    run = cli("--as", "ed@acme.test", "db", "backup", str(target))
    assert run.exit_code == 2 and "needs admin" in run.stderr and not target.exists()
    target.write_text("x")
    run = cli("db", "backup", str(target))
    assert run.exit_code == 2 and "already exists" in run.stderr
    run = cli("db", "restore", str(target), "--force")
    assert run.exit_code == 2 and "is not a ClientNest SQLite backup" in run.stderr
    run = cli("db", "restore", str(tmp_path / "none.db"))
    assert run.exit_code == 2 and "no backup file" in run.stderr


def test_pg_dump_missing_says_what_to_install(
    home: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", pg_url)
    init_store()
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    run = cli("db", "backup", str(tmp_path / "b.dump"))
    assert run.exit_code == 1 and "pg_dump is not installed" in run.stderr
    assert "postgresql-client" in run.stderr


def test_the_daemon_stops_when_its_sqlite_file_disappears(home: Path, tmp_path: Path) -> None:
    init_store()
    db = home / "data" / "clientnest.db"
    with Daemons(tmp_path / "logs") as daemons:
        daemon = daemons.start("gone")
        daemons.wait_started(daemon, 60)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        code = daemon.proc.wait(60)
        log = daemons.log_tail(daemon, 100)
    assert code == 1, log
    assert "disappeared; the daemon stopped" in log
    assert not db.exists()  # no empty store was made in its place
