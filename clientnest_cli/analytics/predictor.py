"""The engagement predictor: honest about how wrong it may be (frames in, results out).

What it learns: log1p(interactions) from ``features.FEATURES`` with
scikit-learn's HistGradientBoostingRegressor (missing values are native: an
unknown figure stays NaN, never 0; categories are coded, unseen ones NaN).

Intervals: **conformalised quantile regression** (CQR, Romano et al. 2019).
Two more HistGradientBoosting models learn the 10% and 90% quantiles on the
proper training part; on a *time-ordered* calibration split (the latest 25% of
the training posts) the conformity scores max(low − y, y − high) give the
margin q̂ (their ⌈(n+1)·0.8⌉/n quantile) added on both sides, so the 80%
interval is [low − q̂, high + q̂].

Evaluation: the latest 20% of posts in time order are the holdout; the model
fitted on the earlier 80% is compared there with three baselines (all on the
log scale, each post judged only on what came before it): the global median,
the account's median over its earlier posts, and the median of its last 10
posts. The baselines' intervals are empirical: their residuals' 10% and 90%
quantiles on the calibration split.

Never worse than the baseline: the model is chosen only when its holdout MAE
(log) is below the best baseline's *and* the paired improvement is clear
(one-sided 95%: mean gain − 1.645·SE > 0); otherwise the best baseline is used.
The minimum history (posts of the account with figures) below which the
baseline predicts ("not enough history") is chosen on the holdout: the smallest
of ``MIN_HISTORY_CANDIDATES`` minimising the MAE of "model above it, baseline
below it".

The kept predictor is refitted the same way on all posts; it keeps the
evaluation made before, and its three models compiled to plain Python
(``forest.Forest``, the same predictions): a prediction is one row, and
`analytics predict` then needs neither scikit-learn nor numpy (importing them
cost it most of a second). scikit-learn is imported only inside functions,
through ``sklearn_runtime`` (one OpenMP thread, no collections during the import).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from clientnest_cli.analytics.features import CATEGORICAL, FEATURES
from clientnest_cli.analytics.sklearn_runtime import one_thread

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BASELINES = ("global_median", "account_median", "recent_median")
HOLDOUT = 0.2
CALIBRATION = 0.25  # of the training part
LEVEL = 0.8
MIN_POSTS = 40  # fewer posts with figures than this: nothing to learn or evaluate
MIN_HISTORY_CANDIDATES = (10, 20, 30, 50, 100)
MAX_LEVELS = 250
IMPORTANCE_ROWS = 2_000
MAX_ROWS = 20_000  # posts learnt from (a fixed-seed sample over all of time beyond this)


def sample_rows(index: pd.Index, seed: int = 0) -> pd.Index:
    """The posts with figures to learn from: all of them up to ``MAX_ROWS``, else a
    fixed-seed uniform sample (each period keeps its share, so the time-ordered
    holdout is the latest 20% of the sample and the features are computed for it only)."""
    import numpy as np

    if len(index) <= MAX_ROWS:
        return index
    picked = np.random.default_rng(seed).choice(len(index), MAX_ROWS, replace=False)
    return index[np.sort(picked)]


@dataclass
class Encoder:
    """Categorical columns → float codes (unseen → NaN), numeric columns as floats.

    A numeric feature no training post knows (e.g. ``paid`` on a platform that
    never says) is left out: there is nothing to learn from it.
    """

    levels: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, X: pd.DataFrame) -> Encoder:
        levels = {}
        for name in CATEGORICAL:
            counts = X[name].astype(str).value_counts()
            levels[name] = sorted(counts.index[:MAX_LEVELS].tolist())
        columns = [n for n in FEATURES if n in levels or X[n].notna().any()]
        return cls(levels, columns)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The rows as codes, column by column on plain arrays (pandas' per-column
        conversions cost 5 ms a call, even for a few rows)."""
        import numpy as np

        columns = []
        for name in self.columns:
            if name in self.levels:
                codes = self._codes(name)
                values = [codes.get(str(v), math.nan) for v in X[name].to_numpy()]
                columns.append(np.array(values, dtype=float))
            else:
                columns.append(X[name].to_numpy(dtype=float, na_value=math.nan))
        return np.column_stack(columns)

    def codes_of(self, values: Mapping[str, Any]) -> list[float]:
        """One row of codes for feature → value (what ``transform`` gives that row),
        in plain Python (``analytics predict`` needs no numpy)."""
        return [
            self._codes(name).get(str(values[name]), math.nan)
            if name in self.levels
            else float(values[name])
            for name in self.columns
        ]

    def _codes(self, name: str) -> dict[str, float]:
        """A categorical column's level → code (values are matched as text, unseen: NaN)."""
        return {v: float(i) for i, v in enumerate(self.levels[name])}

    @property
    def mask(self) -> list[bool]:
        return [name in self.levels for name in self.columns]


def _regressor(loss: str, seed: int, quantile: float | None = None):  # type: ignore[no-untyped-def]
    from sklearn.ensemble import HistGradientBoostingRegressor

    options: dict[str, Any] = {
        "loss": loss,
        "max_iter": 200,
        "learning_rate": 0.05,
        "max_leaf_nodes": 15,
        "min_samples_leaf": 20,
        "l2_regularization": 1.0,
        "random_state": seed,
    }
    if quantile is not None:
        options["quantile"] = quantile
    return HistGradientBoostingRegressor(**options)


@dataclass
class Fitted:
    """Point + quantile models, the conformal margin, and the baselines' intervals."""

    encoder: Encoder
    point: Any
    low: Any
    high: Any
    margin: float
    global_median: float
    residuals: dict[str, tuple[float, float]]  # baseline → (q10, q90) of y − prediction
    reference: dict[str, Any]  # a typical value per feature (for "what moves it")

    def predict(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.interval(self.encoder.transform(X))

    def interval(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """mid, low and high of encoded rows."""
        import numpy as np

        mid = self.point.predict(codes)
        low = self.low.predict(codes) - self.margin
        high = self.high.predict(codes) + self.margin
        return mid, np.minimum(low, mid), np.maximum(high, mid)

    def interval_one(self, codes: Sequence[float]) -> tuple[float, float, float]:
        """``interval`` of one encoded row, by compiled models (``compiled``)."""
        mid = self.point.predict_row(codes)
        low = self.low.predict_row(codes) - self.margin
        high = self.high.predict_row(codes) + self.margin
        return mid, min(low, mid), max(high, mid)

    def baseline(self, name: str, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mid = baseline_values(name, X, self.global_median)
        lo, hi = self.residuals[name]
        return mid, mid + lo, mid + hi

    def baseline_one(self, name: str, values: Mapping[str, Any]) -> tuple[float, float, float]:
        mid = baseline_of(
            name, values["account_median"], values["recent_median"], self.global_median
        )
        lo, hi = self.residuals[name]
        return mid, mid + lo, mid + hi

    def compiled(self) -> Fitted:
        """The same predictor with its models as plain Python (``forest.Forest``): what
        is kept, so that a prediction imports neither scikit-learn nor numpy."""
        from clientnest_cli.analytics.forest import Forest

        return replace(
            self, point=Forest.of(self.point), low=Forest.of(self.low), high=Forest.of(self.high)
        )


def baseline_of(name: str, account_median: float, recent_median: float, overall: float) -> float:
    """A baseline's log-scale prediction, falling back to the broader one when unknown."""
    if name == "global_median":
        return overall
    account = overall if math.isnan(account_median) else account_median
    if name == "account_median":
        return account
    return account if math.isnan(recent_median) else recent_median


def baseline_values(name: str, X: pd.DataFrame, global_median: float) -> np.ndarray:
    """``baseline_of`` each row."""
    import numpy as np

    pairs = zip(
        X["account_median"].to_numpy(dtype=float),
        X["recent_median"].to_numpy(dtype=float),
        strict=True,
    )
    return np.array([baseline_of(name, a, r, global_median) for a, r in pairs], dtype=float)


def time_split(X: pd.DataFrame, share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier and latest ``share`` of the rows, in time order."""
    ordered = X.sort_values(["published_at", "post_id"], kind="stable")
    cut = len(ordered) - max(1, round(len(ordered) * share))
    return ordered.iloc[:cut], ordered.iloc[cut:]


def _reference(X: pd.DataFrame) -> dict[str, Any]:
    ref: dict[str, Any] = {}
    for name in FEATURES:
        column = X[name]
        if name in CATEGORICAL:
            mode = column.astype(str).mode()
            ref[name] = mode.iloc[0] if not mode.empty else ""
        else:
            known = column.dropna()
            ref[name] = float(known.median()) if not known.empty else math.nan
    return ref


def fit(X: pd.DataFrame, seed: int = 0) -> Fitted:
    """Train on the earlier 75% of ``X`` (rows with y), calibrate on the latest 25%."""
    import numpy as np

    proper, calib = time_split(X, CALIBRATION)
    encoder = Encoder.fit(proper)
    codes, y = encoder.transform(proper), proper["y"].to_numpy(dtype=float)
    mask = encoder.mask
    models = []
    for loss, q in (("squared_error", None), ("quantile", 0.1), ("quantile", 0.9)):
        model = _regressor(loss, seed, q)
        model.set_params(categorical_features=mask)
        models.append(model.fit(codes, y))
    point, low, high = models
    cal_codes, cal_y = encoder.transform(calib), calib["y"].to_numpy(dtype=float)
    scores = np.maximum(low.predict(cal_codes) - cal_y, cal_y - high.predict(cal_codes))
    n = len(scores)
    rank = min(1.0, math.ceil((n + 1) * LEVEL) / n)
    margin = float(np.quantile(scores, rank, method="higher"))
    global_median = float(np.median(y))
    residuals = {}
    for name in BASELINES:
        resid = cal_y - baseline_values(name, calib, global_median)
        lo, hi = np.quantile(resid, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
        residuals[name] = (float(lo), float(hi))
    return Fitted(encoder, point, low, high, margin, global_median, residuals, _reference(proper))


def _errors(mid: np.ndarray, y: np.ndarray) -> dict[str, float]:
    import numpy as np

    return {
        "mae_log": float(np.mean(np.abs(mid - y))),
        "mae": float(np.mean(np.abs(np.expm1(mid) - np.expm1(y)))),
    }


def _clearly_better(model_err: np.ndarray, base_err: np.ndarray) -> bool:
    import numpy as np

    gain = base_err - model_err
    if len(gain) < 2:
        return False
    se = float(np.std(gain, ddof=1) / math.sqrt(len(gain)))
    return float(np.mean(gain)) - 1.645 * se > 0


def _min_history(history: np.ndarray, model_err: np.ndarray, base_err: np.ndarray) -> int:
    import numpy as np

    best, best_mae = MIN_HISTORY_CANDIDATES[0], math.inf
    for threshold in MIN_HISTORY_CANDIDATES:
        policy = np.where(history >= threshold, model_err, base_err)
        mae = float(np.mean(policy))
        if mae < best_mae - 1e-12:
            best, best_mae = threshold, mae
    return best


def _importance(fitted: Fitted, X: pd.DataFrame, seed: int) -> list[dict[str, Any]]:
    from sklearn.inspection import permutation_importance

    if len(X) > IMPORTANCE_ROWS:  # a fixed-seed sample: the ranking, not the last digit
        X = X.sample(IMPORTANCE_ROWS, random_state=seed)
    result = permutation_importance(
        fitted.point,
        fitted.encoder.transform(X),
        X["y"].to_numpy(dtype=float),
        scoring="neg_mean_absolute_error",
        n_repeats=3,
        random_state=seed,
    )
    rows = [
        {"name": name, "importance": round(float(value), 4)}
        for name, value in zip(fitted.encoder.columns, result.importances_mean, strict=True)
    ]
    return sorted(rows, key=lambda r: -r["importance"])


def evaluate(X: pd.DataFrame, seed: int = 0, posts: int | None = None) -> dict[str, Any]:
    """Fit on the earlier 80%, judge on the latest 20%: the `model evaluate` answer.

    ``posts``: how many posts with figures there are when ``X`` is a sample of them."""
    with one_thread():
        return _evaluate(X, seed, posts)


def _evaluate(X: pd.DataFrame, seed: int, posts: int | None) -> dict[str, Any]:
    import numpy as np

    from clientnest_cli.errors import BadInput

    X = X[X["y"].notna()]
    if len(X) < MIN_POSTS:
        raise BadInput(
            f"not enough history to learn from: {len(X)} posts with figures "
            f"(at least {MIN_POSTS} needed)",
            hint="sync metrics, import history (`metrics import`) or `accounts backfill`",
        )
    dev, hold = time_split(X, HOLDOUT)
    fitted = fit(dev, seed)
    y = hold["y"].to_numpy(dtype=float)
    mid, low, high = fitted.predict(hold)
    errors = {"model": np.abs(mid - y)}
    covered = {"model": float(np.mean((y >= low) & (y <= high)))}
    scores = {"model": _errors(mid, y)}
    for name in BASELINES:
        b_mid, b_low, b_high = fitted.baseline(name, hold)
        errors[name] = np.abs(b_mid - y)
        covered[name] = float(np.mean((y >= b_low) & (y <= b_high)))
        scores[name] = _errors(b_mid, y)
    best = min(BASELINES, key=lambda b: scores[b]["mae_log"])
    beats = scores["model"]["mae_log"] < scores[best]["mae_log"] and _clearly_better(
        errors["model"], errors[best]
    )
    chosen = "model" if beats else best
    history = hold["history"].to_numpy(dtype=float)
    min_history = _min_history(history, errors["model"], errors[best]) if beats else 0
    return {
        "posts": max(posts or 0, len(X)),
        "sampled": len(X),
        "holdout": len(hold),
        "chosen": chosen,
        "best_baseline": best,
        "beats_baseline": bool(beats),
        "coverage_80": covered[chosen],
        "coverage": covered,
        "min_history": int(min_history),
        "model": scores["model"],
        "baselines": {name: scores[name] for name in BASELINES},
        "features": _importance(fitted, hold, seed),
        "holdout_from": hold["published_at"].min().isoformat(),
        "holdout_until": hold["published_at"].max().isoformat(),
    }


@dataclass
class Predictor:
    """What `analytics model train` keeps: the refitted models and their evaluation."""

    fitted: Fitted
    evaluation: dict[str, Any]

    @property
    def chosen(self) -> str:
        return str(self.evaluation["chosen"])

    def predict(self, X: pd.DataFrame) -> list[dict[str, Any]]:
        """``predict_one`` of each row of a feature frame."""
        return [self.predict_one(row) for row in X.to_dict("records")]

    def predict_one(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """expected, low, high (counts), by, reason, and what moves it most, for one
        post's features (``features.features_of_post``, or a row of ``features``).
        Plain Python on the compiled models: no numpy, no scikit-learn."""
        history = values["history"]
        history = 0.0 if math.isnan(history) else history
        best = str(self.evaluation["best_baseline"])
        drivers: list[dict[str, Any]] = []
        if self.chosen == "model" and history >= self.evaluation["min_history"]:
            codes = self.fitted.encoder.codes_of(values)
            mid, low, high = self.fitted.interval_one(codes)
            by, reason = "model", ""
            drivers = self._drivers(values, codes, math.expm1(mid))
        else:
            mid, low, high = self.fitted.baseline_one(best, values)
            by = best
            reason = (
                "the model does not beat this baseline on the holdout"
                if self.chosen != "model"
                else "not enough history"
            )
        return {
            "expected": max(0.0, math.expm1(mid)),
            "low": max(0.0, math.expm1(low)),
            "high": max(0.0, math.expm1(high)),
            "by": by,
            "reason": reason,
            "drivers": drivers,
        }

    def _drivers(
        self, values: Mapping[str, Any], codes: list[float], expected: float, top: int = 3
    ) -> list[dict[str, Any]]:
        """The features that move this prediction most: the change in expected
        interactions when each is set to its typical value instead."""
        typical = self.fitted.encoder.codes_of(self.fitted.reference)
        names = self.fitted.encoder.columns
        changed = self.fitted.point.predict_variants(codes, list(enumerate(typical)))
        effects = [
            {"name": name, "value": _plain(values[name]), "effect": expected - math.expm1(m)}
            for name, m in zip(names, changed, strict=True)
        ]
        effects = [e for e in effects if abs(e["effect"]) > 1e-9]
        return sorted(effects, key=lambda e: -abs(e["effect"]))[:top]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def train(X: pd.DataFrame, seed: int = 0, posts: int | None = None) -> Predictor:
    """Evaluate, then refit on every post with figures (of the sample, see
    ``sample_rows``); the evaluation goes with it."""
    evaluation = evaluate(X, seed, posts)
    known = X[X["y"].notna()]
    with one_thread():
        return Predictor(fit(known, seed).compiled(), evaluation)
