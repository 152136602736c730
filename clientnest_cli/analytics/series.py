"""Series over time and rankings: performance by day/week/month, top posts, follower growth."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientnest_cli.analytics.frames import group_rate

if TYPE_CHECKING:
    import pandas as pd

FREQ = {"day": "D", "week": "W-MON", "month": "MS"}
METRICS = ("posts", "interactions", "impressions", "engagement_rate")
TOP_BY = {"engagement": "interactions", "rate": "engagement_rate", "impressions": "impressions"}


def performance(posts: pd.DataFrame, by: str, tz: str) -> pd.DataFrame:
    """One row per day/week/month (local to ``tz``): period, posts, interactions,
    impressions, engagement_rate, rate_basis. Periods without posts are listed with 0 posts."""
    import pandas as pd

    columns = ["period", "posts", "interactions", "impressions", "engagement_rate", "rate_basis"]
    if posts.empty:
        return pd.DataFrame(columns=columns)
    local = posts["published_at"].dt.tz_convert(tz).dt.tz_localize(None)
    buckets = local.dt.to_period({"day": "D", "week": "W-SUN", "month": "M"}[by]).dt.start_time
    rows = []
    for start, group in posts.groupby(buckets, sort=True):
        rate, basis = group_rate(group)
        impressions = group["impressions"].dropna()
        rows.append(
            {
                "period": start.date().isoformat(),
                "posts": len(group),
                "interactions": _whole(group["interactions"].sum(min_count=1)),
                "impressions": _whole(impressions.sum()) if not impressions.empty else None,
                "engagement_rate": rate,
                "rate_basis": basis or None,
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return frame


def top_posts(posts: pd.DataFrame, by: str, limit: int) -> pd.DataFrame:
    column = TOP_BY[by]
    known = posts[posts[column].notna()]
    return known.sort_values([column, "published_at"], ascending=[False, False]).head(limit)


def growth(stats: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Followers per account per local day (the day's last snapshot) and the change."""
    import pandas as pd

    if stats.empty:
        return pd.DataFrame(columns=["account_id", "day", "followers", "change"])
    data = stats.sort_values("captured_at").copy()
    data["day"] = data["captured_at"].dt.tz_convert(tz).dt.date.astype(str)
    daily = data.groupby(["account_id", "day"], as_index=False).last()
    daily["change"] = daily.groupby("account_id")["followers"].diff()
    return daily[["account_id", "day", "followers", "change"]]


def _whole(value: float) -> float | int | None:
    """Counts as ints; NaN (nothing known) as None."""
    import math

    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number
