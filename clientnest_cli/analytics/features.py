"""Leak-free features of posts for the engagement predictor.

Input: one row per post with post_id, account_id, platform, published_at (aware
UTC; for a planned post the time it would go out), timezone (the account's),
content, hashtags (list or None), media_type, media_count, thread (bool),
category, ai_generated, paid (True/False/None), followers_at_post and
interactions (NaN for posts without figures or not yet published).

Every feature of a post uses only what was known when it went out: the
account's history features (median, recent median, days since the last post)
come from the account's *earlier* posts. A figure a platform does not give
(followers, paid, sentiment of a text VADER cannot read) is NaN, never 0.

Training computes them for thousands of posts at once (``features``, vectorised
with pandas); `analytics predict` for one post (``features_of_post``, plain
Python, no pandas to import). The two follow one definition, and tests hold
them to the same answers (tests/analytics/test_predictor.py, test_insight_db.py).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
# links as the model has always counted them: case-sensitive (pandas' str.count was
# given LINK's pattern without its flag); changing it means retraining
LINK_COUNTED = re.compile(LINK.pattern)


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


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def text_values(content: str, listed: Any, sentiment: bool = True) -> dict[str, float]:
    """length, hashtags, mentions, links, emoji, question and sentiment of one text
    (``listed``: the post's stored hashtags, a list or None)."""
    return {
        "length": float(len(content)),
        "hashtags": float(_tags(content, listed)),
        "mentions": float(len(MENTION.findall(content))),
        "links": float(len(LINK_COUNTED.findall(content))),
        "emoji": float(len(EMOJI.findall(content))),
        "question": 1.0 if "?" in content else 0.0,
        "sentiment": _sentiment(content) if sentiment else math.nan,
    }


TEXT_FEATURES = ("length", "hashtags", "mentions", "links", "emoji", "question", "sentiment")


def text_features(frame: pd.DataFrame, sentiment: bool = True) -> dict[str, Any]:
    """``text_values`` of each post of the frame (float arrays by name)."""
    import numpy as np

    content = [_text(c) for c in frame["content"].to_numpy()]
    listed = frame["hashtags"].to_numpy() if "hashtags" in frame else [None] * len(content)
    rows = [text_values(c, h, sentiment) for c, h in zip(content, listed, strict=True)]
    return {name: np.array([r[name] for r in rows], dtype=float) for name in TEXT_FEATURES}


def _ns(times: pd.Series) -> pd.Series:
    """Aware times → int64 nanoseconds since the epoch (UTC)."""
    import pandas as pd

    utc = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    return pd.Series(utc.to_numpy(dtype="datetime64[ns]").astype("int64"), index=times.index)


def history_features(frame: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per post of ``frame``, from the same account's strictly earlier posts with
    figures: account_median, recent_median (last 10), history (how many),
    days_since_last. Those posts are ``history``'s (post_id, account_id,
    published_at, interactions; default: ``frame`` itself); a post's own entry
    there never counts, being no earlier than itself."""
    import numpy as np
    import pandas as pd

    history = frame if history is None else history
    out = np.full((len(frame), 4), np.nan)
    stamps, past = _ns(frame["published_at"]).to_numpy(), _ns(history["published_at"]).to_numpy()
    values = pd.to_numeric(history["interactions"], errors="coerce").to_numpy(dtype=float)
    theirs = history.groupby("account_id", sort=False).indices
    for account_id, rows in frame.groupby("account_id", sort=False).indices.items():
        pos = np.asarray(theirs.get(account_id, []), dtype=int)
        pos = pos[np.argsort(past[pos], kind="stable")]
        t_all, known = past[pos], ~np.isnan(values[pos])
        y, t_known, t_rows = target(values[pos][known]), t_all[known], stamps[rows]
        before = np.searchsorted(t_known, t_rows, side="left")
        idx = np.maximum(before - 1, 0)
        out[rows, 2] = before.astype(float)
        if len(y):
            expanding = pd.Series(y).expanding().median().to_numpy()
            recent = pd.Series(y).rolling(RECENT, min_periods=1).median().to_numpy()
            out[rows, 0] = np.where(before > 0, expanding[idx], np.nan)
            out[rows, 1] = np.where(before > 0, recent[idx], np.nan)
        prior = np.searchsorted(t_all, t_rows, side="left")
        if len(t_all):
            gap = (t_rows - t_all[np.maximum(prior - 1, 0)]) / 86_400e9
            out[rows, 3] = np.where(prior > 0, gap, np.nan)
    names = ["account_median", "recent_median", "history", "days_since_last"]
    return pd.DataFrame(out, index=frame.index, columns=names)


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


def features(
    frame: pd.DataFrame,
    sentiment: bool = True,
    rows: Any = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The feature frame (FEATURES, plus ``history`` and ``y``), same index as the input.

    ``rows`` (index labels): only those rows come out; their history features
    still come from every post of the frame, the rest is computed for them only.
    ``history``: the posts the history features come from instead of the frame
    (``history_features``), e.g. an account's stored posts for a post not written yet.
    """
    import numpy as np
    import pandas as pd

    source = frame if history is None else history
    if rows is not None:
        frame = frame.loc[rows]
    history = history_features(frame, source)
    columns: dict[str, Any] = {
        "platform": frame["platform"].astype(str).to_numpy(),
        "account": frame["account_id"].astype(str).to_numpy(),
        "media_type": frame["media_type"].fillna("").replace("", "text").astype(str).to_numpy(),
        "category": frame["category"].fillna("").astype(str).to_numpy(),
    }
    columns["hour"], columns["weekday"] = local_times(frame)
    columns.update(text_features(frame, sentiment))
    columns["media_count"] = pd.to_numeric(frame["media_count"], errors="coerce").to_numpy(float)
    for name in ("thread", "ai_generated", "paid"):
        columns[name] = np.array([_flag(v) for v in frame[name].to_numpy()], dtype=float)
    followers = pd.to_numeric(frame["followers_at_post"], errors="coerce")
    columns["followers"] = followers.to_numpy(dtype=float)
    columns.update({name: history[name].to_numpy() for name in history.columns})
    interactions = pd.to_numeric(frame["interactions"], errors="coerce").to_numpy(dtype=float)
    columns["y"] = target(interactions)
    for name, values in columns.items():
        if values.dtype.kind == "f":
            columns[name] = np.where(np.isinf(values), np.nan, values)
    for name in ("published_at", "account_id", "post_id"):
        columns[name] = frame[name].array
    names = [*FEATURES, "history", "y", "published_at", "account_id", "post_id"]
    return pd.DataFrame({name: columns[name] for name in names}, index=frame.index)


# --- one post, without pandas (`analytics predict`) --------------------------------


def history_of_one(when: datetime, past: Sequence[tuple[datetime, float]]) -> dict[str, float]:
    """``history_features`` of one post at ``when``: ``past`` holds the account's
    other posts as (aware time, interactions or NaN), in time order."""
    earlier = [(t, v) for t, v in past if t < when]
    known = [math.log1p(v) for _, v in earlier if not math.isnan(v)]
    last = max((t for t, _ in earlier), default=None)
    return {
        "account_median": statistics.median(known) if known else math.nan,
        "recent_median": statistics.median(known[-RECENT:]) if known else math.nan,
        "history": float(len(known)),
        "days_since_last": (when - last).total_seconds() / 86_400 if last else math.nan,
    }


def features_of_post(
    post: Mapping[str, Any], past: Sequence[tuple[datetime, float]], sentiment: bool = True
) -> dict[str, Any]:
    """What ``features`` gives one post's row (FEATURES and ``history``), in plain
    Python: ``post`` is shaped like ``insight.shape``'s rows (``published_at`` an
    aware datetime), ``past`` as ``history_of_one`` takes it."""
    when = post["published_at"]
    local = when.astimezone(ZoneInfo(_text(post.get("timezone")) or "UTC"))
    values: dict[str, Any] = {
        "platform": str(post["platform"]),
        "account": str(post["account_id"]),
        "media_type": _text(post.get("media_type")) or "text",
        "category": _text(post.get("category")),
        "hour": float(local.hour),
        "weekday": float(local.weekday()),
        **text_values(_text(post.get("content")), post.get("hashtags"), sentiment),
        "media_count": _number(post.get("media_count")),
        "thread": _flag(post.get("thread")),
        "ai_generated": _flag(post.get("ai_generated")),
        "paid": _flag(post.get("paid")),
        "followers": _number(post.get("followers_at_post")),
        **history_of_one(when, past),
    }
    return {k: math.nan if isinstance(v, float) and math.isinf(v) else v for k, v in values.items()}


def _number(value: Any) -> float:
    """A number or NaN, as ``pd.to_numeric(errors="coerce")`` reads one value."""
    if value is None or isinstance(value, bool):
        return math.nan if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
