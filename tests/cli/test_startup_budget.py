"""Start-up budget of the store-only commands: no heavy module is imported.

Each command runs as a whole process under ``python -X importtime`` (not
timed); the test reads which modules were imported and fails when one on the
deny-list shows up. ``publish now`` has its own case in tests/publishing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import init_store, ok, seed_account

DENY_ALL = ("pandas", "sklearn", "textual", "alembic", "dateparser")
DENY_STORE_ONLY = (*DENY_ALL, "httpx", "keyring", "clientnest_cli.security.secretfile")


def imported_modules(*args: str) -> set[str]:
    """Every module the CLI imported while running ``args`` in a fresh process."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "clientnest_cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, f"{args}: {proc.stderr[-2000:]}"
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "clientnest_cli.cli.app" in names  # the probe really ran our CLI
    return names


def denied(modules: set[str], deny: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == d or m.startswith(d + ".") for d in deny))


@pytest.fixture
def store(home: Path) -> dict[str, str]:
    init_store()
    seed_account("x", "acme")
    feed = ok("accounts", "connect", "feed", "--path", str(home / "feed.json"), "--json").json()
    post = ok("post", "create", "Hello", "--to", "x:acme", "--json").json()[0]
    return {"feed": feed["ref"], "post": str(post["id"])}


STORE_ONLY = [
    ("post", "list"),
    ("post", "list", "--json"),
    ("post", "show", "{post}"),
    ("post", "create", "Budget check", "--to", "{feed}"),
    ("accounts", "list"),
    ("calendar", "--week"),
    ("audit", "list"),
    ("users", "list"),
]


@pytest.mark.parametrize("args", STORE_ONLY, ids=" ".join)
def test_store_only_command_imports_nothing_heavy(
    store: dict[str, str], args: tuple[str, ...]
) -> None:
    modules = imported_modules(*(a.format(**store) for a in args))
    assert denied(modules, DENY_STORE_ONLY) == []


def test_entry_point_skips_the_pydantic_plugin_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    from clientnest_cli.cli import main

    monkeypatch.setattr(main, "app", lambda prog_name: None)
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    main.run()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "1"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "0")  # the user's own choice wins
    main.run()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "0"
