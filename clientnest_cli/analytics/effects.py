"""What works for an account, from its own history (frames in, findings out).

Each dimension (media or not, thread or single, hashtag count, length,
category, weekday, hour in the account's zone) splits the account's posts into
levels. A level's effect is the difference, on the log scale of interactions,
between its mean and the median of the other levels' means (so one unusual
level does not make all the others look different), shown as "% more or fewer
interactions". For two-level dimensions only the first level is stated.

Intervals: bootstrap (posts resampled, ``BOOTSTRAP`` times, fixed seed) standard
error with a normal interval, **Bonferroni-adjusted** over every level tested
for the account so that the whole list holds at 95%: with 35 levels tested,
each interval is a 99.86% one. Only an interval that excludes 0 ("no
difference") is advice; the rest is "no evidence yet". Levels with fewer than
``MIN_POSTS`` posts are not tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BOOTSTRAP = 300
MIN_POSTS = 15
FAMILY_ALPHA = 0.05
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WITH_MEDIA = {"photo", "video", "carousel"}


@dataclass
class Finding:
    dimension: str
    level: str
    effect: float  # relative: 0.4 = 40% more interactions than the other levels
    low: float
    high: float
    posts: int
    others: int
    examples: list[int]

    @property
    def advice(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "level": self.level,
            "effect": round(self.effect, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "posts": self.posts,
            "others": self.others,
            "advice": self.advice,
            "examples": self.examples,
        }


def in_words(finding: dict[str, Any]) -> tuple[str, str]:
    """A finding (``Finding.as_dict``) as a sentence and its evidence, for people."""
    more = "more" if finding["effect"] > 0 else "fewer"
    text = (
        f"{finding['dimension']}: {finding['level']} posts get "
        f"{abs(finding['effect']):.0%} {more} interactions"
    )
    evidence = (
        f"95% interval {finding['low']:+.0%} to {finding['high']:+.0%}; "
        f"{finding['posts']} posts against {finding['others']}"
    )
    return text, evidence


def _length(n: float) -> str:
    return "short (<100 chars)" if n < 100 else "medium (100–199)" if n < 200 else "long (200+)"


def dimensions(X: pd.DataFrame) -> dict[str, pd.Series]:
    """Each dimension's level per post; two-level ones list the stated level first."""
    import pandas as pd

    dims = {
        "media": X["media_type"].map(lambda m: "with media" if m in WITH_MEDIA else "no media"),
        "thread": X["thread"].map(lambda t: "thread" if t == 1 else "single"),
        "hashtags": X["hashtags"].map(lambda n: "3+" if n >= 3 else str(int(n))),
        "length": X["length"].map(_length),
        "category": X["category"].where(X["category"] != "", None),
        "weekday": X["weekday"].map(lambda d: DAYS[int(d)]),
        "hour": X["hour"].map(lambda h: f"{int(h):02d}:00"),
    }
    return {name: pd.Series(levels, index=X.index) for name, levels in dims.items()}


FIRST = {"media": "with media", "thread": "thread"}


def _means(codes: np.ndarray, y: np.ndarray, k: int, idx: np.ndarray) -> np.ndarray:
    """Level means per bootstrap row: idx is (B, n) → (B, k), NaN where a level is empty."""
    import numpy as np

    rows = idx.shape[0]
    shifted = codes[idx] + k * np.arange(rows)[:, None]
    sums = np.bincount(shifted.ravel(), weights=y[idx].ravel(), minlength=rows * k)
    counts = np.bincount(shifted.ravel(), minlength=rows * k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts).reshape(rows, k)


def _effects(means: np.ndarray, levels: list[int]) -> np.ndarray:
    import numpy as np

    out = np.empty((means.shape[0], len(levels)))
    for j, level in enumerate(levels):
        others = np.delete(means, level, axis=1)
        out[:, j] = means[:, level] - np.nanmedian(others, axis=1)
    return out


def findings(X: pd.DataFrame, post_ids: pd.Series | None = None, seed: int = 0) -> list[Finding]:
    """Every tested level of one account's posts (rows with y), strongest first."""
    import warnings

    import numpy as np

    X = X[X["y"].notna()]
    if len(X) < 2 * MIN_POSTS:
        return []
    y = X["y"].to_numpy(dtype=float)
    ids = (post_ids if post_ids is not None else X["post_id"]).loc[X.index].to_numpy()
    rng = np.random.default_rng(seed)
    boot = rng.integers(0, len(X), size=(BOOTSTRAP, len(X)))
    plan = []
    for name, series in dimensions(X).items():
        keep = series.notna().to_numpy()
        counts = series[keep].value_counts()
        names = sorted(counts.index)
        if len(names) < 2:
            continue
        codes = np.full(len(X), len(names))  # an extra level for posts outside the dimension
        for i, level in enumerate(names):
            codes[(series == level).to_numpy()] = i
        tested = [i for i, n in enumerate(names) if counts[n] >= MIN_POSTS]
        if name in FIRST:
            tested = [i for i in tested if names[i] == FIRST[name]]
        if not tested or sum(counts[n] >= MIN_POSTS for n in names) < 2:
            continue
        plan.append((name, names, codes, tested))
    total = sum(len(t) for *_, t in plan)
    if not total:
        return []
    z = NormalDist().inv_cdf(1 - FAMILY_ALPHA / (2 * total))
    results = []
    whole = np.arange(len(X))[None, :]
    for name, names, codes, tested in plan:
        k = len(names) + 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            point = _effects(_means(codes, y, k, whole)[:, :-1], tested)[0]
            spread = np.nanstd(_effects(_means(codes, y, k, boot)[:, :-1], tested), axis=0)
        for j, level in enumerate(tested):
            mine = codes == level
            inside = codes < len(names)
            order = np.argsort(-y[mine])[:3]
            results.append(
                Finding(
                    dimension=name,
                    level=names[level],
                    effect=math.expm1(point[j]),
                    low=math.expm1(point[j] - z * spread[j]),
                    high=math.expm1(point[j] + z * spread[j]),
                    posts=int(mine.sum()),
                    others=int((inside & ~mine).sum()),
                    examples=[int(i) for i in ids[mine][order]],
                )
            )
    return sorted(results, key=lambda f: (not f.advice, -abs(math.log1p(f.effect))))
