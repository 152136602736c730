"""`analytics predict`: a post's expected interactions with its 80% interval.

A stored post (published or planned) or a text not written yet, for one or
more accounts. Its features come from the account's history before its time,
exactly as in training; only what that needs is read: the post itself (or the
new text) in full, and of the account's other posts just their times and
interactions (``insight.load_history``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics import _read, scope
from clientnest_cli.services.insight import load, load_history, load_post

if TYPE_CHECKING:
    import pandas as pd

    from clientnest_cli.analytics.predictor import Predictor
    from clientnest_cli.services.context import AppContext

MEDIA = ("text", "photo", "video", "link", "carousel")
TRAIN_HINT = "no engagement model yet: train one with `clientnest analytics model train --all`"


def _typical(history: pd.DataFrame) -> float | None:
    known = history["interactions"].dropna()
    return None if known.empty else float(known.median())


def _answer(
    predictor: Predictor, history: pd.DataFrame, row: pd.DataFrame, account: str
) -> dict[str, Any]:
    """The prediction for ``row`` (one post, all columns) against the account's history."""
    from clientnest_cli.analytics.features import features

    others = history[~history["post_id"].isin(row["post_id"])]
    X = features(row, history=others)
    result = predictor.predict(X)[0]
    history_count = X["history"].iloc[0]
    return {
        "account": account,
        **result,
        "typical": _typical(others),
        "history": int(0 if math.isnan(history_count) else history_count),
    }


def predict_post(ctx: AppContext, post_id: int, now: datetime | None = None) -> dict[str, Any]:
    _, predictor = load(ctx)
    found = _read(ctx, "SELECT account_id FROM post WHERE id = :id", id=post_id)
    if found.empty:
        raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
    account_id = int(found["account_id"].iloc[0])
    sc = scope(ctx, accounts=[str(account_id)], default_period="3650d")
    row = load_post(ctx, sc, post_id, now or datetime.now(UTC))
    history = load_history(ctx, [account_id])
    answer = _answer(predictor, history, row, sc.labels[account_id]["account"])
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
    from clientnest_cli.services.timeparse import parse_when

    if not text.strip():
        raise BadInput("the text is empty", hint="give the post's text with --text")
    if not refs:
        raise BadInput("say which account the post is for", hint="add --to PLATFORM:HANDLE")
    if media and media not in MEDIA:
        raise BadInput(f"unknown media type '{media}'", hint=f"use one of {', '.join(MEDIA)}")
    _, predictor = load(ctx)  # scikit-learn brings pandas along
    import pandas as pd

    now = now or datetime.now(UTC)
    answers = []
    for ref in refs:
        sc = scope(ctx, accounts=[ref], default_period="3650d")
        account_id = sc.account_ids[0]
        label = sc.labels[account_id]
        when = parse_when(at, label["timezone"], allow_past=True, now=now) if at else now
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
            "followers_at_post": _followers(ctx, account_id),
            "interactions": math.nan,
            "platform": label["platform"],
            "timezone": label["timezone"],
            "account": label["account"],
        }
        history = load_history(ctx, [account_id])
        answers.append(_answer(predictor, history, pd.DataFrame([row]), label["account"]))
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


@dataclass
class DraftPrediction:
    """The editor's prediction: one answer per target, or a note saying why there is none."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def predict_draft(
    ctx: AppContext,
    text: str,
    refs: list[str],
    *,
    at: str | None = None,
    media: str | None = None,
    category: str = "",
) -> DraftPrediction:
    """``predict_text`` for a draft being written: never raises for the draft's
    problems (they become the note); without a model the note says what to run."""
    from clientnest_cli.errors import ClientNestError
    from clientnest_cli.services.insight_model import model_path

    if not model_path(ctx).exists():
        return DraftPrediction(note=TRAIN_HINT)
    if not text.strip() or not refs:
        return DraftPrediction(note="write the text and pick a target to see it")
    try:
        answers = predict_text(ctx, text, refs, at=at, media=media, category=category)
    except ClientNestError as exc:
        return DraftPrediction(note=exc.one_line())
    return DraftPrediction(answers=answers)
