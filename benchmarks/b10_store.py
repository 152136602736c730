"""B10: each store-only command as a whole process, next to `python -c "import typer"`.

The store holds 5 accounts (4 X rows without credentials, one feed) and 200
posts, so every command has something to show. Paired runs: the floor and the
command alternate and the ratio is taken pair by pair; the row quotes medians.
"""

from __future__ import annotations

import json

from benchmarks import setup
from benchmarks.common import CLIENTNEST, TYPER_FLOOR, Row, log, paired

RUNS = 9
LIMIT = 5.0
POSTS = 200


def commands(feed_ref: str, post_id: int) -> list[tuple[str, list[str]]]:
    return [
        ("post list", ["post", "list"]),
        ("post show ID", ["post", "show", str(post_id)]),
        (
            "post create … --to FEED",
            ["post", "create", "Bench draft to the feed", "--to", feed_ref],
        ),
        ("accounts list", ["accounts", "list"]),
        ("calendar --week", ["calendar", "--week"]),
        ("audit list", ["audit", "list"]),
        ("users list", ["users", "list"]),
    ]


def run_rows() -> list[Row]:
    rows = []
    with setup.home() as h:
        setup.insert(h, setup.account_rows(4), lambda ids: setup.b2_posts(ids, POSTS))
        feed = h.cli("accounts", "connect", "feed", "--path", str(h.path / "feed.json"), "--json")
        feed_ref = json.loads(feed.stdout)["ref"]
        (post_id,) = setup.count(h, "SELECT max(id) FROM post")[0]
        for name, args in commands(feed_ref, post_id):
            log(f"B10: {name}")
            result = paired(TYPER_FLOOR, [*CLIENTNEST, *args], RUNS, h.env)
            row = result.row("B10", f"`{name}`", LIMIT)
            row.notes.append(
                f"B10 `{name}` ratio per pair: " + ", ".join(f"{r:.2f}" for r in result.ratios)
            )
            rows.append(row)
    return rows


def run() -> list[Row]:
    return run_rows()
