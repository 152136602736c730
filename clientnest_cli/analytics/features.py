"""Leak-free features of posts for the engagement predictor (frames in, frames out).

Input: one row per post with post_id, account_id, platform, published_at (aware
UTC; for a planned post the time it would go out), timezone (the account's),
content, hashtags (list or None), media_type, media_count, thread (bool),
category, ai_generated, paid (True/False/None), followers_at_post and
interactions (NaN for posts without figures or not yet published).

Every feature of a post uses only what was known when it went out: the
account's history features (median, recent median, days since the last post)
come from the account's *earlier* posts. A figure a platform does not give
(followers, paid, sentiment of a text VADER cannot read) is NaN, never 0.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

CATEGORICAL = ("platform", "account", "media_type", "category")
NUMERIC = (
    "hour",
    "weekday",
    "length",
    "hashtags",
    "mentions",
    "links",
    "emoji",
    "question",
    "media_count",
    "thread",
    "ai_generated",
    "paid",
    "sentiment",
    "followers",
    "account_median",
    "recent_median",
    "days_since_last",
)
FEATURES = CATEGORICAL + NUMERIC
RECENT = 10  # posts behind the "recent median"

HASHTAG = re.compile(r"#\w+", re.UNICODE)
MENTION = re.compile(r"(?<!\w)@[\w.]+", re.UNICODE)
LINK = re.compile(r"https?://\S+", re.IGNORECASE)
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\U0001f1e6-\U0001f1ff]")


def target(interactions: Any) -> Any:
    """The scale the model learns on: log1p of interactions."""
    import numpy as np

    return np.log1p(interactions)


def _sentiment(text: str) -> float:
    from clientnest_cli.analytics.sentiment import score

    if not text.strip():
        return math.nan
    result = score(text)
    compound = getattr(result, "compound", None)
    return math.nan if compound is None else float(compound)


def _tags(content: str, listed: Any) -> int:
    found = {t.lower() for t in HASHTAG.findall(content)}
    if isinstance(listed, list | tuple):
        found |= {"#" + str(t).lstrip("#").lower() for t in listed if str(t).strip("#")}
    return len(found)


def _flag(value: Any) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    return 1.0 if bool(value) else 0.0


def text_features(frame: pd.DataFrame, sentiment: bool = True) -> pd.DataFrame:
    """length, hashtags, mentions, links, emoji, question, sentiment of each text."""
    import pandas as pd

    content = frame["content"].fillna("").astype(str)
    listed = frame["hashtags"] if "hashtags" in frame else pd.Series([None] * len(frame))
    out = pd.DataFrame(index=frame.index)
    out["length"] = content.str.len().astype(float)
    out["hashtags"] = [float(_tags(c, h)) for c, h in zip(content, listed.to_numpy(), strict=True)]
    out["mentions"] = content.str.count(MENTION.pattern).astype(float)
    out["links"] = content.str.count(LINK.pattern).astype(float)
    out["emoji"] = content.str.count(EMOJI.pattern).astype(float)
    out["question"] = content.str.contains("?", regex=False).astype(float)
    out["sentiment"] = [_sentiment(c) for c in content] if sentiment else math.nan
    return out


def _ns(times: pd.Series) -> pd.Series:
    """Aware times → int64 nanoseconds since the epoch (UTC)."""
    import pandas as pd

    utc = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    return pd.Series(utc.to_numpy(dtype="datetime64[ns]").astype("int64"), index=times.index)


def history_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Per post, from the same account's strictly earlier posts with figures:
    account_median, recent_median (last 10), history (how many), days_since_last."""
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(
        np.nan,
        index=frame.index,
        columns=["account_median", "recent_median", "history", "days_since_last"],
    )
    stamps = _ns(frame["published_at"])
    for _, mine in frame.groupby("account_id", sort=False):
        order = mine.sort_values("published_at")
        known = order[order["interactions"].notna()]
        y = target(known["interactions"].to_numpy(dtype=float))
        t_known = stamps.loc[known.index].to_numpy()
        expanding = pd.Series(y).expanding().median().to_numpy()
        recent = pd.Series(y).rolling(RECENT, min_periods=1).median().to_numpy()
        t_rows = stamps.loc[mine.index].to_numpy()
        before = np.searchsorted(t_known, t_rows, side="left")
        has = before > 0
        idx = np.maximum(before - 1, 0)
        out.loc[mine.index, "history"] = before.astype(float)
        if len(y):
            out.loc[mine.index, "account_median"] = np.where(has, expanding[idx], np.nan)
            out.loc[mine.index, "recent_median"] = np.where(has, recent[idx], np.nan)
        t_all = np.sort(t_rows)
        prior = np.searchsorted(t_all, t_rows, side="left")
        last = t_all[np.maximum(prior - 1, 0)]
        gap = (t_rows - last) / 86_400e9
        out.loc[mine.index, "days_since_last"] = np.where(prior > 0, gap, np.nan)
    return out


def local_times(frame: pd.DataFrame) -> tuple[Any, Any]:
    """Hour and weekday of each post in its account's zone (one conversion per zone)."""
    import numpy as np
    import pandas as pd

    hours = np.full(len(frame), np.nan)
    weekdays = np.full(len(frame), np.nan)
    zones = frame["timezone"].fillna("").replace("", "UTC")
    times = pd.to_datetime(frame["published_at"], utc=True)
    for zone, index in zones.groupby(zones, sort=False).indices.items():
        local = times.iloc[index].dt.tz_convert(zone)
        hours[index] = local.dt.hour.to_numpy(dtype=float)
        weekdays[index] = local.dt.day_of_week.to_numpy(dtype=float)
    return hours, weekdays


def features(frame: pd.DataFrame, sentiment: bool = True, rows: Any = None) -> pd.DataFrame:
    """The feature frame (FEATURES, plus ``history`` and ``y``), same index as the input.

    ``rows`` (index labels): only those rows come out; their history features
    still come from every post of the frame, the rest is computed for them only.
    """
    import numpy as np
    import pandas as pd

    history = history_features(frame)
    if rows is not None:
        frame, history = frame.loc[rows], history.loc[rows]
    out = pd.DataFrame(index=frame.index)
    out["platform"] = frame["platform"].astype(str)
    out["account"] = frame["account_id"].astype(str)
    out["media_type"] = frame["media_type"].fillna("").replace("", "text").astype(str)
    out["category"] = frame["category"].fillna("").astype(str)
    out["hour"], out["weekday"] = local_times(frame)
    out = out.join(text_features(frame, sentiment))
    out["media_count"] = pd.to_numeric(frame["media_count"], errors="coerce").astype(float)
    out["thread"] = frame["thread"].map(_flag)
    out["ai_generated"] = frame["ai_generated"].map(_flag)
    out["paid"] = frame["paid"].map(_flag)
    out["followers"] = pd.to_numeric(frame["followers_at_post"], errors="coerce").astype(float)
    out = out.join(history)
    out["y"] = target(pd.to_numeric(frame["interactions"], errors="coerce").astype(float))
    out["published_at"] = frame["published_at"]
    out["account_id"] = frame["account_id"]
    out["post_id"] = frame["post_id"]
    return out[[*FEATURES, "history", "y", "published_at", "account_id", "post_id"]].replace(
        [np.inf, -np.inf], np.nan
    )
