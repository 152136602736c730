"""`analytics predict`: a post's expected interactions with its 80% interval.

A stored post (published or planned) or a text not written yet, for one or
more accounts. Its features come from the account's history before its time,
exactly as in training.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics import _read, scope
from clientnest_cli.services.insight import load, load_frame

if TYPE_CHECKING:
    import pandas as pd

    from clientnest_cli.analytics.predictor import Predictor
    from clientnest_cli.services.context import AppContext

MEDIA = ("text", "photo", "video", "link", "carousel")


def _typical(frame: pd.DataFrame, account_id: int) -> float | None:
    known = frame[(frame["account_id"] == account_id) & frame["interactions"].notna()]
    return None if known.empty else float(known["interactions"].median())


def _answer(
    predictor: Predictor, frame: pd.DataFrame, row_index: Any, account: str
) -> dict[str, Any]:
    from clientnest_cli.analytics.features import _sentiment, features

    X = features(frame, sentiment=False)
    X.loc[row_index, "sentiment"] = _sentiment(str(frame.loc[row_index, "content"] or ""))
    result = predictor.predict(X.loc[[row_index]])[0]
    account_id = int(frame.loc[row_index, "account_id"])
    history = X.loc[row_index, "history"]
    return {
        "account": account,
        **result,
        "typical": _typical(frame, account_id),
        "history": int(0 if math.isnan(history) else history),
    }


def predict_post(ctx: AppContext, post_id: int, now: datetime | None = None) -> dict[str, Any]:
    _, predictor = load(ctx)
    found = _read(ctx, "SELECT account_id FROM post WHERE id = :id", id=post_id)
    if found.empty:
        raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
    account_id = int(found["account_id"].iloc[0])
    sc = scope(ctx, accounts=[str(account_id)], default_period="3650d")
    frame = load_frame(ctx, sc, extra=[post_id], now=now)
    rows = frame.index[frame["post_id"] == post_id]
    answer = _answer(predictor, frame, rows[0], sc.labels[account_id]["account"])
    return {"post_id": post_id, **answer}


def predict_text(
    ctx: AppContext,
    text: str,
    refs: list[str],
    *,
    at: str | None = None,
    media: str | None = None,
    category: str = "",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    import pandas as pd

    from clientnest_cli.services.timeparse import parse_when

    if not text.strip():
        raise BadInput("the text is empty", hint="give the post's text with --text")
    if not refs:
        raise BadInput("say which account the post is for", hint="add --to PLATFORM:HANDLE")
    if media and media not in MEDIA:
        raise BadInput(f"unknown media type '{media}'", hint=f"use one of {', '.join(MEDIA)}")
    _, predictor = load(ctx)
    now = now or datetime.now(UTC)
    answers = []
    for ref in refs:
        sc = scope(ctx, accounts=[ref], default_period="3650d")
        account_id = sc.account_ids[0]
        label = sc.labels[account_id]
        when = parse_when(at, label["timezone"], allow_past=True, now=now) if at else now
        frame = load_frame(ctx, sc, now=now)
        followers = _followers(ctx, account_id)
        row = {
            "post_id": -1,
            "account_id": account_id,
            "published_at": pd.Timestamp(when),
            "status": "draft",
            "content": text,
            "hashtags": None,
            "media_type": media or "text",
            "media_count": 0.0 if (media or "text") in ("text", "link") else 1.0,
            "thread": False,
            "category": category,
            "ai_generated": False,
            "paid": None,
            "followers_at_post": followers,
            "interactions": math.nan,
            "platform": label["platform"],
            "timezone": label["timezone"],
            "account": label["account"],
        }
        frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
        answers.append(_answer(predictor, frame, frame.index[-1], label["account"]))
    return answers


def _followers(ctx: AppContext, account_id: int) -> float:
    """The account's followers now (its newest snapshot, else its row); NaN if unknown."""
    found = _read(
        ctx,
        "SELECT followers FROM accountstatssnapshot WHERE account_id = :id "
        "ORDER BY captured_at DESC LIMIT 1",
        id=account_id,
    )
    if not found.empty and found["followers"].iloc[0]:
        return float(found["followers"].iloc[0])
    row = _read(ctx, "SELECT followers FROM socialaccount WHERE id = :id", id=account_id)
    value = row["followers"].iloc[0] if not row.empty else None
    return float(value) if value else math.nan
