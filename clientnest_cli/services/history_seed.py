"""Write a generated history (sandbox/history.py) into the store: for tests, demo, benches.

Posts go in as published and imported (they were never sent by ClientNest),
each with ``snapshots`` metric snapshots growing towards its final figures,
and the account gets one follower snapshot a day. Bulk inserts (core
executemany): a million snapshots take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.sandbox.history import HistoryPost, HistorySpec, follower_series, generate
from clientnest_cli.services.metrics_sync import engagement
from clientnest_cli.store.models import AccountStatsSnapshot, Post, PostMetricsSnapshot

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

BATCH = 20_000


def post_row(account_id: int, spec: HistorySpec, p: HistoryPost) -> dict[str, Any]:
    from clientnest_cli.store.lite_repos import POST_DEFAULTS

    when = p.published_at
    return {
        **POST_DEFAULTS,
        "account_id": account_id,
        "content": p.text,
        "group_id": f"h{spec.seed}a{account_id}n{p.index}",
        "status": "published",
        "published_at": when,
        "platform_post_id": f"hist-{spec.seed}-{p.index}",
        "idempotency_key": f"hist-{spec.seed}-{account_id}-{p.index}",
        "created_at": when,
        "updated_at": when,
        "media_type": p.media_type,
        "imported": True,
        "followers_at_post": p.followers,
    }


def snapshot_rows(post_id: int, p: HistoryPost, snapshots: int) -> Iterator[dict[str, Any]]:
    """``snapshots`` rows, hours apart, growing to the post's final figures."""

    def part(value: int | None, share: float) -> int | None:
        return None if value is None else round(value * share)

    for k in range(snapshots):
        share = (k + 1) / snapshots
        likes, comments, shares = (round(v * share) for v in (p.likes, p.comments, p.shares))
        impressions = part(p.impressions, share)
        rate, basis = engagement(likes, comments, shares, impressions, p.followers)
        yield {
            "post_id": post_id,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "views": impressions,
            "engagement_rate": rate,
            "captured_at": p.published_at + timedelta(hours=6 * (k + 1)),
            "impressions": impressions,
            "reach": part(p.reach, share),
            "clicks": part(p.clicks, share),
            "saves": part(p.saves, share),
            "quotes": part(p.quotes, share),
            "rate_basis": basis,
        }


def seed_history(
    conn: Connection, account_id: int, spec: HistorySpec, snapshots: int = 1
) -> list[int]:
    """Insert the history of one account; returns the new posts' ids (oldest first)."""
    from sqlalchemy import select, update

    from clientnest_cli.store.models import SocialAccount

    posts = generate(spec)
    post_table = Post.__table__  # type: ignore[attr-defined]
    rows = [post_row(account_id, spec, p) for p in posts]
    for start in range(0, len(rows), BATCH):
        conn.execute(post_table.insert(), rows[start : start + BATCH])
    prefix = f"hist-{spec.seed}-{account_id}-"
    found = conn.execute(
        select(post_table.c.id, post_table.c.idempotency_key).where(
            post_table.c.account_id == account_id,
            post_table.c.idempotency_key.like(f"{prefix}%"),
        )
    ).all()
    by_index = {int(key[len(prefix) :]): int(pid) for pid, key in found}
    ids = [by_index[p.index] for p in posts]
    snap_table = PostMetricsSnapshot.__table__  # type: ignore[attr-defined]
    batch: list[dict[str, Any]] = []
    for post_id, p in zip(ids, posts, strict=True):
        batch.extend(snapshot_rows(post_id, p, snapshots))
        if len(batch) >= BATCH:
            conn.execute(snap_table.insert(), batch)
            batch = []
    if batch:
        conn.execute(snap_table.insert(), batch)
    stats = [
        {"account_id": account_id, "followers": f, "following": 100, "post_count": 0}
        | {"captured_at": when}
        for when, f in follower_series(spec)
    ]
    conn.execute(AccountStatsSnapshot.__table__.insert(), stats)  # type: ignore[attr-defined]
    conn.execute(
        update(SocialAccount.__table__)  # type: ignore[arg-type]
        .where(SocialAccount.__table__.c.id == account_id)  # type: ignore[attr-defined]
        .values(followers=spec.followers_end, post_count=len(posts))
    )
    return ids
