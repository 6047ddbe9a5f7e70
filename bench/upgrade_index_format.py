"""Rewrite a denial-risk bundle's composite-keyed snapshot indexes (patient history, slices) from format 1 (the
keys' strings) to format 2 (`features/composite_codes.py`: the keys' parts as integers), in place, and reseal it.

A bundle trained before format 2 scores the same either way (its strings are looked up as before); rewritten, its
lookups are integer searches, as a newly trained bundle's. Checks that every key keeps its code before writing.
Run: PYTHONPATH=src python bench/upgrade_index_format.py --model M/denial-risk
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from denial_ml.features.composite import Composite, chain, compose, tag
from denial_ml.features.composite_codes import CompositeCodes, CompositeRows
from denial_ml.features.lookup import encode
from denial_ml.features.snapshot_parts import index_format, load_index, save_index
from denial_ml.modeling.bundle import verify_bundle, write_checksums

TAGGED = ("pat_year", "pat_visits", "slices")  # keys `kind|...`; pat_proc and pat_proc_denied have no kind
COMPOSITE = ("pat_proc", "pat_proc_denied", *TAGGED)


def composite_of(strings: list[str], tagged: bool) -> tuple[Composite, np.ndarray]:
    """The keys split into parts (grouped by their kind when tagged), and each row's position in `strings`."""
    groups: dict[str, list[int]] = {}
    split = [s.split("|") for s in strings]
    for i, parts in enumerate(split):
        groups.setdefault(parts[0] if tagged else "", []).append(i)
    out, rows = [], []
    for name, members in groups.items():
        columns = list(zip(*(split[i][1:] if tagged else split[i] for i in members), strict=True))
        parts = [encode(np.array(c, dtype=object)) for c in columns]
        out.append(compose(tag(name, len(members)), *parts) if tagged else compose(*parts))
        rows += members
    return chain(out), np.array(rows, dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    bundle = Path(args.model)
    metadata = verify_bundle(bundle)
    folder = bundle / "snapshot"
    names = json.loads((folder / "indexes.json").read_text())
    formats = {}
    for name, value_names in names.items():
        index = load_index(folder / f"index_{name}.npz", value_names)
        if name in COMPOSITE and not isinstance(index.codes, CompositeCodes):
            strings = list(index.codes)  # in code order
            c, rows = composite_of(strings, name in TAGGED)
            coded = CompositeRows(c).index_codes()
            assert coded is not None and np.array_equal(coded[0], rows), f"{name}: codes would change"
            index = replace(index, codes=coded[1])
            save_index(folder / f"index_{name}.npz", index)
            print(f"{name}: {len(strings):,} keys rewritten as format 2")
        formats[name] = index_format(index)
    (folder / "index_formats.json").write_text(json.dumps(formats, indent=1))
    write_checksums(bundle, metadata)


if __name__ == "__main__":
    main()
