"""Check that a code change leaves the features bit-identical: the feature matrix of a world's claims (scored
against a bundle's snapshot, and as training builds it from the world's own tables) and every snapshot index.

Run once with the reference tree on PYTHONPATH and `--write`, then with the changed tree and `--against`:
    PYTHONPATH=/tmp/base/src python bench/compare_features.py --data W --model M/denial-risk --write /tmp/ref.npz
    PYTHONPATH=src python bench/compare_features.py --data W --model M/denial-risk --against /tmp/ref.npz
Equal means: same shape, every value bit for bit the same (NaN in the same places), index codes the same.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time

import numpy as np

from denial_ml.data.io import read_tables
from denial_ml.features.build import FeatureBuilder
from denial_ml.jobs.training import labelled_claims
from denial_ml.modeling.bundle import Scorer


def _index_digest(builder: FeatureBuilder) -> dict[str, np.ndarray]:
    """One digest per snapshot index over its codes (key -> code), sorted keys, starts and running sums."""
    out = {}
    for name, index in sorted(builder.snapshot_.indexes.items()):
        h = hashlib.sha256()
        h.update("\n".join(f"{k}\t{v}" for k, v in sorted(index.codes.items())).encode())
        for arr in (index.sorted_keys, index.starts, index.cumsums):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(repr(index.value_names).encode())
        out[f"index_{name}"] = np.frombuffer(h.digest(), dtype=np.uint8)
    return out


def build(data: str, model: str) -> dict[str, np.ndarray]:
    """The arrays compared: scoring matrix, training matrix (as float64 bits), snapshot index digests."""
    tables = read_tables(data)
    t0 = time.perf_counter()
    scorer = Scorer.load(model)
    score = scorer.builder.transform_array(tables["claims"], tables["claim_lines"])
    t1 = time.perf_counter()
    builder = FeatureBuilder().fit(tables)
    frame = builder.transform(labelled_claims(tables), tables["claim_lines"])
    train = np.column_stack(
        [
            frame[c].cat.codes.to_numpy().astype(float) if frame[c].dtype == "category" else frame[c].to_numpy()
            for c in frame.columns
        ]
    )
    t2 = time.perf_counter()
    print(f"scoring matrix {score.shape} in {t1 - t0:.1f} s, training matrix {train.shape} in {t2 - t1:.1f} s")
    names = np.array(builder.feature_names_)
    return {"score": score, "train": train, "names": names, **_index_digest(builder)}


def compare(ref: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> list[str]:
    """What differs (empty when bit-identical)."""
    problems = [f"{k}: missing" for k in ref if k not in new] + [f"{k}: extra" for k in new if k not in ref]
    for key in sorted(set(ref) & set(new)):
        a, b = ref[key], new[key]
        if a.shape != b.shape or a.dtype != b.dtype:
            problems.append(f"{key}: shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}")
        elif a.dtype.kind == "f":
            same = a.view(np.uint64) == b.view(np.uint64)
            nan_same = np.isnan(a) == np.isnan(b)
            for j in np.flatnonzero(~(same.all(axis=0) & nan_same.all(axis=0))):
                name = ref["names"][j] if a.ndim == 2 else key
                problems.append(f"{key}: column {name}: {int((~same[:, j]).sum())} values differ")
        elif not np.array_equal(a, b):
            problems.append(f"{key}: differs")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write")
    group.add_argument("--against")
    args = parser.parse_args()
    arrays = build(args.data, args.model)
    if args.write:
        np.savez(args.write, **arrays)
        print(f"wrote {args.write}")
        return
    with np.load(args.against) as data:
        ref = {k: data[k] for k in data.files}
    problems = compare(ref, arrays)
    for p in problems:
        print(p)
    print("IDENTICAL" if not problems else f"{len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
