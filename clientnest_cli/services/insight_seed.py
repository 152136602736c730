"""Write an insight history (sandbox/insight_history.py) into the store: tests, demo, bench.

Same rows as ``history_seed`` (imported, published posts; growing snapshots),
plus each post's category and hashtags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.insight_history import InsightSpec, generate
from clientnest_cli.services.history_seed import BATCH, post_row, snapshot_rows
from clientnest_cli.store.models import Post, PostMetricsSnapshot

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def seed_insight(
    conn: Connection, account_id: int, spec: InsightSpec, snapshots: int = 1
) -> list[int]:
    """Insert the history of one account; returns the new posts' ids (oldest first)."""
    from sqlalchemy import select

    posts = generate(spec)
    table = Post.__table__  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    for item in posts:
        row = post_row(account_id, spec, item.post)  # type: ignore[arg-type]
        row["category"] = item.category
        row["hashtags"] = list(item.hashtags)
        rows.append(row)
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start : start + BATCH])
    prefix = f"hist-{spec.seed}-{account_id}-"
    found = conn.execute(
        select(table.c.id, table.c.idempotency_key).where(
            table.c.account_id == account_id, table.c.idempotency_key.like(f"{prefix}%")
        )
    ).all()
    by_index = {int(key[len(prefix) :]): int(pid) for pid, key in found}
    ids = [by_index[p.post.index] for p in posts]
    snaps = PostMetricsSnapshot.__table__  # type: ignore[attr-defined]
    batch: list[dict[str, Any]] = []
    for post_id, item in zip(ids, posts, strict=True):
        batch.extend(snapshot_rows(post_id, item.post, snapshots))
        if len(batch) >= BATCH:
            conn.execute(snaps.insert(), batch)
            batch = []
    if batch:
        conn.execute(snaps.insert(), batch)
    return ids
