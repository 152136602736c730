"""`analytics predict`: a post's expected interactions with its 80% interval.

A stored post (published or planned) or a text not written yet, for one or
more accounts. Its features come from the account's history before its time,
exactly as in training (``features.features_of_post``, tested against the
frame's); only what that needs is read: the post itself (or the new text) in
full, and of the account's other posts just their times and interactions.

All in plain Python, on plain SQL and the compiled models: a prediction is one
row, and importing pandas, numpy and scikit-learn would cost it far more than
the work (BENCH.md B7).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics_scope import _records, _rows, scope
from clientnest_cli.services.insight import (
    HISTORY_SQL,
    NEWEST,
    POST_COLUMNS,
    interactions_of,
    load,
    shape_post,
)
from clientnest_cli.store.lite import utc_datetime

if TYPE_CHECKING:
    from clientnest_cli.analytics.predictor import Predictor
    from clientnest_cli.services.context import AppContext

MEDIA = ("text", "photo", "video", "link", "carousel")
TRAIN_HINT = "no engagement model yet: train one with `clientnest analytics model train --all`"

Past = list[tuple[datetime, float]]  # an account's other posts: (time, interactions or NaN)


def _past(ctx: AppContext, account_id: int, leave_out: int) -> Past:
    """The account's published posts but ``leave_out``, in time order (then id)."""
    rows = _records(ctx, HISTORY_SQL, {"ids": [account_id]})
    kept = []
    for r in rows:
        when = utc_datetime(r["published_at"])
        if r["post_id"] != leave_out and when is not None:  # no time: nothing to place
            kept.append((when, r["post_id"], interactions_of(r)))
    kept.sort(key=lambda t: (t[0], t[1]))
    return [(when, value) for when, _, value in kept]


def _typical(past: Past) -> float | None:
    known = [v for _, v in past if not math.isnan(v)]
    return float(statistics.median(known)) if known else None


def _answer(predictor: Predictor, past: Past, post: dict[str, Any], account: str) -> dict[str, Any]:
    """The prediction for ``post`` (shaped like ``insight.shape_post``'s) against the
    account's other posts."""
    from clientnest_cli.analytics.features import features_of_post

    values = features_of_post(post, past)
    result = predictor.predict_one(values)
    for driver in result["drivers"]:
        if driver["name"] == "account":  # the model knows it by id; people by its ref
            driver["value"] = account
    return {
        "account": account,
        **result,
        "typical": _typical(past),
        "history": int(values["history"]),
    }


def predict_post(ctx: AppContext, post_id: int, now: datetime | None = None) -> dict[str, Any]:
    _, predictor = load(ctx)
    found = _records(ctx, POST_COLUMNS + NEWEST + "WHERE p.id = :id", {"id": post_id})
    if not found:
        raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
    account_id = int(found[0]["account_id"])
    sc = scope(ctx, accounts=[str(account_id)], default_period="3650d")
    label = sc.labels[account_id]
    post = shape_post(found[0], label, now or datetime.now(UTC))
    answer = _answer(predictor, _past(ctx, account_id, post_id), post, label["account"])
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
    _, predictor = load(ctx)
    now = now or datetime.now(UTC)
    answers = []
    for ref in refs:
        sc = scope(ctx, accounts=[ref], default_period="3650d")
        account_id = sc.account_ids[0]
        label = sc.labels[account_id]
        when = parse_when(at, label["timezone"], allow_past=True, now=now) if at else now
        post = {
            "post_id": -1,
            "account_id": account_id,
            "published_at": when,
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
            "platform": label["platform"],
            "timezone": label["timezone"],
        }
        past = _past(ctx, account_id, leave_out=-1)
        answers.append(_answer(predictor, past, post, label["account"]))
    return answers


def _followers(ctx: AppContext, account_id: int) -> float:
    """The account's followers now (its newest snapshot, else its row); NaN if unknown."""
    found = _rows(
        ctx,
        "SELECT followers FROM accountstatssnapshot WHERE account_id = :id "
        "ORDER BY captured_at DESC LIMIT 1",
        id=account_id,
    )
    if found and found[0][0]:
        return float(found[0][0])
    row = _rows(ctx, "SELECT followers FROM socialaccount WHERE id = :id", id=account_id)
    return float(row[0][0]) if row and row[0][0] else math.nan


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
