"""`analytics overview`: per account, client and platform, this period against the one before.

Vectorised: one groupby per grouping (account, client, platform), so a store
with a hundred accounts and a hundred thousand posts costs about what reading
the frame costs (BENCH.md B6).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.analytics.frames import change

if TYPE_CHECKING:
    import pandas as pd

KEYS = ("posts", "impressions", "interactions", "engagement_rate", "followers_change")


def followers_changes(
    stats: pd.DataFrame, accounts: list[int], start: datetime, end: datetime
) -> dict[int, int | None]:
    """Per account, followers at the end of [start, end) minus at its start, from
    follower snapshots (sorted by time). The count at a moment is the newest snapshot
    at or before it; at the start, the first snapshot inside the period stands in when
    there is none before. None when no snapshot falls before the end. One groupby for
    all accounts (a per-account filter costs more than the rest of the overview)."""
    upto_end = stats[stats["captured_at"] < end].groupby("account_id")["followers"]
    last, first_in = upto_end.last(), upto_end.first()
    before = stats[stats["captured_at"] <= start].groupby("account_id")["followers"].last()
    first = before.reindex(last.index).fillna(first_in)
    delta = (last - first).to_dict()
    return {a: (int(delta[a]) if a in delta else None) for a in accounts}


def _value(value: Any) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number


def _tables(posts: pd.DataFrame, key: str) -> dict[tuple[Any, bool], dict[str, Any]]:
    """(group, is current period) → posts, impressions, interactions, rate, basis, best post."""
    grouped = posts.groupby([key, "current"], sort=False)
    sums = grouped[["impressions", "interactions", "imp_int", "imp"]].sum(min_count=1)
    sizes = grouped.size()
    follower_rate = grouped["fol_rate"].mean()
    known = posts[posts["interactions"].notna()]
    best = {}
    if not known.empty:
        for group, idx in (
            known.groupby([key, "current"], sort=False)["interactions"].idxmax().items()
        ):
            row = known.loc[idx]
            best[group] = {
                "id": int(row["post_id"]),
                "interactions": _value(row["interactions"]),
                "engagement_rate": _value(row["engagement_rate"]),
                "published_at": row["published_at"].isoformat(),
            }
    out = {}
    for group, row in sums.iterrows():
        if not math.isnan(row["imp"]) and row["imp"] > 0:
            rate, basis = float(row["imp_int"] / row["imp"]), "impressions"
        elif not math.isnan(follower_rate.get(group, math.nan)):
            rate, basis = float(follower_rate[group]), "followers"
        else:
            rate, basis = None, None
        out[group] = {
            "posts": int(sizes[group]),
            "impressions": _value(row["impressions"]),
            "interactions": _value(row["interactions"]),
            "engagement_rate": rate,
            "rate_basis": basis,
            "best_post": best.get(group),
        }
    return out


def _empty() -> dict[str, Any]:
    return {
        "posts": 0,
        "impressions": None,
        "interactions": None,
        "engagement_rate": None,
        "rate_basis": None,
        "best_post": None,
    }


def _block(
    tables: dict[tuple[Any, bool], dict[str, Any]], group: Any, followers: tuple[Any, Any]
) -> dict[str, Any]:
    current = dict(tables.get((group, True)) or _empty())
    previous = dict(tables.get((group, False)) or _empty())
    previous.pop("best_post")
    current["followers_change"], previous["followers_change"] = followers
    current["change"] = {k: change(current[k], previous[k]) for k in KEYS}
    current["previous"] = previous
    return current


def _sum(values: list[int | None]) -> int | None:
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
    snapshots (account_id, captured_at, followers); ``accounts``: account_id,
    account, platform, client of every account in scope.
    """
    data = posts[(posts["published_at"] >= start) & (posts["published_at"] < end)].copy()
    data["current"] = data["published_at"] >= mid
    usable = (data["impressions"] > 0) & data["interactions"].notna()
    data["imp_int"] = data["interactions"].where(usable)
    data["imp"] = data["impressions"].where(usable)
    data["fol_rate"] = data["engagement_rate"].where(data["rate_basis"] == "followers")
    clients = dict(zip(accounts["account_id"], accounts["client"].fillna(""), strict=True))
    platforms = dict(zip(accounts["account_id"], accounts["platform"], strict=True))
    data["client"] = data["account_id"].map(clients)
    data["platform"] = data["account_id"].map(platforms)

    stats = stats.sort_values("captured_at", kind="stable")
    ids = [int(a) for a in accounts["account_id"]]
    now, before = followers_changes(stats, ids, mid, end), followers_changes(stats, ids, start, mid)
    followers = {a: (now[a], before[a]) for a in ids}
    result: dict[str, Any] = {"accounts": [], "clients": [], "platforms": []}
    tables = _tables(data, "account_id")
    for row in accounts.itertuples(index=False):
        block = _block(tables, row.account_id, followers[int(row.account_id)])
        result["accounts"].append(
            {"account": row.account, "platform": row.platform, "client": row.client, **block}
        )
    for key, name, mapping in (
        ("client", "clients", clients),
        ("platform", "platforms", platforms),
    ):
        tables = _tables(data, key)
        for value in sorted(set(mapping.values())):
            ids = [a for a, v in mapping.items() if v == value]
            sums = (
                _sum([followers[int(a)][0] for a in ids]),
                _sum([followers[int(a)][1] for a in ids]),
            )
            block = _block(tables, value, sums)
            result[name].append({key: value or None, "accounts": len(ids), **block})
    return result
