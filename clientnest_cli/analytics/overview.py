"""`analytics overview`: per account, client and platform, this period against the one before."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.analytics.frames import best_post, change, figures

if TYPE_CHECKING:
    import pandas as pd

KEYS = ("posts", "impressions", "interactions", "engagement_rate", "followers_change")


def followers_change(stats: pd.DataFrame, start: datetime, end: datetime) -> int | None:
    """Followers at the end of [start, end) minus at its start, from follower snapshots.

    The count at a moment is the newest snapshot at or before it; at the start,
    the first snapshot inside the period stands in when there is none before.
    None when no snapshot falls at or before the end.
    """
    if stats.empty:
        return None
    upto_end = stats[stats["captured_at"] < end]
    if upto_end.empty:
        return None
    before = stats[stats["captured_at"] <= start]
    first = before.iloc[-1] if not before.empty else upto_end.iloc[0]
    return int(upto_end.iloc[-1]["followers"]) - int(first["followers"])


def _period(posts: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    return posts[(posts["published_at"] >= start) & (posts["published_at"] < end)]


def _block(
    posts: pd.DataFrame,
    stats: pd.DataFrame,
    account_ids: list[int],
    start: datetime,
    mid: datetime,
    end: datetime,
) -> dict[str, Any]:
    now, before = _period(posts, mid, end), _period(posts, start, mid)
    current = figures(now)
    previous = figures(before)
    current["followers_change"] = _sum_changes(stats, account_ids, mid, end)
    previous["followers_change"] = _sum_changes(stats, account_ids, start, mid)
    current["best_post"] = best_post(now)
    current["change"] = {k: change(current[k], previous[k]) for k in KEYS}
    current["previous"] = previous
    return current


def _sum_changes(
    stats: pd.DataFrame, account_ids: list[int], start: datetime, end: datetime
) -> int | None:
    values = [followers_change(stats[stats["account_id"] == a], start, end) for a in account_ids]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def overview(
    posts: pd.DataFrame,
    stats: pd.DataFrame,
    accounts: pd.DataFrame,
    start: datetime,
    mid: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Figures of [mid, end) with those of [start, mid) as ``previous``.

    ``posts``: prepared post frame covering [start, end); ``stats``: follower
    snapshots (account_id, captured_at, followers) sorted by time; ``accounts``:
    account_id, account, platform, client of every account in scope.
    """
    stats = stats.sort_values("captured_at")
    by_account = dict(tuple(posts.groupby("account_id"))) if not posts.empty else {}
    empty = posts.iloc[0:0]
    result: dict[str, Any] = {"accounts": [], "clients": [], "platforms": []}
    for row in accounts.itertuples(index=False):
        block = _block(
            by_account.get(row.account_id, empty), stats, [row.account_id], start, mid, end
        )
        result["accounts"].append(
            {"account": row.account, "platform": row.platform, "client": row.client, **block}
        )
    for key, name in (("client", "clients"), ("platform", "platforms")):
        for value, members in accounts.groupby(accounts[key].fillna(""), sort=True):
            ids = [int(a) for a in members["account_id"]]
            group_posts = posts[posts["account_id"].isin(ids)]
            block = _block(group_posts, stats, ids, start, mid, end)
            result[name].append({key: value or None, "accounts": len(ids), **block})
    return result
