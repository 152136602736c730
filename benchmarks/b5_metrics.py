"""B5: `clientnest metrics sync` for 100,000 published X posts, next to a bare httpx
loop over the same batched requests (GET /2/tweets?ids=…&tweet.fields=public_metrics,
100 ids each). The emulator's own counter must show ⌈n/100⌉ requests.

The tweets are seeded inside the emulator process with its ``seed_tweet``
(benchmarks/emulator.py); each run gets a fresh emulator and a fresh store.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks import setup
from benchmarks.common import CLIENTNEST, PYTHON, ROOT, Row, log, ratio_row, spread, timed

RUNS = 3
ACCOUNTS = 10
PER_ACCOUNT = 10_000
TOTAL = ACCOUNTS * PER_ACCOUNT
BATCH = 100
LOOKUP = "GET /2/tweets"
FLOOR = Path(__file__).parent / "floors" / "b5_lookup.py"


def available() -> bool:
    done = subprocess.run([*CLIENTNEST, "metrics", "sync", "--help"], capture_output=True, cwd=ROOT)
    return done.returncode == 0


def calls(emu: setup.EmulatorProc) -> int:
    return httpx.get(f"{emu.base}/_bench/calls", timeout=30).json().get(LOOKUP, 0)


def published_posts(accounts: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    def rows(ids: list[int]):  # type: ignore[no-untyped-def]
        when = datetime.now(UTC) - timedelta(hours=2)
        for account_id, account in zip(ids, accounts, strict=True):
            for n, tweet_id in enumerate(account["tweets"]):
                yield setup.post_row(
                    account_id,
                    f"seeded {account['handle']} {n}",
                    when,
                    status="published",
                    scheduled_at=when,
                    published_at=when,
                    platform_post_id=tweet_id,
                    platform_url=f"https://x.com/{account['handle']}/status/{tweet_id}",
                )

    return rows


def one_figure(run: int) -> tuple[float, int, int]:
    with setup.emulator(ACCOUNTS, PER_ACCOUNT) as emu, setup.home() as h:
        rows = setup.account_rows(ACCOUNTS, base_url=emu.x_base, users=emu.accounts)
        setup.install_credentials(h, ACCOUNTS)
        setup.insert(h, rows, published_posts(emu.accounts))
        start = time.perf_counter()
        done = h.cli("metrics", "sync", "--json", check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"metrics sync exited {done.returncode}: {done.stderr[-600:]}")
        snapshots = setup.count(h, "SELECT count(*) FROM postmetricssnapshot")[0][0]
        return elapsed, calls(emu), snapshots


def one_floor(run: int) -> tuple[float, int]:
    with setup.emulator(ACCOUNTS, PER_ACCOUNT) as emu, tempfile.TemporaryDirectory() as tmp:
        jobs = [
            [a["token"], a["tweets"][i : i + BATCH]]
            for a in emu.accounts
            for i in range(0, len(a["tweets"]), BATCH)
        ]
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(jobs))
        elapsed = timed([PYTHON, str(FLOOR), emu.x_base, str(jobs_file)])
        return elapsed, calls(emu)


def run() -> Row:
    workload = f"`metrics sync`, {TOTAL:,} published X posts / {ACCOUNTS} accounts"
    if not available():
        return Row("B5", workload, "not built yet", target="requests = ⌈n/100⌉; ratio ≤ 1.5")
    figures, floors, requests, snaps = [], [], [], []
    for r in range(RUNS):
        t, n = one_floor(r)
        floors.append(t)
        log(f"B5 floor run {r}: {t:.2f} s, {n} requests")
        t, n, s = one_figure(r)
        figures.append(t)
        requests.append(n)
        snaps.append(s)
        log(f"B5 run {r}: {t:.2f} s, {n} requests, {s} snapshots")
    want = math.ceil(TOTAL / BATCH)
    row = ratio_row("B5", workload, figures, floors, 1.5)
    row.target = "requests = ⌈n/100⌉; ratio ≤ 1.5"
    if any(n != want for n in requests):
        row.verdict = "MISS"
    row.figure += f" (median of {RUNS}; requests {'/'.join(map(str, requests))}, want {want})"
    row.notes.append(
        f"B5 runs: {spread(figures)} s; floor runs: {spread(floors)} s; "
        f"snapshots written per run: {snaps}"
    )
    return row
