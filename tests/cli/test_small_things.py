"""Small things a user notices (issue 17): help, config show, audit, daemon status,
thread column, account show, connect without a browser, unreachable servers,
the review's dead code."""

from __future__ import annotations

import json
import re
import tomllib
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.cli.posts_support import setup_store
from tests.helpers import cli, init_store, ok, seed_account

ROOT = Path(__file__).parents[2]


def _leaf_commands() -> list[tuple[str, Any, Any]]:
    """(path, command, context) of every command, lazy groups loaded."""
    import typer

    from clientnest_cli.cli.main import app

    found = []
    root = typer.main.get_command(app)
    context = type(root.make_context("clientnest", ["--help"], resilient_parsing=True))

    def walk(cmd: Any, ctx: Any, path: str) -> None:
        if hasattr(cmd, "list_commands"):  # a group (Typer bundles its own click)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, context(sub, info_name=name, parent=ctx), f"{path} {name}")
        else:
            found.append((path, cmd, ctx))

    walk(root, context(root, info_name="clientnest"), "clientnest")
    return found


def test_help_shows_metavars_not_python_types() -> None:
    leaves = _leaf_commands()
    assert len(leaves) > 50
    for path, cmd, ctx in leaves:
        text = cmd.get_help(ctx)
        assert not re.search(r"<(list\[)?[a-zA-Z]+\]?>", text), f"{path}:\n{text}"
        usage = text.splitlines()[0]
        assert "{" not in usage, f"{path}: {usage}"
    create = next(c.get_help(x) for p, c, x in leaves if p == "clientnest post create")
    assert "--to TEXT" in create and "--media PATH" in create
    connect = next(c.get_help(x) for p, c, x in leaves if p == "clientnest accounts connect")
    assert connect.splitlines()[0].endswith("[OPTIONS] PLATFORM")


def test_every_option_of_post_create_and_edit_has_help() -> None:
    for path, cmd, _ctx in _leaf_commands():
        if path in ("clientnest post create", "clientnest post edit"):
            options = [p for p in cmd.params if getattr(p, "param_type_name", "") == "option"]
            missing = [p.name for p in options if not p.help]
            assert missing == [], (path, missing)


def test_config_show_prints_toml(home: Path) -> None:
    (home / "config.toml").write_text('[platforms.x]\nclient_id = "abc"\n[ai]\nmodel = "m"\n')
    text = ok("config", "show").stdout
    parsed = tomllib.loads(text)
    shown = ok("config", "show", "--json").json()

    def without_none(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_none(v) for k, v in value.items() if v is not None}
        return value

    assert parsed == without_none(shown)
    assert "# user is not set" in text and "{'" not in text


def test_audit_list_details_are_json(home: Path) -> None:
    init_store()
    ok("users", "add", "ed@acme.test", "--role", "editor", "--tier", "starter")
    lines = ok("audit", "list").stdout.strip().splitlines()
    header, rows = lines[0].split("\t"), [line.split("\t") for line in lines[1:]]
    details = [row[header.index("details")] for row in rows if row[header.index("details")]]
    assert details and all(isinstance(json.loads(d), dict) for d in details)
    assert not any("': " in d for d in details)


def test_daemon_status_shows_next_due_in_the_users_zone(home: Path) -> None:
    setup_store(tz="Asia/Tokyo")
    ok("post", "create", "Later", "--to", "x:acme", "--at", "2030-05-01T09:00:00+09:00")
    text = ok("daemon", "status").stdout
    assert "next due at 2030-05-01 09:00 JST" in text
    assert ok("daemon", "status", "--json").json()["timezone"] == "Asia/Tokyo"


def test_thread_column_counts_parts(home: Path) -> None:
    setup_store()
    ok("post", "create", "Decoy", "--to", "x:acme")
    ok("post", "create", "One\n---\nTwo\n---\nThree", "--to", "x:acme", "--thread")
    lines = ok("post", "list").stdout.strip().splitlines()
    header = lines[0].split("\t")
    threads = sorted(line.split("\t")[header.index("thread")] for line in lines[1:])
    assert threads == ["", "part 1 of 3", "part 2 of 3", "part 3 of 3"]
    parts = [p for p in ok("post", "list", "--json").json() if p["thread_parent_id"]]
    last = max(parts, key=lambda p: p["thread_position"])
    shown = ok("post", "show", str(last["id"])).stdout
    assert f"(part 3 of the thread that starts with post {last['thread_parent_id']})" in shown


def test_account_show_text_agrees_with_json_on_reconnect_before(home: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

    init_store()
    account_id = seed_account("x", "acme")
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            row = session.get(SocialAccount, account_id)
            assert row is not None
            row.token_expires_at = datetime.now(UTC) + timedelta(hours=2)
            session.add(row)
    finally:
        ctx.close()
    data = ok("accounts", "show", "x:acme", "--json").json()
    assert data["reconnect_before"] is None and data["token_expires_at"]
    text = ok("accounts", "show", "x:acme").stdout
    line = next(x for x in text.splitlines() if x.startswith("reconnect_before"))
    assert line.split() == ["reconnect_before"]


def test_connect_without_a_browser_says_what_to_do(
    home: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_store()
    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: False)  # no browser on this machine
    sandbox.emulator("x").faults.consent = "never"
    run = cli("accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "0.5")
    assert run.exit_code == 1
    assert "No browser found" in run.stderr and "curl -sL '" in run.stderr
    assert "Waiting up to 0 s" in run.stderr or "Waiting up to 1 s" in run.stderr
    no_browser = cli(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--no-browser",
        "--timeout", "0.5",
    )  # fmt: skip
    assert "No browser found" not in no_browser.stderr and "curl -sL '" in no_browser.stderr


def test_an_unreachable_server_comes_with_a_hint(home: Path) -> None:
    import socket

    init_store()
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = cli("accounts", "connect", "mastodon", "--server", f"http://127.0.0.1:{port}")
    assert run.exit_code == 1, run.stderr
    assert "could not reach mastodon (ConnectError) — nothing answers at" in run.stderr
    assert "clientnest sandbox serve" in run.stderr


def test_pyproject_license_is_an_spdx_string() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]


def test_test_scripts_keep_their_output_clean() -> None:
    pg = (ROOT / "scripts" / "pg.sh").read_text()
    assert "(cd / && su postgres" in pg  # su cannot enter an unreadable working folder
    assert "Failed to set fd limit" in (ROOT / "scripts" / "test.sh").read_text()


DEAD = ("stored_path", "media_counts", "ALL_TABLES", "AttemptOutcome", "notify_on_")


def test_the_dead_code_the_review_found_stays_gone() -> None:
    """media.stored_path, Posts.media_counts, models.ALL_TABLES, AttemptOutcome and
    the never-read user.notify_on_* columns (dropped by a migration, which alone may
    name them). ai/streaming.py came back with a user: the TUI editor streams."""
    package = ROOT / "clientnest_cli"
    streaming_users = [p for p in (package / "tui").rglob("*.py") if "on_text" in p.read_text()]
    assert not (package / "ai" / "streaming.py").exists() or streaming_users
    found = [
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        for name in DEAD
        if name in path.read_text()
    ]
    assert found == []
