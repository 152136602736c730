"""B6: `clientnest analytics overview --json` over 1,000,000 metric snapshots, next to a
bare pandas ``read_sql`` + groupby of the same figures (benchmarks/floors/b6_overview.py).

The store: 50 X accounts × 2,000 posts (the shared seeded generator, a year of
history) × 10 snapshots each = 1,000,000 snapshots, written once per run with
the store seeder. Paired runs (floor, figure, floor, figure …); medians.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import setup
from benchmarks.common import (
    CLIENTNEST,
    PYTHON,
    SEED,
    Row,
    bench_env,
    interleaved,
    log,
    ratio_row,
    spread,
)

RUNS = 5
ACCOUNTS = 50
POSTS = 2_000
SNAPSHOTS = 10
END = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD_DAYS = 180
FLOOR = Path(__file__).parent / "floors" / "b6_overview.py"


def seed(h: setup.Home) -> int:
    from clientnest_cli.sandbox.history import spec_for
    from clientnest_cli.services.history_seed import seed_history

    ids = setup.insert(h, setup.account_rows(ACCOUNTS), lambda _ids: iter(()))
    engine = h.engine()
    try:
        with engine.begin() as conn:
            for n, account_id in enumerate(ids):
                spec = spec_for(SEED + n, POSTS, "x", days=365, end=END)
                seed_history(conn, account_id, spec, snapshots=SNAPSHOTS)
    finally:
        engine.dispose()
    return setup.count(h, "SELECT count(*) FROM postmetricssnapshot")[0][0]


def run() -> Row:
    with setup.home() as h:
        log(f"B6: seeding {ACCOUNTS * POSTS * SNAPSHOTS:,} snapshots …")
        snapshots = seed(h)
        mid = END - timedelta(days=PERIOD_DAYS)
        start = mid - timedelta(days=PERIOD_DAYS)
        naive = [t.strftime("%Y-%m-%d %H:%M:%S") for t in (start, mid, END)]
        floor_cmd = [PYTHON, str(FLOOR), str(h.db), *naive]
        figure_cmd = [
            *CLIENTNEST, "analytics", "overview", "--json",
            "--until", END.isoformat(), "--period", f"{PERIOD_DAYS}d",
        ]  # fmt: skip
        floor, figure = interleaved(floor_cmd, figure_cmd, RUNS, bench_env(h.env))
    row = ratio_row(
        "B6",
        f"`analytics overview --json` over {snapshots:,} snapshots",
        figure,
        floor,
        1.2,
    )
    row.notes.append(
        f"B6: {snapshots:,} snapshots of {ACCOUNTS * POSTS:,} posts; overview of "
        f"{PERIOD_DAYS} d against the {PERIOD_DAYS} d before; runs (s): figure "
        f"{spread(figure)}, floor {spread(floor)}"
    )
    return row
