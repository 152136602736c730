"""Two people at once: one owner from racing `init`s, no merged post edits (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok, seed_account


def test_racing_inits_make_exactly_one_owner(
    home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "clientnest_cli", "init", "--email", f"o{i}@acme.test"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ),
        )
        for i in range(4)
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert sorted(code for code, _ in results) == [0, 2, 2, 2], results
    assert all("already initialised" in err for code, err in results if code == 2)
    users = ok("users", "list", "--json").json()
    assert [u["role"] for u in users] == ["owner"]


@pytest.fixture
def post_id(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    seed_account("x", "acme")
    made = ok("post", "create", "First text", "--to", "x:acme", "--json").json()
    return str(made[0]["id"])


def test_the_second_of_two_edits_is_refused_and_nothing_is_merged(post_id: str) -> None:
    opened = ok("post", "show", post_id, "--json").json()["version"]
    ok("post", "edit", post_id, "--at", "2030-03-01 09:00", "--expect-version", str(opened))
    run = cli("post", "edit", post_id, "--text", "Other text", "--expect-version", str(opened))
    assert run.exit_code == 2
    assert f"post {post_id} changed since you opened it — reload" in run.stderr
    after = ok("post", "show", post_id, "--json").json()
    assert after["content"] == "First text" and after["status"] == "scheduled"
    assert after["version"] == opened + 1


def test_editor_session_open_while_someone_else_edits(
    post_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import click

    def meanwhile(text: str, **_: object) -> str:
        ok("post", "edit", post_id, "--at", "2030-03-01 09:00")  # a colleague's change
        return "My edit in the editor"

    monkeypatch.setattr(click, "edit", meanwhile)
    run = cli("post", "edit", post_id)
    assert run.exit_code == 2 and "changed since you opened it" in run.stderr
    assert ok("post", "show", post_id, "--json").json()["content"] == "First text"


def test_concurrent_edits_of_one_version_one_wins(post_id: str) -> None:
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts_manage import edit_post

    version = ok("post", "show", post_id, "--json").json()["version"]
    start, outcomes = threading.Barrier(2), []

    def edit(**change: str) -> None:
        ctx = AppContext()
        try:
            start.wait()
            edit_post(ctx, int(post_id), expected_version=version, **change)
            outcomes.append("ok")
        except BadInput as exc:
            outcomes.append(exc.message)
        finally:
            ctx.close()

    threads = [
        threading.Thread(target=edit, kwargs={"text": "Text from A"}),
        threading.Thread(target=edit, kwargs={"at": "2030-04-01 09:00"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["ok", f"post {post_id} changed since you opened it"]
    after = ok("post", "show", post_id, "--json").json()
    merged = after["content"] == "Text from A" and after["status"] == "scheduled"
    assert not merged and after["version"] == version + 1
