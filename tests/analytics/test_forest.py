"""The compiled forest: scikit-learn's predictions to 1e-9, with neither numpy nor
scikit-learn needed to load or run it."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clientnest_cli.analytics.forest import Forest
from clientnest_cli.analytics.predictor import _regressor

MASK = [False, True, False, True, False, True, False]  # categorical columns interleaved
ITERATIONS = 60


def _data(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Numeric columns with NaNs; three categorical ones with rare codes, NaNs and a
    seen negative code; a target depending on both."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, len(MASK)))
    X[:, 1] = rng.choice(5, rows, p=[0.4, 0.3, 0.2, 0.09, 0.01])  # code 4 rare
    X[:, 3] = rng.integers(0, 10, rows)
    X[:, 5] = rng.choice([-1.0, 0.0, 1.0, 2.0, 7.0], rows, p=[0.2, 0.3, 0.3, 0.18, 0.02])
    y = (
        np.nan_to_num(X[:, 0])
        + 0.7 * (X[:, 1] % 3)
        + (X[:, 3] > 5)
        - 0.5 * X[:, 5]
        + np.nan_to_num(X[:, 4]) ** 2 / 3
        + rng.normal(scale=0.3, size=rows)
    )
    X[rng.random(X.shape) < 0.08] = np.nan
    return X, y


def _fit(loss: str, quantile: float | None = None, mask: list[bool] | None = MASK):
    """The production configuration (fewer iterations: the tests stay fast)."""
    X, y = _data(800, seed=1)
    model = _regressor(loss, seed=0, quantile=quantile).set_params(max_iter=ITERATIONS)
    if mask is not None:
        model.set_params(categorical_features=mask)
    return model.fit(X, y)


def _held_out(model) -> np.ndarray:
    """Fresh rows plus the awkward ones: NaN everywhere, unseen, negative and
    non-integer codes, and values sitting exactly on split thresholds."""
    X, _ = _data(200, seed=2)
    n = X.shape[1]
    mask = model.is_categorical_.tolist() if model._preprocessor is not None else [False] * n
    cats = [c for c in range(n) if mask[c]]
    inputs = cats + [c for c in range(n) if not mask[c]]  # the preprocessor's column order
    extra = [np.full(n, np.nan)]
    for c in cats:
        for code in (-1.0, -3.0, 11.0, 250.0, 2.5, 4.0, 7.0):
            row = X[len(extra)].copy()
            row[c] = code
            extra.append(row)
    thresholds = [
        (inputs[int(node["feature_idx"])], float(node["num_threshold"]))
        for predictor in model._predictors[:20]
        for node in predictor[0].nodes
        if not node["is_leaf"] and not node["is_categorical"]
    ]
    assert thresholds
    for k, (c, t) in enumerate(thresholds):
        row = X[k % len(X)].copy()
        row[c] = t
        extra.append(row)
    return np.vstack([X, *extra])


@pytest.mark.parametrize(
    ("loss", "quantile"),
    [("squared_error", None), ("quantile", 0.1), ("quantile", 0.9), ("absolute_error", None)],
)
def test_the_forest_predicts_what_the_model_does(loss: str, quantile: float | None) -> None:
    model = _fit(loss, quantile)
    assert model._preprocessor is not None and model.n_iter_ == ITERATIONS
    X = _held_out(model)
    forest = Forest.of(model)
    assert len(forest.trees) == ITERATIONS
    np.testing.assert_allclose(forest.predict(X), model.predict(X), rtol=0, atol=1e-9)
    assert forest.predict_row(X[0]) == pytest.approx(model.predict(X[:1])[0], abs=1e-9)
    assert type(forest.predict_row(X[0])) is float


def test_a_model_without_categorical_features() -> None:
    model = _fit("squared_error", mask=None)
    assert model._preprocessor is None
    X = _held_out(model)
    np.testing.assert_allclose(Forest.of(model).predict(X), model.predict(X), rtol=0, atol=1e-9)


def test_variants_are_the_changed_rows_predictions() -> None:
    model = _fit("squared_error")
    forest = Forest.of(model)
    X = _held_out(model)
    for base in (X[0], X[3], X[200]):  # X[200]: NaN everywhere
        changes = [
            (c, v)
            for c in range(len(base))
            for v in (math.nan, -1.0, 0.0, 1.0, 3.0, 7.0, -0.25, 12.0)
        ]
        rows = _changed(base, changes)
        expected = [forest.predict_row(row) for row in rows]
        assert forest.predict_variants(base, changes) == expected
        np.testing.assert_allclose(expected, model.predict(np.array(rows)), rtol=0, atol=1e-9)
    assert forest.predict_variants(X[0], []) == []
    with pytest.raises(IndexError):
        forest.predict_variants(X[0], [(len(MASK), 1.0)])


def _changed(base: np.ndarray, changes: list[tuple[int, float]]) -> list[np.ndarray]:
    rows = []
    for c, v in changes:
        row = base.copy()
        row[c] = v
        rows.append(row)
    return rows


def test_a_pickled_forest_loads_and_predicts_with_the_standard_library_alone(
    tmp_path: Path,
) -> None:
    forest = Forest.of(_fit("quantile", 0.9))
    path = tmp_path / "forest.pkl"
    path.write_bytes(pickle.dumps(forest, protocol=pickle.HIGHEST_PROTOCOL))
    row = [0.5, 1.0, math.nan, 3.0, -1.2, -1.0, 0.0]
    script = (
        "import json, pickle, sys\n"
        "with open(sys.argv[1], 'rb') as file:\n"
        "    forest = pickle.load(file)\n"
        "value = forest.predict_row(json.loads(sys.argv[2]))\n"
        "heavy = sorted(m for m in ('numpy', 'sklearn', 'scipy', 'pandas') if m in sys.modules)\n"
        "print(json.dumps({'value': value, 'heavy': heavy}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), json.dumps(row)],  # NaN survives json
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result = json.loads(done.stdout)
    assert result["heavy"] == []
    assert result["value"] == forest.predict_row(row)


def test_a_loss_with_another_link_is_refused() -> None:
    X, y = _data(300, seed=3)
    model = _regressor("poisson", seed=0).set_params(max_iter=5, categorical_features=MASK)
    model.fit(X, np.exp(y / 3))
    with pytest.raises(ValueError, match="poisson"):
        Forest.of(model)
    with pytest.raises(ValueError, match="fitted"):
        Forest.of(_regressor("squared_error", seed=0))
