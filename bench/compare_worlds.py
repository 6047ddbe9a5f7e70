"""Compare two written worlds table by table: every Parquet file must hold identical frames.

Used to show that moving a payer rule from the generator's code into the policy file kept the default world
bit for bit:

    python bench/compare_worlds.py /tmp/rules/before200k /tmp/rules/after200k

Exits 1 (and names the tables that differ, with pandas' first difference) unless both directories hold the
same Parquet files with equal contents (`pandas.testing.assert_frame_equal`, exact: no tolerance).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal


def compare_worlds(before: Path, after: Path) -> list[str]:
    """The differences between two world directories, one line per differing or missing table ([] when equal)."""
    names = sorted({p.name for p in before.glob("*.parquet")} | {p.name for p in after.glob("*.parquet")})
    problems = []
    for name in names:
        if not (before / name).exists() or not (after / name).exists():
            problems.append(f"{name}: only in {'after' if (after / name).exists() else 'before'}")
            continue
        try:
            assert_frame_equal(pd.read_parquet(before / name), pd.read_parquet(after / name), check_exact=True)
        except AssertionError as exc:
            problems.append(f"{name}: {' '.join(str(exc).split())[:300]}")
    return problems


def main() -> int:
    """Compare the two directories given on the command line; print the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems = compare_worlds(args.before, args.after)
    n = len(list(args.before.glob("*.parquet")))
    print("\n".join(problems) if problems else f"identical: {n} Parquet tables")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
