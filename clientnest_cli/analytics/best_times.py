"""Best times to post: an hour × weekday map of expected engagement relative to the
account's typical post, each cell with the posts behind it and an interval.

Method (kept simple so it can be explained): each post's interactions are put
on a log scale and compared with the account's running median around the same
time (so follower growth does not read as "later hours are better"), then with
the typical post of its media type (so "we post videos on Fridays" does not
read as "Fridays are better"). A cell's estimate pools its own posts with those up to
two hours either side on the same weekday (less weight the further off), and is shrunk towards the
prior (no effect, or another frame's estimate) by ``SHRINK`` pseudo-posts, so
a cell with one lucky post does not top the list. Intervals are 95 % normal
intervals on the log scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MIN_POSTS = 50  # below this an account's own map is "not enough data"
SHRINK = 1.0
KERNEL = ((0, 1.0), (-1, 0.6), (1, 0.6), (-2, 0.3), (2, 0.3))  # hour offset, weight
TREND_WINDOW = 31
Z95 = 1.96
SPACING = 3  # top slots on the same weekday are more than this many hours apart
# when nothing is known: the hours most accounts do well at, weekdays 9:00, 12:00, 17:00
DEFAULT_PRIOR = tuple((d, h) for d in range(5) for h in (9, 12, 17))


@dataclass
class BestTimes:
    enough_data: bool
    posts: int
    cells: Any  # DataFrame: weekday, hour, lift, low, high, posts, weight
    slots: Any  # DataFrame of the top cells, best first
    prior: str = ""  # where the estimate leans when data is thin
    notes: list[str] = field(default_factory=list)


def residuals(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """weekday, hour (local) and r, each post's log engagement against its typical."""
    import numpy as np
    import pandas as pd

    if frame.empty:
        return pd.DataFrame({"weekday": [], "hour": [], "r": []})
    data = frame.sort_values("published_at")
    local = pd.to_datetime(data["published_at"], utc=True).dt.tz_convert(tz)
    y = np.log1p(data["interactions"].astype(float).to_numpy())
    window = min(TREND_WINDOW, max(3, len(y) // 3) | 1)
    trend = pd.Series(y).rolling(window, center=True, min_periods=1).median().to_numpy()
    r = y - trend
    out = pd.DataFrame(
        {
            "weekday": local.dt.day_of_week.to_numpy(),
            "hour": local.dt.hour.to_numpy(),
            "r": r,
            "media": data.get("media_type", pd.Series([""] * len(data))).fillna("").to_numpy(),
        }
    )
    media_mid = out.groupby("media")["r"].transform("median")
    sizes = out.groupby("media")["r"].transform("size")
    out["r"] = out["r"] - media_mid.where(sizes >= 5, 0.0)
    return out[["weekday", "hour", "r"]]


def _grid() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([(d, h) for d in range(7) for h in range(24)], columns=["weekday", "hour"])


def cell_map(res: pd.DataFrame, prior: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every (weekday, hour) cell: lift, low, high, posts (own), weight (pooled)."""
    import numpy as np

    grid = _grid()
    sums = np.zeros((7, 24))
    weights = np.zeros((7, 24))
    counts = np.zeros((7, 24), dtype=int)
    for d, h, r in res[["weekday", "hour", "r"]].itertuples(index=False):
        d, h = int(d), int(h)
        counts[d, h] += 1
        for off, w in KERNEL:
            hh = h + off
            if 0 <= hh < 24:
                sums[d, hh] += w * r
                weights[d, hh] += w
    prior_log = np.zeros((7, 24))
    if prior is not None and not prior.empty:
        for d, h, lift in prior[["weekday", "hour", "lift"]].itertuples(index=False):
            prior_log[int(d), int(h)] = math.log(max(float(lift), 1e-6))
    spread = float(res["r"].std()) if len(res) > 2 else 0.5
    spread = spread if spread > 0 else 0.5
    est = (sums + SHRINK * prior_log) / (weights + SHRINK)
    se = spread / np.sqrt(weights + SHRINK)
    grid["lift"] = np.exp(est[grid.weekday, grid.hour])
    grid["low"] = np.exp(est[grid.weekday, grid.hour] - Z95 * se[grid.weekday, grid.hour])
    grid["high"] = np.exp(est[grid.weekday, grid.hour] + Z95 * se[grid.weekday, grid.hour])
    grid["posts"] = counts[grid.weekday, grid.hour]
    grid["weight"] = weights[grid.weekday, grid.hour]
    return grid


def top_slots(cells: pd.DataFrame, n: int = 5, need_posts: bool = True) -> pd.DataFrame:
    """The best cells, best first, more than SPACING hours apart on the same weekday."""
    ranked = cells.sort_values(["lift", "weight"], ascending=[False, False])
    if need_posts:
        ranked = ranked[ranked["weight"] > 0]
    chosen: list[int] = []
    taken: set[tuple[int, int]] = set()
    for idx, row in ranked.iterrows():
        d, h = int(row["weekday"]), int(row["hour"])
        if any((d, h + off) in taken for off in range(-SPACING, SPACING + 1)):
            continue
        chosen.append(idx)  # type: ignore[arg-type]
        taken.add((d, h))
        if len(chosen) == n:
            break
    return ranked.loc[chosen]


def default_prior() -> pd.DataFrame:
    grid = _grid()
    grid["lift"] = [
        1.2 if (d, h) in DEFAULT_PRIOR else 1.0
        for d, h in zip(grid.weekday, grid.hour, strict=True)
    ]
    return grid[["weekday", "hour", "lift"]]


def best_times(
    frame: pd.DataFrame,
    tz: str,
    *,
    prior_frame: pd.DataFrame | None = None,
    prior_label: str = "",
    slots: int = 5,
    min_posts: int = MIN_POSTS,
) -> BestTimes:
    """The map for one account's posts (published_at UTC, interactions, media_type).

    With fewer than ``min_posts`` posts the map leans on a prior: ``prior_frame``
    (e.g. the user's other accounts on the platform) when it has enough posts,
    else common defaults; ``enough_data`` is False and the slots say so.
    """
    res = residuals(frame, tz)
    posts = len(res)
    if posts >= min_posts:
        cells = cell_map(res)
        return BestTimes(True, posts, cells, top_slots(cells, slots))
    label = "common posting times (no history to learn from)"
    prior = default_prior()
    if prior_frame is not None and len(prior_frame) >= min_posts:
        prior = cell_map(residuals(prior_frame, tz))[["weekday", "hour", "lift"]]
        label = prior_label or "the user's other accounts"
    cells = cell_map(res, prior)
    return BestTimes(False, posts, cells, top_slots(cells, slots, need_posts=False), label)
