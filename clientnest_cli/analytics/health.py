"""Which account is going stale: each account's state with the reasons behind it.

Pure: every input is a frame or a plain value, ``now`` included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

RECENT = timedelta(weeks=4)  # "recent weeks" against the 8 weeks before them
BEFORE = timedelta(weeks=8)
MIN_GAP_DAYS = 7.0  # never call an account stale sooner than this
RHYTHM_FACTOR = 3.0  # stale when the silence is this many usual gaps long
FALL = 0.2  # engagement down by at least 20 % …
P_LIMIT = 0.05  # … and a Welch test this sure
TOKEN_WARN = timedelta(days=3)
FAILURES = 3  # failed posts in the last two weeks


@dataclass
class Alert:
    kind: str  # stale | engagement_falling | followers_declining | token | failures | negative_replies
    key: str  # kind plus what it is about: stable across runs, so it is notified once
    message: str
    level: str = "alert"  # alert | watch


@dataclass
class AccountHealth:
    account_id: int
    account: str
    state: str = "ok"  # ok | watch | alert
    alerts: list[Alert] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self.state = "alert" if any(a.level == "alert" for a in self.alerts) else "watch"


def rhythm(times: pd.Series, now: datetime) -> tuple[float | None, float | None]:
    """(median days between posts, days since the last post)."""
    if times.empty:
        return None, None
    ordered = times.sort_values()
    since_last = (now - ordered.iloc[-1].to_pydatetime()).total_seconds() / 86400
    gaps = ordered.diff().dropna().dt.total_seconds() / 86400
    return (float(gaps.median()) if not gaps.empty else None), since_last


def engagement_trend(posts: pd.DataFrame, now: datetime) -> dict[str, Any] | None:
    """Recent 4 weeks against the 8 before: mean rates, change and a Welch t-test p-value."""
    known = posts[posts["engagement_rate"].notna() & (posts["engagement_rate"] > 0)]
    recent = known[known["published_at"] >= now - RECENT]["engagement_rate"]
    older = known[
        (known["published_at"] < now - RECENT) & (known["published_at"] >= now - RECENT - BEFORE)
    ]["engagement_rate"]
    if len(recent) < 3 or len(older) < 3:
        return None
    from scipy import stats

    test = stats.ttest_ind(recent.map(math.log), older.map(math.log), equal_var=False)
    before, after = float(older.mean()), float(recent.mean())
    return {
        "recent": after,
        "before": before,
        "change": (after - before) / before if before else None,
        "p_value": float(test.pvalue),
        "posts": [len(recent), len(older)],
    }


def assess(
    account: dict[str, Any],
    posts: pd.DataFrame,
    stats: pd.DataFrame,
    failures: int,
    now: datetime,
) -> AccountHealth:
    """``account``: account_id, account, status, status_reason, token_expires_at and
    refreshable (False where the platform gives no refresh: the user must reconnect)."""
    health = AccountHealth(account["account_id"], account["account"])
    ref = account["account"]
    if account.get("status") == "needs_reauth":
        health.add(
            Alert(
                "token",
                f"token:{ref}",
                f"needs re-authorisation: {account.get('status_reason') or 'token rejected'}",
            )
        )
    expires = account.get("token_expires_at")
    if account.get("refreshable", True):
        expires = None  # renewed by the daemon before it runs out: nothing to tell
    if expires is not None and not _nan(expires) and expires - now < TOKEN_WARN:
        when = "expired" if expires <= now else f"expires {expires:%Y-%m-%d %H:%M} UTC"
        health.add(Alert("token", f"token-expiry:{ref}:{expires:%Y%m%d}", f"token {when}", "watch"))
    gap, silence = rhythm(posts["published_at"], now)
    health.facts.update(usual_gap_days=gap, days_since_last_post=silence)
    if silence is not None and gap is not None:
        limit = max(MIN_GAP_DAYS, RHYTHM_FACTOR * gap)
        if silence > limit:
            last = (now - timedelta(days=silence)).date().isoformat()
            health.add(
                Alert(
                    "stale",
                    f"stale:{ref}:{last}",
                    f"no post in {silence:.0f} days (usually one every {gap:.1f} days)",
                )
            )
    trend = engagement_trend(posts, now)
    health.facts["engagement_trend"] = trend
    if (
        trend
        and trend["change"] is not None
        and trend["change"] <= -FALL
        and trend["p_value"] < P_LIMIT
    ):
        health.add(
            Alert(
                "engagement_falling",
                f"engagement:{ref}",
                f"engagement rate down {-trend['change']:.0%} over the last 4 weeks against the "
                f"8 before (p = {trend['p_value']:.3f}, {trend['posts'][0]}+{trend['posts'][1]} posts)",
            )
        )
    change = _follower_change(stats, now)
    health.facts["followers_change_30d"] = change
    if change is not None and change < 0:
        health.add(
            Alert(
                "followers_declining",
                f"followers:{ref}",
                f"followers down by {-change:,} in 30 days",
                "watch",
            )
        )
    health.facts["failed_posts_14d"] = failures
    if failures >= FAILURES:
        health.add(Alert("failures", f"failures:{ref}", f"{failures} posts failed in 14 days"))
    return health


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _follower_change(stats: pd.DataFrame, now: datetime) -> int | None:
    if stats.empty:
        return None
    ordered = stats.sort_values("captured_at")
    window = ordered[ordered["captured_at"] >= now - timedelta(days=30)]
    before = ordered[ordered["captured_at"] < now - timedelta(days=30)]
    if window.empty:
        return None
    first = before.iloc[-1] if not before.empty else window.iloc[0]
    return int(window.iloc[-1]["followers"]) - int(first["followers"])


NEGATIVE_MIN_COMMENTS = 5
NEGATIVE_SHARE = 0.5  # at least half the scored replies negative …
NEGATIVE_FACTOR = 2.0  # … and twice the account's usual share
NEGATIVE_WINDOW = timedelta(days=14)


def negative_replies(comments: pd.DataFrame, ref: str, now: datetime) -> list[Alert]:
    """Posts of the last two weeks drawing unusually negative replies.

    ``comments``: post_id, published_at (the post's), sentiment_label of one account.
    """
    scored = comments[comments["sentiment_label"].isin(["positive", "negative", "neutral"])]
    if scored.empty:
        return []
    usual = float((scored["sentiment_label"] == "negative").mean())
    recent = scored[scored["published_at"] >= now - NEGATIVE_WINDOW]
    alerts = []
    for post_id, group in recent.groupby("post_id"):
        share = float((group["sentiment_label"] == "negative").mean())
        if (
            len(group) >= NEGATIVE_MIN_COMMENTS
            and share >= NEGATIVE_SHARE
            and share >= NEGATIVE_FACTOR * usual * (len(scored) > len(group))
        ):
            alerts.append(
                Alert(
                    "negative_replies",
                    f"negative_replies:{ref}:{int(post_id)}",
                    f"post {int(post_id)} drew unusually negative replies "
                    f"({share:.0%} of {len(group)} negative; usually {usual:.0%})",
                )
            )
    return alerts
