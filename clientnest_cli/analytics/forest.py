"""A fitted HistGradientBoostingRegressor compiled to plain Python data.

`analytics predict` scores one row with three models; unpickling scikit-learn's
estimators costs importing sklearn, scipy and pandas (~0.8 s) for that. ``Forest.of``
reads a fitted model once (while scikit-learn is loaded anyway) and keeps only what
prediction needs, as tuples, floats, ints, dicts and frozensets: a pickled Forest
loads with the standard library alone and predicts the same numbers.

What is reproduced (scikit-learn 1.9: ``_raw_predict``, ``_predict_one_from_raw_data``):

- the preprocessor: with categorical features, a ColumnTransformer puts them first
  (``output_indices_``) and an OrdinalEncoder maps each raw code to its index in
  ``categories_`` (unknown → NaN). Here every split names the *input* column, and a
  categorical split holds a dict raw code → child, so rows need no preprocessing;
- a categorical split: NaN → missing side; an encoded value in ``raw_left_cat_bitsets``
  → left; a known one (``known_cat_bitsets``) → right; anything else (a code never
  seen in training, a negative code, a non-integer) → missing side;
- a numeric split: ``x <= num_threshold`` → left, NaN → missing side, else right;
- the sum: the baseline first, then each tree's leaf in order (the same float
  additions as scikit-learn's), then the loss's inverse link, which must be the
  identity (squared_error, absolute_error, quantile); other losses are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import add
from typing import Any

LEAF = -1  # the feature of a leaf

# One tree as parallel tuples indexed by node (the root is node 0):
# (feature, threshold, left, right, missing, value, routes)
# feature: the input column split on, or LEAF; threshold: a numeric split's;
# left/right: the children; missing: the child NaN (and, for a categorical split,
# any code not in routes) goes to; value: a leaf's; routes: None for a numeric
# split, for a categorical one a dict known raw code → child.
Tree = tuple[
    tuple[int, ...],
    tuple[float, ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[float, ...],
    tuple[dict[float, int] | None, ...],
]


def _leaf(tree: Tree, row: Sequence[float]) -> float:
    """The value of the leaf ``row`` lands in (``row``: a list of plain floats)."""
    feature, threshold, left, right, missing, value, routes = tree
    i = 0
    f = feature[0]
    while f >= 0:
        x = row[f]
        r = routes[i]
        if r is not None:
            i = r.get(x, missing[i])  # NaN is never a key: missing side
        elif x <= threshold[i]:
            i = left[i]
        elif x != x:  # NaN
            i = missing[i]
        else:
            i = right[i]
        f = feature[i]
    return value[i]


class Forest:
    """A fitted HistGradientBoostingRegressor as plain Python data (lists, tuples,
    floats, dicts, frozensets): predicts exactly what ``model.predict`` does, with
    neither numpy nor scikit-learn imported to load or use it."""

    __slots__ = ("baseline", "by_column", "n_features", "trees", "uses")

    def __init__(self, baseline: float, n_features: int, trees: Sequence[Tree]) -> None:
        self.baseline = float(baseline)
        self.n_features = int(n_features)
        self.trees: tuple[Tree, ...] = tuple(trees)
        # the input columns each tree splits on, and per column the trees using it
        self.uses: tuple[frozenset[int], ...] = tuple(
            frozenset(f for f in tree[0] if f != LEAF) for tree in self.trees
        )
        self.by_column: tuple[tuple[int, ...], ...] = tuple(
            tuple(t for t, used in enumerate(self.uses) if c in used)
            for c in range(self.n_features)
        )

    def __reduce__(self) -> tuple[type[Forest], tuple[float, int, tuple[Tree, ...]]]:
        return (Forest, (self.baseline, self.n_features, self.trees))

    def __repr__(self) -> str:
        return f"Forest({len(self.trees)} trees, {self.n_features} columns)"

    @classmethod
    def of(cls, model: Any) -> Forest:
        """Compile a fitted HistGradientBoostingRegressor (refused: an unfitted model,
        one predicting several values per row, a loss whose link is not the identity)."""
        if not hasattr(model, "_predictors") or not hasattr(model, "_baseline_prediction"):
            raise ValueError(f"not a fitted HistGradientBoostingRegressor: {model!r}")
        loss = getattr(model, "loss", None)
        link = type(getattr(model._loss, "link", None)).__name__
        if link != "IdentityLink":
            raise ValueError(
                f"loss {loss!r} predicts through a {link} link: only losses with the "
                "identity link (squared_error, absolute_error, quantile) compile to a Forest"
            )
        if int(model.n_trees_per_iteration_) != 1:
            raise ValueError("only models with one tree per iteration compile to a Forest")
        baseline = [float(v) for v in model._baseline_prediction.ravel().tolist()]
        n_features = int(model.n_features_in_)
        inputs, categories = _input_columns(model, n_features)
        known_bitsets, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        known = {
            f: _bits(known_bitsets[int(f_idx_map[f])]) for f, cats in categories.items() if cats
        }
        trees = []
        for iteration in model._predictors:
            (predictor,) = iteration
            trees.append(
                _compile_tree(
                    predictor.nodes,
                    predictor.raw_left_cat_bitsets,
                    inputs,
                    categories,
                    known,
                )
            )
        return cls(baseline[0], n_features, trees)

    def _row(self, codes: Sequence[float]) -> list[float]:
        row = codes.tolist() if hasattr(codes, "tolist") else list(codes)  # numpy: plain floats
        if len(row) != self.n_features:
            raise ValueError(f"a row of {len(row)} values, the model takes {self.n_features}")
        return row

    def _total(self, leaves: list[float]) -> float:
        # baseline first, then the trees in order: scikit-learn's additions exactly
        return reduce(add, leaves, self.baseline)

    def predict_row(self, codes: Sequence[float]) -> float:
        """The prediction for one row of raw feature values (as given to ``model.predict``)."""
        row = self._row(codes)
        return self._total([_leaf(tree, row) for tree in self.trees])

    def predict_variants(
        self, codes: Sequence[float], changes: Sequence[tuple[int, float]]
    ) -> list[float]:
        """For each (column, value): the prediction of `codes` with that column set to value.

        Only the trees splitting on that column are walked again; the others keep
        the base row's leaves."""
        row = self._row(codes)
        trees = self.trees
        leaves = [_leaf(tree, row) for tree in trees]
        out = []
        for column, value in changes:
            if not 0 <= column < self.n_features:
                raise IndexError(f"column {column} of {self.n_features}")
            changed = row.copy()
            changed[column] = value
            mine = leaves.copy()
            for t in self.by_column[column]:
                mine[t] = _leaf(trees[t], changed)
            out.append(self._total(mine))
        return out

    def predict(self, codes: Any) -> Any:
        """2-D array of rows in, 1-D float array out (numpy is imported here only)."""
        import numpy as np

        X = np.asarray(codes, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D array of rows, got {X.ndim} dimension(s)")
        return np.array([self.predict_row(row) for row in X.tolist()], dtype=float)


def _bits(bitset: Any) -> frozenset[int]:
    """The values (0-255) set in one row of a scikit-learn bitset (8 × uint32)."""
    words = [int(w) for w in bitset.tolist()]
    return frozenset(v for v in range(32 * len(words)) if (words[v // 32] >> (v % 32)) & 1)


def _input_columns(model: Any, n_features: int) -> tuple[list[int], dict[int, list[float]]]:
    """Per model feature (the preprocessor's output column): the input column it
    comes from; per categorical model feature: the raw codes its encoded values
    0, 1, … stand for (OrdinalEncoder.categories_, its trailing NaN left out)."""
    pre = getattr(model, "_preprocessor", None)
    if pre is None:
        return list(range(n_features)), {}
    inputs = [-1] * n_features
    categories: dict[int, list[float]] = {}
    for name, transformer, columns in pre.transformers_:
        out = pre.output_indices_[name]
        if out.stop <= out.start:
            continue  # an empty remainder
        if isinstance(transformer, str):  # "passthrough" (or a non-empty "drop")
            raise ValueError(f"unexpected preprocessor step {name!r}: {transformer!r}")
        picked = _indices(columns, n_features)
        if len(picked) != out.stop - out.start:
            raise ValueError(f"preprocessor step {name!r} changes the number of columns")
        for j, column in enumerate(picked):
            inputs[out.start + j] = column
        if name == "encoder":
            for j, cats in enumerate(transformer.categories_):
                values = [float(v) for v in cats.tolist()]
                if values and values[-1] != values[-1]:
                    values = values[:-1]  # NaN: missing, not a category
                categories[out.start + j] = values
    if -1 in inputs:
        raise ValueError("the preprocessor leaves some model features without an input column")
    return inputs, categories


def _indices(columns: Any, n_features: int) -> list[int]:
    """A ColumnTransformer column selection (boolean mask, or indices) as indices."""
    picked = columns.tolist() if hasattr(columns, "tolist") else list(columns)
    if picked and all(isinstance(c, bool) for c in picked):
        return [i for i, keep in enumerate(picked) if keep]
    return [int(c) for c in picked]


def _compile_tree(
    nodes: Any,
    left_bitsets: Any,
    inputs: list[int],
    categories: dict[int, list[float]],
    known: dict[int, frozenset[int]],
) -> Tree:
    """One TreePredictor's nodes (PREDICTOR_RECORD_DTYPE) as parallel tuples."""
    feature, threshold, left, right, missing, value, routes = [], [], [], [], [], [], []
    for node in nodes:
        v = float(node["value"])
        if int(node["is_leaf"]):
            feature.append(LEAF)
            threshold.append(0.0)
            left.append(0)
            right.append(0)
            missing.append(0)
            value.append(v)
            routes.append(None)
            continue
        f = int(node["feature_idx"])
        lo, hi = int(node["left"]), int(node["right"])
        miss = lo if int(node["missing_go_to_left"]) else hi
        feature.append(inputs[f])
        threshold.append(float(node["num_threshold"]))
        left.append(lo)
        right.append(hi)
        missing.append(miss)
        value.append(v)
        if not int(node["is_categorical"]):
            routes.append(None)
            continue
        if f not in categories:
            raise ValueError(f"categorical split on feature {f} without an encoder behind it")
        goes_left = _bits(left_bitsets[int(node["bitset_idx"])])
        route = {}
        for code, raw in enumerate(categories[f]):
            if code in goes_left:
                route[raw] = lo
            elif code in known.get(f, ()):
                route[raw] = hi
            else:
                route[raw] = miss
        routes.append(route)
    return (
        tuple(feature),
        tuple(threshold),
        tuple(left),
        tuple(right),
        tuple(missing),
        tuple(value),
        tuple(routes),
    )
