"""B8: the daemon's resident memory, idle and at B3's peak. One run.

The daemon starts on a store holding B3's backlog (10,000 posts across 100 X
accounts) due ``IDLE_S`` seconds later: VmRSS just before they fall due is the
idle figure (start-up has settled; nothing is due), then VmRSS is sampled every
100 ms until all 10,000 are published, and the maximum is the peak figure.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from benchmarks import setup
from benchmarks.common import Row, log

ACCOUNTS = 100
PER_ACCOUNT = 100
TOTAL = ACCOUNTS * PER_ACCOUNT
IDLE_S = 12.0
SAMPLE_S = 0.1


def run() -> Row:
    with setup.emulator(ACCOUNTS) as emu, setup.home() as h:
        rows = setup.account_rows(ACCOUNTS, base_url=emu.x_base, users=emu.accounts)
        setup.install_credentials(h, ACCOUNTS)
        setup.insert(h, rows, lambda ids: setup.due_posts(ids, PER_ACCOUNT, "b8", far_future()))
        log(f"B8: daemon idle {IDLE_S:.0f} s, then {TOTAL:,} posts fall due")
        samples: list[tuple[float, float]] = []
        with setup.daemon(h) as proc:
            start = time.monotonic()
            while time.monotonic() - start < IDLE_S:
                rss = setup.rss_mb(proc.pid)
                if rss is not None:
                    samples.append((time.monotonic() - start, rss))
                time.sleep(SAMPLE_S)
            idle = samples[-1][1]
            engine = h.engine()
            with engine.begin() as conn:  # everything falls due now
                conn.exec_driver_sql(
                    "UPDATE post SET scheduled_at = ? WHERE status = 'scheduled'",
                    (
                        (datetime.now(UTC) - timedelta(seconds=1))
                        .replace(tzinfo=None)
                        .isoformat(" "),
                    ),
                )
            engine.dispose()
            due_at = time.monotonic()
            peak, last_check, left = idle, 0.0, TOTAL
            while proc.poll() is None and time.monotonic() - due_at < 900:
                rss = setup.rss_mb(proc.pid)
                if rss is not None:
                    peak = max(peak, rss)
                if time.monotonic() - last_check > 1.0:
                    last_check = time.monotonic()
                    left = setup.count(
                        h, "SELECT count(*) FROM post WHERE status IN ('scheduled','publishing')"
                    )[0][0]
                    if left == 0:
                        break
                time.sleep(SAMPLE_S)
            drain = time.monotonic() - due_at
        published = setup.count(h, "SELECT count(*) FROM post WHERE status='published'")[0][0]
    ok = idle <= 150 and peak <= 350 and published == TOTAL
    row = Row(
        "B8",
        f"daemon VmRSS idle, and peak draining B3's backlog ({TOTAL:,} posts / {ACCOUNTS} accounts)",
        f"idle {idle:.0f} MB, peak {peak:.0f} MB (one run)",
        target="≤ 150 MB idle, ≤ 350 MB peak",
        verdict="ok" if ok else "MISS",
    )
    row.notes.append(
        f"B8: the daemon drained the backlog in {drain:.1f} s ({published:,} published, "
        f"{left} left when sampling stopped)"
    )
    return row


def far_future() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)
