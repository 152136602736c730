"""B2: `clientnest post list --limit 50 --json` on 100,000 posts over 50 accounts,
next to a bare `python` that opens the same file with sqlite3 and runs the same
query (no ORM import). Paired runs, ratio per pair, medians."""

from __future__ import annotations

from pathlib import Path

from benchmarks import setup
from benchmarks.common import CLIENTNEST, PYTHON, Row, log, paired

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
        result = paired([PYTHON, str(FLOOR), str(h.db)], figure_cmd, RUNS, h.env)
    row = result.row("B2", "`post list --limit 50 --json`, 100k posts / 50 accounts", 5.0)
    row.notes.append(
        "B2 floor: bare sqlite3 + the same query (no sqlmodel); ratio per pair: "
        + ", ".join(f"{r:.2f}" for r in result.ratios)
    )
    return row
