"""A denial-risk bundle's load: peak memory, CPU time, the memory of its index keys and the one-claim costs.

    python bench/bundle_memory.py --model DIR [--by-part] [--claims WORLD] [--json FILE]

Loads the bundle once in this process (`Scorer.load`, or `Scorer.load(by_part=True)` and one patient part's
claims scored, for a bundle stored by patient part) and reports: the process's peak resident set size after the
imports and after the load (`resource.getrusage`, so run one mode per process), the load's CPU seconds, the bytes
the indexes' key -> code stores hold (a dict's keys, values and table, or `KeyCodes`' arrays) and their count,
and, with `--claims`, the median time of one claim's `Scorer.score` and of one key's `lookup_codes` in every
index (timeit, the API path's per-request work). Runs on older trees too (a dict `codes`, no `by_part`).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

from denial_ml.features.history import lookup_codes
from denial_ml.modeling.bundle import Scorer

GIB = 1 << 30


def peak_gib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 3)


def key_bytes(codes: object) -> int:
    """Bytes a key -> code store holds: a dict's table, key strings and int objects, or arrays' bytes."""
    if isinstance(codes, dict):
        ints = sum(sys.getsizeof(v) for v in codes.values() if v > 256)  # small ints are shared
        return sys.getsizeof(codes) + sum(sys.getsizeof(k) for k in codes) + ints
    arrays = [getattr(codes, name, None) for name in ("sorted_bytes", "sorted_codes")]
    return sum(a.nbytes for a in arrays if a is not None)


def first_claims(world: Path, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first `n` claims of a world folder (its first part when partitioned) and their lines."""
    claims_file = next(iter(sorted((world / "claims").glob("*.parquet"))), world / "claims.parquet")
    lines_file = next(iter(sorted((world / "claim_lines").glob("*.parquet"))), world / "claim_lines.parquet")
    claims = pd.read_parquet(claims_file).head(n)
    lines = pd.read_parquet(lines_file)
    return claims, lines[lines["claim_id"].isin(claims["claim_id"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--by-part", action="store_true")
    parser.add_argument("--claims", type=Path, help="world folder whose first claims are scored one at a time")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out: dict = {"imports_peak_gib": peak_gib()}
    start = time.process_time()
    scorer = Scorer.load(args.model, by_part=True) if args.by_part else Scorer.load(args.model)
    out["load_cpu_s"] = round(time.process_time() - start, 2)
    out["load_peak_gib"] = peak_gib()
    indexes = scorer.builder.snapshot_.indexes
    out["keys"] = sum(len(i.codes) for i in indexes.values())
    out["key_store_mib"] = round(sum(key_bytes(i.codes) for i in indexes.values()) / (1 << 20), 1)
    if args.claims is not None:
        claims, lines = first_claims(args.claims, 200)
        if args.by_part:
            start = time.process_time()
            scorer.score(claims, lines)  # loads the parts of these claims' patients
            out["score_200_by_part_cpu_s"] = round(time.process_time() - start, 2)
            out["by_part_peak_gib"] = peak_gib()
        else:
            one = [(claims.iloc[[i]], lines[lines["claim_id"] == claims["claim_id"].iloc[i]]) for i in range(50)]
            scorer.score(*one[0])
            times = [min(timeit.repeat(lambda c=c, ln=ln: scorer.score(c, ln), number=1, repeat=3)) for c, ln in one]
            out["one_claim_score_ms"] = round(float(np.median(times)) * 1e3, 3)
            key = str(claims["patient_id"].iloc[0])
            per_key = {
                name: min(timeit.repeat(lambda i=i: lookup_codes(i.codes, [key]), number=2000, repeat=3)) / 2000
                for name, i in indexes.items()
            }
            out["one_key_lookup_us_median"] = round(float(np.median(list(per_key.values()))) * 1e6, 2)
    print(json.dumps(out, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
