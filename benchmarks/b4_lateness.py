"""B4: the daemon running; 2,000 posts scheduled evenly over 60 s to the X emulator;
lateness = published_at − scheduled_at read back from the store. One run."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from benchmarks import setup
from benchmarks.common import Row, log, percentile

POSTS = 2000
SPAN_S = 60.0
ACCOUNTS = 10  # 200 posts each: within our limiter (200 / 15 min) and the emulator's (300)
LEAD_S = 10.0  # the daemon starts this long before the first post is due


def run(span_s: float = SPAN_S) -> Row:
    per_account = POSTS // ACCOUNTS
    with setup.emulator(ACCOUNTS) as emu, setup.home() as h:
        rows = setup.account_rows(ACCOUNTS, base_url=emu.x_base, users=emu.accounts)
        setup.install_credentials(h, ACCOUNTS)
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        spacing = span_s / POSTS
        setup.insert(
            h, rows, lambda ids: setup.due_posts(ids, per_account, "b4", first_due, spacing)
        )
        log(f"B4: {POSTS} posts over {span_s:.0f} s to {ACCOUNTS} X accounts; daemon starting")
        with setup.daemon(h) as proc:
            deadline = time.monotonic() + LEAD_S + span_s + 60
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(1.0)
                left = setup.count(
                    h, "SELECT count(*) FROM post WHERE status IN ('scheduled','publishing')"
                )[0][0]
                if left == 0:
                    break
        rows_ = setup.count(
            h, "SELECT scheduled_at, published_at FROM post WHERE status='published'"
        )
        other = setup.count(h, "SELECT status, count(*) FROM post GROUP BY status")
    late = [
        (setup.utc(p) - setup.utc(s)).total_seconds()  # type: ignore[operator]
        for s, p in rows_
    ]
    p50, p99 = percentile(late, 50), percentile(late, 99)
    ok = len(late) == POSTS and p50 <= 0.3 and p99 <= 1.0
    row = Row(
        "B4",
        f"daemon: {POSTS:,} posts evenly over {span_s:.0f} s ({ACCOUNTS} X accounts, emulator)",
        f"lateness p50 {p50:.3f} s, p99 {p99:.3f} s, max {max(late, default=0):.2f} s; "
        f"{len(late):,}/{POSTS:,} published (one run)",
        target="p50 ≤ 0.3 s, p99 ≤ 1 s",
        verdict="ok" if ok else "MISS",
    )
    if len(late) != POSTS:
        row.notes.append(f"B4: statuses at the end: {other}")
    row.notes.append(
        "B4 lateness by decile: "
        + ", ".join(f"p{q}={percentile(late, q):.2f}" for q in (10, 25, 50, 75, 90, 95, 99))
    )
    return row
