"""The engagement predictor on generated histories: beats the baselines only when it can."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest

from clientnest_cli.analytics.features import FEATURES, features, features_of_post
from clientnest_cli.analytics.predictor import BASELINES, evaluate
from clientnest_cli.sandbox.insight_history import InsightSpec, no_signal
from tests.analytics.insight_data import post_frame

if TYPE_CHECKING:
    import pandas as pd

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


def test_a_post_against_the_stored_history_gets_the_features_training_gives_it() -> None:
    """`analytics predict` passes the account's other posts as ``history``; training
    computes every post against the whole frame: one row must come out the same,
    and as a brute-force reading of "earlier posts with figures" says."""
    import numpy as np
    import pandas as pd

    frame = post_frame({1: InsightSpec(seed=5, posts=60), 2: InsightSpec(seed=6, posts=40)})
    frame.loc[[7, 20], "interactions"] = math.nan  # posts without figures count as posts only
    whole = features(frame)
    for r in (0, 3, 25, 59, 99):
        row = frame.loc[[r]]
        alone = features(row, history=frame.drop(index=r))
        pd.testing.assert_frame_equal(alone, whole.loc[[r]])
        with_itself = features(row, history=frame)  # its own entry never counts
        pd.testing.assert_frame_equal(with_itself, whole.loc[[r]])
        mine = frame[frame["account_id"] == frame.loc[r, "account_id"]]
        earlier = mine[mine["published_at"] < frame.loc[r, "published_at"]]
        y = np.log1p(earlier["interactions"].dropna().to_numpy())
        got = alone.iloc[0]
        assert got["history"] == len(y)
        if len(y):
            assert got["account_median"] == np.median(y)
            assert got["recent_median"] == np.median(y[-10:])
            gap = (frame.loc[r, "published_at"] - earlier["published_at"].max()).total_seconds()
            assert got["days_since_last"] == pytest.approx(gap / 86_400)
        else:
            assert math.isnan(got["account_median"]) and math.isnan(got["days_since_last"])
        past = [
            (t.to_pydatetime(), v)
            for t, v in mine.drop(index=r)[["published_at", "interactions"]].itertuples(index=False)
        ]
        post = {
            **frame.loc[r].to_dict(),
            "published_at": frame.loc[r, "published_at"].to_pydatetime(),
        }
        assert_same_features(features_of_post(post, past), whole.loc[r])


def assert_same_features(values: dict, row: pd.Series) -> None:
    """One post's plain-Python features (``features_of_post``) are its frame row's."""
    for name in (*FEATURES, "history"):
        got, want = values[name], row[name]
        if isinstance(want, str):
            assert got == want, name
        elif math.isnan(want):
            assert math.isnan(got), name
        else:
            assert got == pytest.approx(float(want), rel=1e-12, abs=1e-12), name


def test_rows_predicted_together_or_one_by_one_agree_and_drivers_are_what_if_typical() -> None:
    import numpy as np

    from clientnest_cli.analytics.predictor import train

    X = features(post_frame(PLANTED))
    predictor = train(X, seed=0)
    some = X.iloc[[0, 1, 5, 700, 1599]]  # the first posts of an account: too little history
    together = predictor.predict(some)
    assert together == [predictor.predict(some.iloc[[i]])[0] for i in range(len(some))]
    assert {r["by"] for r in together} == {"model", predictor.evaluation["best_baseline"]}
    i = next(n for n, r in enumerate(together) if r["by"] == "model")
    row = some.iloc[[i]]
    for driver in together[i]["drivers"]:
        changed = row.copy()
        changed[driver["name"]] = predictor.fitted.reference[driver["name"]]
        before, after = predictor.fitted.predict(row)[0], predictor.fitted.predict(changed)[0]
        assert driver["effect"] == pytest.approx(np.expm1(before[0]) - np.expm1(after[0]))


def test_codes_are_pandas_per_column_conversions_unseen_levels_and_gaps_included() -> None:
    """``Encoder.transform`` on plain arrays gives what ``astype(str).map(codes)`` and
    ``astype(float)`` gave, and ``codes_of`` gives each of its rows."""
    import numpy as np

    from clientnest_cli.analytics.predictor import Encoder

    X = features(post_frame(PLANTED))
    encoder = Encoder.fit(X.iloc[:400])  # later rows bring levels it has not seen
    X = X.copy()
    X.loc[X.index[:3], "category"] = [None, math.nan, "never-seen"]
    X.loc[X.index[3], "followers"] = math.nan
    expected = []
    for name in encoder.columns:
        if name in encoder.levels:
            codes = {v: float(i) for i, v in enumerate(encoder.levels[name])}
            expected.append(X[name].astype(str).map(codes).astype(float).to_numpy())
        else:
            expected.append(X[name].astype(float).to_numpy())
    got = encoder.transform(X)
    np.testing.assert_array_equal(got, np.column_stack(expected))
    assert np.isnan(got[:3, encoder.columns.index("category")]).all()
    for i in (0, 1, 3, 500):
        np.testing.assert_array_equal(encoder.codes_of(X.iloc[i].to_dict()), got[i])


RUNTIME_PROBE = """
import gc, json, os
import joblib.externals.loky.backend.context as loky
from clientnest_cli.analytics.sklearn_runtime import import_models, one_thread

counted = []
real = loky._count_physical_cores
loky._count_physical_cores = lambda: counted.append(1) or real()
import_models()
after_import = (os.environ.get("OMP_NUM_THREADS"), gc.isenabled(), gc.get_freeze_count() > 0)
with one_thread():
    inside = os.environ.get("OMP_NUM_THREADS")
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    threads = _openmp_effective_n_threads()
print(json.dumps([after_import, inside, threads, os.environ.get("OMP_NUM_THREADS"), len(counted)]))
"""


def test_models_imported_on_one_thread_without_collections_or_counting_cores() -> None:
    """A fresh process: OpenMP starts on one thread, the variable is put back, the
    collector is on again with the import's objects frozen, and a prediction's thread
    count comes from the runtime (no lscpu subprocess to count physical cores)."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", RUNTIME_PROBE], env=env, capture_output=True, text=True, check=True
    )
    after_import, inside, threads, after, counted = json.loads(done.stdout)
    assert after_import == [None, True, True]
    assert (inside, threads, after, counted) == ("1", 1, None, 0)
