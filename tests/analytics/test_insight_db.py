"""Train, predict, recommend and A/B status on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.sandbox.insight_history import InsightSpec
from tests.analytics.test_ab_cli import _create, _publish
from tests.analytics.test_model_cli import _seed
from tests.helpers import ok, seed_account


def test_the_insight_commands_on_both_stores(
    home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    posts = _seed({"x:acme": InsightSpec(seed=5, posts=200, timezone="Europe/Berlin")})
    ok("analytics", "model", "train", "--account", "x:acme")
    ev = ok("analytics", "model", "evaluate", "--json").json()
    assert ev["posts"] == 200 and ev["holdout"] == 40
    answer = ok("analytics", "predict", str(posts["x:acme"][-1]), "--json").json()
    assert answer["low"] <= answer["expected"] <= answer["high"] and answer["typical"] > 0
    found = ok("analytics", "recommend", "x:acme", "--json").json()[0]
    assert found["posts"] == 200
    seed_account("x", "acme2")
    test = _create("x:acme", "x:acme2")
    _publish(test, {"A": 0.04, "B": 0.05}, 20_000, seed=1)
    assert ok("ab", "status", test["id"], "--json").json()["test"]["significant"]


def test_one_post_read_without_pandas_gets_the_features_training_gives_it(
    home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`analytics predict` reads one post and its account's other posts with plain
    SQL (``shape_post``, ``_past``) and features them in plain Python; training
    reads frames: for published posts, one without figures, a planned one and
    stored oddities (hashtags, a paid flag, media without files, no followers),
    both give the same features."""
    from datetime import UTC, datetime

    from clientnest_cli.analytics.features import features, features_of_post
    from clientnest_cli.services.analytics_scope import _records, scope
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.insight import NEWEST, POST_COLUMNS, load_frame, shape_post
    from clientnest_cli.services.insight_predict import _past
    from tests.analytics.test_predictor import assert_same_features

    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    ids = _seed({"x:acme": InsightSpec(seed=5, posts=60, timezone="Europe/Berlin")})["x:acme"]
    soon = ("post", "create", "Soon #Coffee?", "--to", "x:acme", "--at", "2030-01-07T18:00")
    planned_id = ok(*soon, "--json").json()[0]["id"]
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE post SET platform_extra = '{\"paid\": true}', media_type = 'photo', "
                f"followers_at_post = NULL WHERE id = {ids[10]}"
            )
            conn.exec_driver_sql(f"DELETE FROM postmetricssnapshot WHERE post_id = {ids[20]}")
        sc = scope(ctx, accounts=["x:acme"], default_period="3650d")
        account_id = sc.account_ids[0]
        now = datetime(2029, 6, 1, tzinfo=UTC)
        stored = load_frame(ctx, sc, extra=[planned_id], now=now)
        for post_id in (ids[0], ids[5], ids[10], ids[20], ids[-1], planned_id):
            frame = stored[(stored["status"] == "published") | (stored["post_id"] == post_id)]
            whole = features(frame.reset_index(drop=True))
            row = whole[whole["post_id"] == post_id].iloc[0]
            raw = _records(ctx, POST_COLUMNS + NEWEST + "WHERE p.id = :id", {"id": post_id})[0]
            post = shape_post(raw, sc.labels[account_id], now)
            assert_same_features(features_of_post(post, _past(ctx, account_id, post_id)), row)
    finally:
        ctx.close()
