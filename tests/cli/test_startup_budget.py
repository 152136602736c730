"""Start-up budget of the store-only commands: no heavy module is imported.

Each command runs as a whole process under ``python -X importtime`` (not
timed); the test reads which modules were imported and fails when one on the
deny-list shows up. ``publish now`` has its own case in tests/publishing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import entry_point, init_store, ok, seed_account

DENY_ALL = ("pandas", "sklearn", "textual", "alembic", "dateparser")
DENY_STORE_ONLY = (*DENY_ALL, "httpx", "keyring", "clientnest_cli.security.secretfile")
# the store-only commands run on the thin store (store/lite.py): no ORM at all; their
# settings are read without pydantic-settings and their options without Typer's
# Pydantic adapters (cli/startup.py), so no pydantic either
DENY_READING = (
    *DENY_STORE_ONLY,
    "sqlalchemy",
    "sqlmodel",
    "clientnest_cli.store.models",
    "pydantic",
    "pydantic_settings",
)


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


READING = [
    ("post", "list"),
    ("post", "list", "--json"),
    ("post", "show", "{post}"),
    ("post", "show", "{post}", "--json"),
    ("post", "create", "Budget check", "--to", "{feed}"),
    ("post", "create", "Budget check", "--to", "{feed}", "--json"),
    ("accounts", "list"),
    ("calendar", "--week"),
    ("audit", "list"),
    ("users", "list"),
]


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_store_only_command_imports_no_orm(store: dict[str, str], args: tuple[str, ...]) -> None:
    modules = imported_modules(*(a.format(**store) for a in args))
    assert denied(modules, DENY_READING) == []


def test_options_convert_as_typers_adapters_do(store: dict[str, str]) -> None:
    bad = entry_point("post", "list", "--limit", "many")
    assert bad.returncode == 2
    assert "Invalid value for '--limit'" in bad.stderr and "valid integer" in bad.stderr
    low = entry_point("audit", "list", "--limit", "0")
    assert low.returncode == 2 and "greater than or equal to 1" in low.stderr
    one = entry_point("post", "list", "--limit", "1", "--status", "draft", "--json")
    assert one.returncode == 0 and len(json.loads(one.stdout)) == 1
    made = entry_point("post", "create", "Two", "--to", store["feed"], "--hashtag", "a", "--json")
    assert made.returncode == 0 and json.loads(made.stdout)[0]["hashtags"] == ["a"]


def trimmed(env: dict[str, str]) -> list[str]:
    """After the entry point's trims: the pydantic plugin switch, and httpx's CLI loaded?"""
    probe = (
        "import os, sys; from clientnest_cli.cli import startup; startup.trim(); import httpx; "
        "print(os.environ['PYDANTIC_DISABLE_PLUGINS'], 'rich.console' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.split()


def test_entry_point_skips_the_plugin_scan_and_httpx_cli() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    assert trimmed(env) == ["1", "False"]
    assert trimmed({**env, "PYDANTIC_DISABLE_PLUGINS": "0"})[0] == "0"  # the user's choice wins
