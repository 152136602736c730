"""B2: `clientnest post list --limit 50 --json` on 100,000 posts over 50 accounts,
next to a bare script that imports sqlmodel and runs the same query with sqlite3."""

from __future__ import annotations

from pathlib import Path

from benchmarks import setup
from benchmarks.common import CLIENTNEST, PYTHON, Row, interleaved, log, ratio_row

RUNS = 11
POSTS = 100_000
ACCOUNTS = 50
FLOOR = Path(__file__).parent / "floors" / "b2_query.py"


def run() -> Row:
    with setup.home() as h:
        log(f"B2: seeding {POSTS:,} posts over {ACCOUNTS} accounts")
        setup.insert(h, setup.account_rows(ACCOUNTS), lambda ids: setup.b2_posts(ids, POSTS))
        (n,) = setup.count(h, "SELECT count(*) FROM post")[0]
        assert n == POSTS, n
        figure_cmd = [*CLIENTNEST, "post", "list", "--limit", "50", "--json"]
        floor, figure = interleaved([PYTHON, str(FLOOR), str(h.db)], figure_cmd, RUNS, h.env)
    row = ratio_row(
        "B2", "`post list --limit 50 --json`, 100k posts / 50 accounts", figure, floor, 1.5
    )
    row.figure += f" (median of {RUNS})"
    return row
