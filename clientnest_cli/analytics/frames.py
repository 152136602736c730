"""The per-post frame every analysis starts from, and the figures of a group of posts.

A post frame has one row per published post with its newest snapshot:
post_id, account_id, account, platform, client, published_at (aware UTC),
media_type, imported, followers_at_post, likes, comments, shares, views,
impressions, reach, clicks, saves, quotes, engagement_rate, rate_basis,
captured_at. A post without any snapshot has NaN figures: unknown, not 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FIGURE_COLUMNS = (
    "likes",
    "comments",
    "shares",
    "views",
    "impressions",
    "reach",
    "clicks",
    "saves",
    "quotes",
    "engagement_rate",
)


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Types fixed (times aware UTC, figures float with NaN for unknown), plus
    ``interactions`` = likes + comments + shares (NaN when none is known)."""
    import pandas as pd

    out = frame.copy()
    for name in ("published_at", "captured_at"):
        if name in out:
            out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601")
    for name in FIGURE_COLUMNS:
        if name in out:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
    if "followers_at_post" in out:
        out["followers_at_post"] = pd.to_numeric(out["followers_at_post"], errors="coerce")
    # the known parts: NaN only when none of the three is known (a post never measured)
    out["interactions"] = out[["likes", "comments", "shares"]].sum(axis=1, min_count=1)
    if "rate_basis" in out:
        out["rate_basis"] = out["rate_basis"].fillna("")
    if "media_type" in out:
        out["media_type"] = out["media_type"].fillna("")
    return out


def _number(value: Any) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def group_rate(posts: pd.DataFrame) -> tuple[float | None, str]:
    """A group's engagement rate, honest about its basis.

    Over impressions (Σ interactions ÷ Σ impressions of the posts that report
    them) when any post does; else the mean of the posts' follower-based rates;
    (None, "") when no post's rate is known.
    """
    with_impressions = posts[posts["impressions"].notna() & (posts["impressions"] > 0)]
    with_impressions = with_impressions[with_impressions["interactions"].notna()]
    if not with_impressions.empty:
        total = with_impressions["impressions"].sum()
        return float(with_impressions["interactions"].sum() / total), "impressions"
    known = posts[posts["engagement_rate"].notna() & (posts["rate_basis"] == "followers")]
    if not known.empty:
        return float(known["engagement_rate"].mean()), "followers"
    return None, ""


def figures(posts: pd.DataFrame) -> dict[str, Any]:
    """posts, impressions, interactions, engagement_rate (+ basis) of a group of posts."""
    rate, basis = group_rate(posts)
    impressions = posts["impressions"].dropna()
    interactions = posts["interactions"].dropna()
    return {
        "posts": len(posts),
        "impressions": _number(impressions.sum()) if not impressions.empty else None,
        "interactions": _number(interactions.sum()) if not interactions.empty else None,
        "engagement_rate": rate,
        "rate_basis": basis or None,
    }


def best_post(posts: pd.DataFrame) -> dict[str, Any] | None:
    known = posts[posts["interactions"].notna()]
    if known.empty:
        return None
    row = known.loc[known["interactions"].idxmax()]
    return {
        "id": int(row["post_id"]),
        "interactions": _number(row["interactions"]),
        "engagement_rate": _number(row["engagement_rate"]),
        "published_at": row["published_at"].isoformat(),
    }


def change(now: Any, before: Any) -> float | None:
    """Change in % from ``before`` to ``now``; None when either is unknown or before is 0."""
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / abs(before) * 100, 1)
