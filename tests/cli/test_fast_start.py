"""`clientnest --help` must not pull in the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import clientnest_cli.cli.main  # noqa: F401 - fills LAZY
from clientnest_cli.cli.lazy import LAZY

HEAVY = [
    "pandas",
    "sklearn",
    "textual",
    "sqlmodel",
    "sqlalchemy",
    "httpx",
    "pydantic_settings",
    "rich",
    "dateparser",
    "keyring",
    "uvicorn",
    "starlette",
    "apscheduler",
]

PROBE = """
import json, sys
sys.argv = ["clientnest", *sys.argv[1:]]
from clientnest_cli.cli.main import app
try:
    app(prog_name="clientnest")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules)), file=sys.stderr)
"""


def loaded_modules(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_help_imports_no_heavy_library() -> None:
    modules = loaded_modules("--help")
    assert "clientnest_cli.cli.main" in modules  # the probe really ran our CLI
    heavy = sorted(h for h in HEAVY if h in modules)
    assert heavy == []


def test_root_help_imports_no_noun_module() -> None:
    modules = loaded_modules("--help")
    assert not [
        m
        for m in modules
        if m.startswith("clientnest_cli.cli.")
        and m.split(".")[-1]
        in ("posts", "ai", "accounts", "publish", "daemon", "metrics", "sandbox")
    ]


@pytest.mark.parametrize("noun", sorted(LAZY))
def test_every_noun_help_imports_no_heavy_library(noun: str) -> None:
    modules = loaded_modules(noun, "--help")
    assert f"clientnest_cli.cli.{LAZY[noun][0].split(':')[0]}" in modules
    assert [h for h in HEAVY if h in modules] == []


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clientnest_cli", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("clientnest ")
