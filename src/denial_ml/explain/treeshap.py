"""Exact TreeSHAP for a model of shallow trees, tabulated once per tree instead of recursed once per row.

LightGBM's `pred_contrib` runs the TreeSHAP recursion for every row and tree. But in a tree with m split nodes a
row's SHAP values depend only on which way the row goes at each node: m bits, 2^m patterns (128 for the denial
model's depth-3 trees). So each tree's values are computed once for every pattern, by the definition of
path-dependent TreeSHAP (Shapley values of v(S): follow the row at nodes whose feature is in S, otherwise average
the children weighted by their training counts, as `pred_contrib` does), and a batch costs its split decisions and
one table lookup per tree. The values are the same as `pred_contrib`'s up to float rounding (1e-14 on the 200k
model; the tests hold them to 1e-9); a model with deeper trees is left to `pred_contrib` (`from_booster` gives None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np

MAX_SPLITS = 8  # split nodes per tree: 2^8 patterns x 2^8 feature subsets per tree at most (a pattern is a byte)
ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| <= ZERO counts as zero for `missing_type: Zero`
MISSING = {"None": 0, "Zero": 1, "NaN": 2}
ROWS_PER_STEP = 4096  # bounds the (split nodes x rows) temporaries to ~10 MB


@dataclass(frozen=True)
class TabulatedShap:
    """TreeSHAP values of a binary LightGBM model, tabulated per tree (`from_booster`; `contributions`)."""

    n_features: int
    bits: int  # split nodes of the largest tree
    base: float  # the model's expected value (the last column of `pred_contrib`)
    features: tuple[np.ndarray, ...]  # per tree, the features it splits on
    tables: tuple[np.ndarray, ...]  # per tree, (its features x 2^bits patterns) SHAP values
    # Every numeric split's bit (tree * bits + node), feature, threshold, missing type, default_left, nan_left
    # (where NaN goes) and zero_missing (zeros go the default way), sorted by feature (`_decisions`).
    numeric: dict[str, np.ndarray]
    categorical: dict[int, tuple[np.ndarray, np.ndarray]]  # feature -> its splits' bits, (splits x category) left
    # (feature, first, end) of each feature's run of `numeric` splits; (feature, tree, table row) of every value a
    # tree adds, in tree order (`contributions` adds them one by one into each feature's row).
    runs: tuple[tuple[int, int, int], ...] = field(init=False, repr=False)
    entries: tuple[tuple[int, int, np.ndarray], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        feature = self.numeric["feature"].tolist()
        starts = [j for j in range(len(feature)) if j == 0 or feature[j] != feature[j - 1]]
        ends = [*starts[1:], len(feature)]
        runs = tuple((feature[a], a, b) for a, b in zip(starts, ends, strict=True))
        entries = tuple(
            (f, t, table[r])
            for t, (used, table) in enumerate(zip(self.features, self.tables, strict=True))
            for r, f in enumerate(used.tolist())
        )
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "entries", entries)

    @classmethod
    def from_booster(cls, booster: lgb.Booster) -> TabulatedShap | None:
        """The tables of a model; None when a tree is too deep to tabulate (or the model is not one tree per
        iteration without linear leaves), for `pred_contrib` to handle."""
        model = booster.dump_model()
        trees = model["tree_info"]
        if model.get("num_tree_per_iteration", 1) != 1 or any(t.get("is_linear") for t in trees):
            return None
        splits = [_splits(t["tree_structure"]) for t in trees]
        bits = max((len(s) for s in splits), default=0)
        if bits > MAX_SPLITS:
            return None
        base, features, tables = 0.0, [], []
        for tree, nodes in zip(trees, splits, strict=True):
            root = tree["tree_structure"]
            used = sorted({n["split_feature"] for n in nodes})
            values = _subset_values(root, nodes, used, bits)
            base += values[0, 0]
            features.append(np.array(used, dtype=np.int64))
            tables.append(_shapley(values, len(used)).T.copy())
        numeric, categorical = _decisions(splits, bits)
        return cls(booster.num_feature(), bits, base, tuple(features), tuple(tables), numeric, categorical)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """SHAP values (n_rows x n_features + 1, the base value last), as `booster.predict(X, pred_contrib=True)`."""
        XT = np.asarray(X, dtype=float).T  # features x rows: a feature's values are one contiguous row
        out = np.empty((self.n_features + 1, XT.shape[1]))
        for start in range(0, XT.shape[1], ROWS_PER_STEP):
            out[:, start : start + ROWS_PER_STEP] = self._contributions(
                np.ascontiguousarray(XT[:, start : start + ROWS_PER_STEP])
            )
        return out.T

    def _contributions(self, XT: np.ndarray) -> np.ndarray:
        patterns = self._patterns(XT)
        out = np.zeros((self.n_features + 1, XT.shape[1]))  # features x rows
        out[-1] = self.base
        # Each feature's row adds its trees' values one by one in tree order (the sum's order never changes);
        # `take` from a tree's table row is a plain gather, several times cheaper than fancy indexing.
        for feature, tree, row in self.entries:
            out[feature] += row.take(patterns[tree])
        return out

    def _patterns(self, XT: np.ndarray) -> np.ndarray:
        """Each tree's pattern for each row (trees x rows): bit j set when the row goes left at split node j."""
        n, step = XT.shape[1], max(self.bits, 1)
        s = self.numeric
        goes_left = np.empty((len(s["bit"]), n), dtype=bool)
        threshold = s["threshold"][:, None]
        for feature, a, b in self.runs:  # each feature's splits compare one row of values with their thresholds
            x = XT[feature]
            part = goes_left[a:b]
            np.less_equal(x, threshold[a:b], out=part)
            # NaN compares false; where LightGBM sends it left (by the split's default, or as 0 <= threshold) say so.
            nan_left = s["nan_left"][a:b]
            if nan_left.any():
                missing = np.isnan(x)
                if missing.any():
                    part[nan_left] |= missing
            zero = s["zero_missing"][a:b]  # splits that send zeros their default way (`zero_as_missing`)
            if zero.any():
                is_zero = (np.abs(x) <= ZERO) | np.isnan(x)
                part[zero] = np.where(is_zero, s["default_left"][a:b][zero][:, None], x <= threshold[a:b][zero])
        left = np.zeros((len(self.tables) * step, n), dtype=bool)
        left[s["bit"]] = goes_left
        for feature, (bits, lookup) in self.categorical.items():
            # NaN and negative values go right; others by their integer part (LightGBM's CategoricalDecision), and
            # the lookup's last column stands for every category no split lists.
            whole = np.trunc(np.nan_to_num(XT[feature], nan=-1.0))
            listed = (whole >= 0) & (whole < lookup.shape[1])
            left[bits] = lookup[:, np.where(listed, whole, lookup.shape[1] - 1).astype(np.int64)]
        per_tree = left.view(np.uint8).reshape(len(self.tables), step, n)
        patterns = per_tree[:, 0, :].copy()
        for j in range(1, step):  # at most 8 split nodes a tree: its pattern is one byte
            patterns |= per_tree[:, j, :] << j
        return patterns.astype(np.intp)


def _splits(root: dict) -> list[dict]:
    """The split nodes of a tree, in a fixed (preorder) order."""
    out: list[dict] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if "split_index" in node:
            out.append(node)
            stack += [node["right_child"], node["left_child"]]
    return out


def _count(node: dict) -> float:
    return float(node["internal_count"] if "split_index" in node else node["leaf_count"])


def _subset_values(root: dict, nodes: list[dict], used: list[int], bits: int) -> np.ndarray:
    """v(S, pattern) for every subset S of the tree's features and every pattern (2^k x 2^bits): the tree's output
    following the pattern at nodes whose feature is in S and averaging the children by count at the others."""
    position = {id(n): j for j, n in enumerate(nodes)}
    column = {f: i for i, f in enumerate(used)}
    subsets = np.arange(2 ** len(used))[:, None]
    patterns = np.arange(2**bits)[None, :]

    def value(node: dict) -> np.ndarray:
        if "split_index" not in node:
            return np.full((subsets.size, patterns.size), float(node["leaf_value"]))
        low, high = node["left_child"], node["right_child"]
        v_left, v_right = value(low), value(high)
        known = (subsets >> column[node["split_feature"]]) & 1 == 1
        goes_left = (patterns >> position[id(node)]) & 1 == 1
        averaged = (_count(low) * v_left + _count(high) * v_right) / _count(node)
        return np.where(known, np.where(goes_left, v_left, v_right), averaged)

    return value(root)


def _shapley(values: np.ndarray, k: int) -> np.ndarray:
    """Shapley values (patterns x k features) of the games v(S) in `values` (2^k subsets x patterns)."""
    subsets = np.arange(2**k)
    size = np.array([bin(s).count("1") for s in subsets])
    out = np.zeros((values.shape[1], k))
    for i in range(k):
        without = subsets[(subsets >> i) & 1 == 0]
        s = size[without]
        weight = np.array([math.factorial(a) * math.factorial(k - a - 1) for a in s.tolist()]) / math.factorial(k)
        out[:, i] = weight @ (values[without | (1 << i)] - values[without])
    return out


def _decisions(
    splits: list[list[dict]], bits: int
) -> tuple[dict[str, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The numeric splits as columns, and the categorical ones by feature with a lookup table each."""
    numeric: dict[str, list] = {"bit": [], "feature": [], "threshold": [], "missing": [], "default_left": []}
    listed: dict[int, list[tuple[int, list[int]]]] = {}
    for t, nodes in enumerate(splits):
        for j, node in enumerate(nodes):
            bit, feature = t * max(bits, 1) + j, node["split_feature"]
            if node["decision_type"] == "==":
                listed.setdefault(feature, []).append((bit, [int(c) for c in str(node["threshold"]).split("||")]))
                continue
            numeric["bit"].append(bit)
            numeric["feature"].append(feature)
            numeric["threshold"].append(float(node["threshold"]))
            numeric["missing"].append(MISSING[node["missing_type"]])
            numeric["default_left"].append(bool(node["default_left"]))
    categorical = {}
    for feature, found in listed.items():
        lookup = np.zeros((len(found), max(max(c) for _, c in found) + 2), dtype=bool)
        for row, (_, categories) in enumerate(found):
            lookup[row, categories] = True
        categorical[feature] = (np.array([bit for bit, _ in found], dtype=np.int64), lookup)
    dtypes = {"bit": np.int64, "feature": np.int64, "threshold": float, "missing": np.int64, "default_left": bool}
    # Sorted by feature (stably), so `_patterns` compares each feature's values with all its thresholds at once.
    order = np.argsort(np.array(numeric["feature"], dtype=np.int64), kind="stable")
    columns = {name: np.array(values, dtype=dtypes[name])[order] for name, values in numeric.items()}
    # Where NaN goes: its split's default unless missing values are not told apart (then it is read as 0).
    as_zero = columns["missing"] == MISSING["None"]
    columns["nan_left"] = np.where(as_zero, columns["threshold"] >= 0, columns["default_left"])
    columns["zero_missing"] = columns["missing"] == MISSING["Zero"]
    return columns, categorical
