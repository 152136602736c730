"""The engagement predictor on generated histories: beats the baselines only when it can."""

from __future__ import annotations

import math

from clientnest_cli.analytics.features import features
from clientnest_cli.analytics.predictor import BASELINES, evaluate
from clientnest_cli.sandbox.insight_history import InsightSpec, no_signal
from tests.analytics.insight_data import post_frame

PLANTED = {
    1: InsightSpec(seed=1, posts=800, timezone="Europe/Berlin"),
    2: InsightSpec(seed=2, posts=800, platform="bluesky", base=25.0, timezone="America/New_York"),
}


def test_planted_effects_the_model_beats_every_baseline_with_calibrated_intervals() -> None:
    ev = evaluate(features(post_frame(PLANTED)), seed=0)
    assert ev["posts"] == 1600 and ev["holdout"] == 320
    assert ev["chosen"] == "model" and ev["beats_baseline"] is True
    for name in BASELINES:
        assert ev["model"]["mae_log"] < ev["baselines"][name]["mae_log"], name
        assert ev["model"]["mae"] < ev["baselines"][name]["mae"], name
    assert 0.75 <= ev["coverage_80"] <= 0.85
    top = [f["name"] for f in ev["features"][:5]]
    for planted in ("media_type", "hour", "category"):
        assert planted in top, top
    assert ev["min_history"] >= 10


def test_no_signal_the_baseline_is_chosen() -> None:
    quiet = {k: no_signal(v) for k, v in PLANTED.items()}
    ev = evaluate(features(post_frame(quiet)), seed=0)
    assert ev["chosen"] in BASELINES and ev["beats_baseline"] is False
    assert ev["coverage_80"] == ev["coverage"][ev["chosen"]]


def test_history_features_use_only_earlier_posts() -> None:
    frame = post_frame({1: InsightSpec(seed=5, posts=30)})
    X = features(frame)
    assert math.isnan(X["account_median"].iloc[0]) and math.isnan(X["days_since_last"].iloc[0])
    assert X["history"].tolist() == list(range(30))
    third = X.iloc[2]
    assert third["account_median"] == X["y"].iloc[:2].median()
    # a platform that gives no figure: missing, not 0
    frame.loc[0, "followers_at_post"] = None
    assert math.isnan(features(frame)["followers"].iloc[0])
    assert features(frame)["paid"].isna().all()


def test_large_histories_learn_from_a_sample_with_history_from_every_post(monkeypatch) -> None:
    import pandas as pd

    from clientnest_cli.analytics import predictor

    frame = post_frame({1: InsightSpec(seed=7, posts=300)})
    monkeypatch.setattr(predictor, "MAX_ROWS", 120)
    rows = predictor.sample_rows(frame.index, seed=0)
    assert len(rows) == 120 and rows.is_monotonic_increasing and rows.is_unique
    assert predictor.sample_rows(frame.index, seed=0).equals(rows)  # fixed seed
    part = features(frame, rows=rows)
    pd.testing.assert_frame_equal(part, features(frame).loc[rows])
    ev = evaluate(part, seed=0, posts=len(frame))
    assert ev["posts"] == 300 and ev["sampled"] == 120 and ev["holdout"] == 24
