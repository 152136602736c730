"""A seeded history of one account's posts, with effects planted for analytics to find.

Shared by the emulators (which serve it to `accounts backfill`), the store seeder
(tests, the demo, the benchmarks) and nothing else: it imports nothing of ours,
so the sandbox stays independent of the code it checks.

Planted effects, all known to the caller through the ``HistorySpec``:
- hour-of-week peaks: posts published within an hour of a peak (same weekday, in
  the account's zone) draw ``peak_lift`` × the engagement (half of it an hour off);
- media: video > photo/carousel > text > link (``MEDIA_LIFT``);
- follower growth: followers rise linearly from ``followers_start`` to
  ``followers_end``, and reach grows with them.

Same spec, same posts: everything comes from ``random.Random(spec.seed)``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MEDIA_LIFT = {"video": 1.6, "carousel": 1.35, "photo": 1.3, "text": 1.0, "link": 0.8}
MEDIA_SHARE = {"text": 0.35, "photo": 0.3, "video": 0.15, "link": 0.12, "carousel": 0.08}
# platforms whose APIs report impressions (views) of a post; the others report none
REPORTS_IMPRESSIONS = {"x", "threads", "instagram", "facebook", "tiktok", "linkedin"}
WORDS = [
    "coffee",
    "latte",
    "beans",
    "roast",
    "morning",
    "espresso",
    "brew",
    "autumn",
    "launch",
    "team",
    "customers",
    "story",
    "tips",
    "recipe",
    "weekend",
    "event",
    "offer",
    "behind-the-scenes",
    "menu",
    "community",
]


@dataclass(frozen=True)
class HistorySpec:
    seed: int
    posts: int
    platform: str = "x"
    days: int = 120
    timezone: str = "UTC"
    end: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    peaks: tuple[tuple[int, int], ...] = ((1, 9), (3, 18))  # (weekday Monday=0, local hour)
    peak_lift: float = 3.0
    followers_start: int = 2000
    followers_end: int = 3000
    base_rate: float = 0.04  # interactions per impression on a typical post
    noise: float = 0.25  # sigma of the multiplicative log-normal noise


@dataclass(frozen=True)
class HistoryPost:
    index: int
    published_at: datetime  # UTC, aware
    text: str
    media_type: str
    followers: int  # the account's followers at posting time
    likes: int
    comments: int
    shares: int
    impressions: int | None
    reach: int | None
    clicks: int | None
    saves: int | None
    quotes: int


def spec_for(seed: int, posts: int, platform: str = "x", **overrides: object) -> HistorySpec:
    """A spec whose peaks differ per seed: two peaks on two different weekdays."""
    rng = random.Random(seed * 7919 + 17)
    first, second = rng.sample(range(7), 2)
    peaks = ((first, rng.randint(8, 11)), (second, rng.randint(16, 20)))
    values: dict[str, object] = {"seed": seed, "posts": posts, "platform": platform}
    values["peaks"] = peaks
    values.update(overrides)
    return HistorySpec(**values)  # type: ignore[arg-type]


def followers_at(spec: HistorySpec, when: datetime) -> int:
    start = spec.end - timedelta(days=spec.days)
    share = min(1.0, max(0.0, (when - start) / (spec.end - start)))
    return round(spec.followers_start + share * (spec.followers_end - spec.followers_start))


def follower_series(spec: HistorySpec) -> list[tuple[datetime, int]]:
    """One follower count a day over the history (for AccountStatsSnapshot rows)."""
    start = spec.end - timedelta(days=spec.days)
    return [
        (start + timedelta(days=d), followers_at(spec, start + timedelta(days=d)))
        for d in range(spec.days + 1)
    ]


def hour_lift(spec: HistorySpec, weekday: int, hour: int) -> float:
    """The planted hour-of-week effect at a local (weekday, hour)."""
    lift = 1.0
    for peak_day, peak_hour in spec.peaks:
        off = abs(hour - peak_hour)
        if weekday == peak_day and off <= 2:
            lift = max(lift, 1.0 + (spec.peak_lift - 1.0) * (1.0 - off / 3))
    return lift


def _posting_hour(rng: random.Random) -> int:
    """Most posts go out in the daytime, a few at night."""
    if rng.random() < 0.9:
        return rng.randint(7, 21)
    return rng.choice([22, 23, 0, 1, 2, 3, 4, 5, 6])


def generate(spec: HistorySpec) -> list[HistoryPost]:
    """The account's posts, oldest first."""
    rng = random.Random(spec.seed)
    zone = ZoneInfo(spec.timezone)
    start = spec.end - timedelta(days=spec.days)
    kinds, shares = zip(*MEDIA_SHARE.items(), strict=True)
    posts: list[HistoryPost] = []
    for index in range(spec.posts):
        day = (start + timedelta(days=rng.uniform(0, spec.days))).astimezone(zone).date()
        local = datetime(
            day.year, day.month, day.day, _posting_hour(rng), rng.randint(0, 59), tzinfo=zone
        )
        when = local.astimezone(UTC)
        if when > spec.end:
            when -= timedelta(days=1)
            local = when.astimezone(zone)
        media = rng.choices(kinds, weights=shares)[0]
        followers = followers_at(spec, when)
        effect = hour_lift(spec, local.weekday(), local.hour) * MEDIA_LIFT[media]
        noise = math.exp(rng.gauss(0.0, spec.noise))
        impressions = max(1, round(followers * 0.8 * math.exp(rng.gauss(0.0, 0.1))))
        interactions = impressions * spec.base_rate * effect * noise
        likes = round(interactions * 0.7)
        comments = round(interactions * 0.15)
        shares_ = round(interactions * 0.15)
        reports = spec.platform in REPORTS_IMPRESSIONS
        text = " ".join(rng.choices(WORDS, k=rng.randint(5, 14))).capitalize() + f" #{index}"
        posts.append(
            HistoryPost(
                index=index,
                published_at=when,
                text=text,
                media_type=media,
                followers=followers,
                likes=likes,
                comments=comments,
                shares=shares_,
                impressions=impressions if reports else None,
                reach=round(impressions * 0.7) if reports else None,
                clicks=round(interactions * 0.2) if media == "link" and reports else None,
                saves=round(interactions * 0.05) if reports else None,
                quotes=round(interactions * 0.03),
            )
        )
    posts.sort(key=lambda p: p.published_at)
    return [_renumber(p, i) for i, p in enumerate(posts)]


def _renumber(post: HistoryPost, index: int) -> HistoryPost:
    from dataclasses import replace

    return replace(post, index=index)
