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
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

MAX_SPLITS = 8  # split nodes per tree: 2^8 patterns x 2^8 feature subsets per tree at most
ZERO = 1e-35  # LightGBM's kZeroThreshold: |x| <= ZERO counts as zero for `missing_type: Zero`
MISSING = {"None": 0, "Zero": 1, "NaN": 2}
ROWS_PER_STEP = 1024  # bounds the (rows x split nodes) temporaries to a few MB


@dataclass(frozen=True)
class TabulatedShap:
    """TreeSHAP values of a binary LightGBM model, tabulated per tree (`from_booster`; `contributions`)."""

    n_features: int
    bits: int  # split nodes of the largest tree
    base: float  # the model's expected value (the last column of `pred_contrib`)
    features: tuple[np.ndarray, ...]  # per tree, the features it splits on
    tables: tuple[np.ndarray, ...]  # per tree, (its features x 2^bits patterns) SHAP values
    # Every numeric split's bit (tree * bits + node), feature, threshold, missing type, default_left, nan_left
    # (where NaN goes) and zero_missing (zeros go the default way).
    numeric: dict[str, np.ndarray]
    categorical: dict[int, tuple[np.ndarray, np.ndarray]]  # feature -> its splits' bits, (splits x category) left

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
        X = np.asarray(X, dtype=float)
        out = np.empty((self.n_features + 1, len(X)))
        for start in range(0, len(X), ROWS_PER_STEP):
            out[:, start : start + ROWS_PER_STEP] = self._contributions(X[start : start + ROWS_PER_STEP])
        return out.T

    def _contributions(self, X: np.ndarray) -> np.ndarray:
        patterns = self._patterns(X)
        out = np.zeros((self.n_features + 1, len(X)))  # features x rows: each tree adds to a few whole rows
        out[-1] = self.base
        for t, (used, table) in enumerate(zip(self.features, self.tables, strict=True)):
            if used.size:
                out[used] += table[:, patterns[t]]
        return out

    def _patterns(self, X: np.ndarray) -> np.ndarray:
        """Each tree's pattern for each row (trees x rows): bit j set when the row goes left at split node j."""
        n_trees = len(self.tables)
        left = np.zeros((len(X), n_trees * max(self.bits, 1)), dtype=bool)
        s = self.numeric
        x = X[:, s["feature"]]
        # NaN compares false; where LightGBM sends it left (by the split's default, or as 0 <= threshold) say so.
        left[:, s["bit"]] = (x <= s["threshold"]) | (np.isnan(x) & s["nan_left"])
        zero = s["zero_missing"]  # splits that send zeros their default way (`zero_as_missing`)
        if zero.any():
            xz = x[:, zero]
            is_zero = (np.abs(xz) <= ZERO) | np.isnan(xz)
            left[:, s["bit"][zero]] = np.where(is_zero, s["default_left"][zero], xz <= s["threshold"][zero])
        for feature, (bits, lookup) in self.categorical.items():
            # NaN and negative values go right; others by their integer part (LightGBM's CategoricalDecision), and
            # the lookup's last column stands for every category no split lists.
            whole = np.trunc(np.nan_to_num(X[:, feature], nan=-1.0))
            listed = (whole >= 0) & (whole < lookup.shape[1])
            left[:, bits] = lookup[:, np.where(listed, whole, lookup.shape[1] - 1).astype(np.int64)].T
        per_tree = left.reshape(len(X), n_trees, -1)
        patterns = np.zeros((n_trees, len(X)), dtype=np.int64)
        for j in range(per_tree.shape[2]):
            patterns |= per_tree[:, :, j].T.astype(np.int64) << j
        return patterns


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
    columns = {name: np.array(values, dtype=dtypes[name]) for name, values in numeric.items()}
    # Where NaN goes: its split's default unless missing values are not told apart (then it is read as 0).
    as_zero = columns["missing"] == MISSING["None"]
    columns["nan_left"] = np.where(as_zero, columns["threshold"] >= 0, columns["default_left"])
    columns["zero_missing"] = columns["missing"] == MISSING["Zero"]
    return columns, categorical
