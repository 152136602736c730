"""A seeded history for the engagement predictor and `recommend`, with chosen effects.

Unlike ``sandbox/history.py`` (hour-of-week peaks, fixed media lifts) every
effect here is a parameter, so a test can plant exactly what it asserts and
nothing else, or plant nothing at all (``no_signal``):

- media: posts with a photo, video or carousel draw ``media_lift`` × the
  interactions of text and link posts;
- a peak hour: posts published at ``peak_hour`` (local, any weekday) draw
  ``peak_lift`` ×;
- categories: each post gets one of ``CATEGORIES``; ``weak_category`` draws
  ``weak_lift`` ×;
- hashtags (0–3), length, weekday and threads vary but have no effect.

Posts are ``history.HistoryPost`` (so the store seeder writes them the same
way), paired with their category and hashtags. Imports nothing of ours but the
sandbox's own history module.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from clientnest_cli.sandbox.history import WORDS, HistoryPost

CATEGORIES = ("tips", "news", "story", "promo")
MEDIA_KINDS = ("text", "photo", "video", "link", "carousel")
MEDIA_WEIGHTS = (0.35, 0.3, 0.15, 0.12, 0.08)
WITH_MEDIA = {"photo", "video", "carousel"}
TAGS = ("coffee", "latte", "barista", "roastery", "morning", "cafe")


@dataclass(frozen=True)
class InsightSpec:
    seed: int
    posts: int
    platform: str = "x"
    days: int = 365
    timezone: str = "UTC"
    end: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    media_lift: float = 1.4
    peak_hour: int = 18
    peak_lift: float = 1.8
    weak_category: str = "promo"
    weak_lift: float = 0.6
    base: float = 60.0  # interactions of a typical text post
    followers_start: int = 2000
    followers_end: int = 2200
    noise: float = 0.3  # sigma of the multiplicative log-normal noise


def no_signal(spec: InsightSpec) -> InsightSpec:
    """The same spec with every effect removed (followers flat too)."""
    from dataclasses import replace

    return replace(
        spec,
        media_lift=1.0,
        peak_lift=1.0,
        weak_lift=1.0,
        followers_end=spec.followers_start,
    )


@dataclass(frozen=True)
class InsightPost:
    post: HistoryPost
    category: str
    hashtags: tuple[str, ...]


def effect(spec: InsightSpec, media: str, hour: int, category: str) -> float:
    """The planted multiplier of a post's expected interactions."""
    lift = spec.media_lift if media in WITH_MEDIA else 1.0
    if hour == spec.peak_hour:
        lift *= spec.peak_lift
    if category == spec.weak_category:
        lift *= spec.weak_lift
    return lift


def generate(spec: InsightSpec) -> list[InsightPost]:
    """The account's posts, oldest first, renumbered 0…n-1."""
    rng = random.Random(spec.seed)
    zone = ZoneInfo(spec.timezone)
    start = spec.end - timedelta(days=spec.days)
    made: list[InsightPost] = []
    for _ in range(spec.posts):
        day = (start + timedelta(days=rng.uniform(0, spec.days - 1))).astimezone(zone).date()
        hour = rng.randint(7, 21)
        local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=zone)
        when = local.astimezone(UTC)
        media = rng.choices(MEDIA_KINDS, weights=MEDIA_WEIGHTS)[0]
        category = rng.choice(CATEGORIES)
        tags = tuple(rng.sample(TAGS, rng.randint(0, 3)))
        share = min(1.0, max(0.0, (when - start) / (spec.end - start)))
        followers = round(
            spec.followers_start + share * (spec.followers_end - spec.followers_start)
        )
        scale = spec.base * followers / spec.followers_start
        interactions = scale * effect(spec, media, hour, category)
        interactions *= math.exp(rng.gauss(0.0, spec.noise))
        impressions = max(1, round(followers * 0.8 * math.exp(rng.gauss(0.0, 0.1))))
        words = " ".join(rng.choices(WORDS, k=rng.randint(4, 30))).capitalize()
        text = words + "".join(f" #{t}" for t in tags)
        if rng.random() < 0.15:
            text += "?"
        post = HistoryPost(
            index=0,
            published_at=when,
            text=text,
            media_type=media,
            followers=followers,
            likes=round(interactions * 0.7),
            comments=round(interactions * 0.15),
            shares=round(interactions * 0.15),
            impressions=impressions,
            reach=round(impressions * 0.7),
            clicks=None,
            saves=None,
            quotes=0,
        )
        made.append(InsightPost(post, category, tags))
    made.sort(key=lambda p: p.post.published_at)
    from dataclasses import replace

    return [replace(p, post=replace(p.post, index=i)) for i, p in enumerate(made)]
