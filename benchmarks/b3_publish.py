"""B3: `clientnest publish due` with 10,000 posts due across 100 X accounts against
the X emulator (its own process, no added latency), next to a bare asyncio + httpx
script sending the same 10,000 POST /2/tweets with the same concurrency.

Each run gets a fresh emulator (empty, fresh rate windows) and a fresh store, so
every run does the same work. The emulator must then hold exactly 10,000 tweets
whose text starts with the run's prefix, and the store 10,000 published posts.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import setup
from benchmarks.common import PYTHON, Row, log, ratio_row, spread, timed

RUNS = 3
ACCOUNTS = 100
PER_ACCOUNT = 100
TOTAL = ACCOUNTS * PER_ACCOUNT
FLOOR = Path(__file__).parent / "floors" / "b3_send.py"


def concurrency() -> int:
    from clientnest_cli.config import PublishingSettings

    return PublishingSettings().concurrency


def emulator_count(emu: setup.EmulatorProc, prefix: str) -> int:
    return sum(1 for t in emu.state()["tweets"] if t["text"].startswith(prefix + " "))


def one_figure(run: int) -> float:
    prefix = f"b3-run{run}"
    with setup.emulator(ACCOUNTS) as emu, setup.home() as h:
        rows = setup.account_rows(ACCOUNTS, base_url=emu.x_base, users=emu.accounts)
        first_due = datetime.now(UTC) - timedelta(minutes=1)
        setup.insert(h, rows, lambda ids: setup.due_posts(ids, PER_ACCOUNT, prefix, first_due))
        setup.install_credentials(h, ACCOUNTS)
        start = time.perf_counter()
        done = h.cli("publish", "due", "--json", check=False)
        elapsed = time.perf_counter() - start
        report = json.loads(done.stdout or "{}")
        published = setup.count(h, "SELECT count(*) FROM post WHERE status='published'")[0][0]
        held = emulator_count(emu, prefix)
        if published != TOTAL or held != TOTAL:
            raise RuntimeError(
                f"B3 run {run}: store published {published}, emulator holds {held}, "
                f"report failed={report.get('failed', [])[:3]} exit={done.returncode} "
                f"stderr={done.stderr[-400:]}"
            )
    return elapsed


def one_floor(run: int) -> float:
    prefix = f"b3-run{run}"
    with setup.emulator(ACCOUNTS) as emu, tempfile.TemporaryDirectory() as tmp:
        tokens = [a["token"] for a in emu.accounts]
        first_due = datetime.now(UTC)
        jobs = [
            [tokens[(row["account_id"] - 1)], row["content"]]
            for row in setup.due_posts(list(range(1, ACCOUNTS + 1)), PER_ACCOUNT, prefix, first_due)
        ]
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(jobs))
        elapsed = timed([PYTHON, str(FLOOR), emu.x_base, str(jobs_file), str(concurrency())])
        held = emulator_count(emu, prefix)
        if held != TOTAL:
            raise RuntimeError(f"B3 floor run {run}: emulator holds {held}")
    return elapsed


def run() -> Row:
    figures, floors = [], []
    for r in range(RUNS):
        floors.append(one_floor(r))
        log(f"B3 floor run {r}: {floors[-1]:.2f} s")
        figures.append(one_figure(r))
        log(f"B3 run {r}: {figures[-1]:.2f} s")
    row = ratio_row(
        "B3",
        f"`publish due`, {TOTAL:,} due / {ACCOUNTS} X accounts, concurrency {concurrency()}",
        figures,
        floors,
        2.0,
    )
    row.figure += f" (median of {RUNS}; emulator held exactly {TOTAL:,} each run)"
    row.notes.append(f"B3 runs: {spread(figures)} s; floor runs: {spread(floors)} s")
    return row
