"""Check that a code change leaves the explanations identical: every field of every explanation (risk, category
probabilities, base value, raw score, factors with their contributions, sentences and fixes, findings) as JSON
text, floats written exactly (`repr`), over batches of claims through each entry point.

Run once with the reference tree on PYTHONPATH and `--write`, then with the changed tree and `--against`:
    PYTHONPATH=/tmp/base/src python bench/compare_explain.py --data W --model M/denial-risk --write /tmp/ref.jsonl
    PYTHONPATH=src python bench/compare_explain.py --data W --model M/denial-risk --against /tmp/ref.jsonl
The explanations: the world's last `--batch` claims in one `explain` call (the benchmark's batch), as many random
claims in another, a tenth of that through `explain_records` (the service's path, in batches of 100) and
`--singles` claims one `explain` call each (the one-claim path: LightGBM's own TreeSHAP). Identical means the
same JSON line for every one, in the same order.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from denial_ml.data.io import read_tables
from denial_ml.explain.context import frame_records
from denial_ml.explain.explainer import Explainer
from denial_ml.modeling.bundle import Scorer


def explanations(data: str, model: str, batch: int, singles: int) -> list[str]:
    """Every explanation compared, as JSON lines (tagged with the path that made it)."""
    tables = read_tables(data)
    explainer = Explainer(Scorer.load(model))
    claims, lines = tables["claims"], tables["claim_lines"]
    rng = np.random.default_rng(20)
    picks = {
        "tail": claims.tail(batch),
        "random": claims.iloc[np.sort(rng.choice(len(claims), batch, replace=False))],
        "records": claims.iloc[rng.choice(len(claims), batch // 10, replace=False)],
        "single": claims.iloc[rng.choice(len(claims), singles, replace=False)],
    }
    out: list[str] = []
    for path, chosen in picks.items():
        chosen = chosen.reset_index(drop=True)
        own = lines[lines["claim_id"].isin(chosen["claim_id"])]
        t0 = time.perf_counter()
        if path in ("tail", "random"):
            found = explainer.explain(chosen, own)
        elif path == "records":
            found = []
            for start in range(0, len(chosen), 100):
                part = chosen.iloc[start : start + 100]
                part_lines = own[own["claim_id"].isin(part["claim_id"])]
                found += explainer.explain_records(frame_records(part), frame_records(part_lines))
        else:
            by_claim = {cid: part for cid, part in own.groupby("claim_id", sort=False)}
            found = [
                explainer.explain(chosen.iloc[[i]], by_claim.get(cid, own.iloc[:0]))[0]
                for i, cid in enumerate(chosen["claim_id"])
            ]
        print(f"{path}: {len(found):,} explanations in {time.perf_counter() - t0:.1f} s")
        out += [json.dumps({"path": path, **e}, default=_exact) for e in found]
    return out


def _exact(value: object) -> object:
    """JSON for what `json` cannot write itself (numpy scalars, dates) without losing a bit."""
    if isinstance(value, np.floating):
        return {"float": repr(float(value)), "type": type(value).__name__}
    if isinstance(value, np.integer | np.bool_):
        return {"int": int(value), "type": type(value).__name__}
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return repr(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=300)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write")
    group.add_argument("--against")
    args = parser.parse_args()
    found = explanations(args.data, args.model, args.batch, args.singles)
    if args.write:
        with open(args.write, "w") as f:
            f.write("\n".join(found) + "\n")
        print(f"wrote {len(found):,} explanations to {args.write}")
        return
    with open(args.against) as f:
        ref = f.read().splitlines()
    differ = [i for i, (a, b) in enumerate(zip(ref, found, strict=False)) if a != b]
    if len(ref) != len(found):
        print(f"{len(found):,} explanations against {len(ref):,}")
    for i in differ[:5]:
        print(f"line {i} differs:\n  ref {ref[i][:400]}\n  new {found[i][:400]}")
    same = not differ and len(ref) == len(found)
    print(f"IDENTICAL: {len(found):,} explanations" if same else f"{len(differ):,} explanations differ")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
