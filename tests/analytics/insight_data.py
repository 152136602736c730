"""Post frames straight from the insight history generator (no store), for pure tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientnest_cli.sandbox.insight_history import InsightSpec, generate

if TYPE_CHECKING:
    import pandas as pd


def post_frame(specs: dict[int, InsightSpec]) -> pd.DataFrame:
    """The ``features()`` input for accounts id → spec, oldest first."""
    import pandas as pd

    rows = []
    for account_id, spec in specs.items():
        for item in generate(spec):
            p = item.post
            rows.append(
                {
                    "post_id": account_id * 100_000 + p.index,
                    "account_id": account_id,
                    "platform": spec.platform,
                    "timezone": spec.timezone,
                    "published_at": pd.Timestamp(p.published_at),
                    "content": p.text,
                    "hashtags": list(item.hashtags),
                    "media_type": p.media_type,
                    "media_count": 0.0 if p.media_type in ("text", "link") else 1.0,
                    "thread": False,
                    "category": item.category,
                    "ai_generated": False,
                    "paid": None,
                    "followers_at_post": float(p.followers),
                    "interactions": float(p.likes + p.comments + p.shares),
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sort_values(["published_at", "post_id"]).reset_index(drop=True)
