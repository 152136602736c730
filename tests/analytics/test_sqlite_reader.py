"""Analytics reads on SQLite go through the thin store's sqlite3 connection (BENCH.md B6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from clientnest_cli.store.sqlite_reader import bind
from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import cli, ok

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


def test_bind_expands_lists_and_writes_times_as_the_store_does() -> None:
    when = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    text, values = bind(
        "SELECT 1 WHERE a IN :ids AND t >= :start AND x::text = :name", {
            "ids": [3, 4], "start": when, "name": "n",
        },
    )  # fmt: skip
    assert text == "SELECT 1 WHERE a IN (:ids_0, :ids_1) AND t >= :start AND x::text = :name"
    assert values == {"ids_0": 3, "ids_1": 4, "start": "2026-03-29 01:30:00.000000", "name": "n"}


def test_overview_on_sqlite_loads_no_sqlalchemy(seeded: Seeded) -> None:
    args = ["analytics", "overview", "--json", "--until", UNTIL, "--period", "60d"]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=os.environ
    )
    lines = proc.stderr.strip().splitlines()
    modules = set(json.loads(lines[-1]))
    assert proc.returncode == 0, lines[:-1]
    assert json.loads(proc.stdout)["accounts"]  # it really answered
    assert "pandas" in modules and "sqlalchemy" not in modules and "sqlmodel" not in modules
    # the same figures as through the engine (the store's own reads)
    assert json.loads(proc.stdout) == ok(*args).json()


def test_a_store_at_another_schema_is_refused_the_same_way(seeded: Seeded, home: Path) -> None:
    import sqlite3

    db = home / "data" / "clientnest.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    run = cli("analytics", "overview", "--json")
    assert run.exit_code != 0 and "newer than this ClientNest" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
