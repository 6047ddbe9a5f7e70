"""Check: a world generated with `--end-date` is the same world with its calendar moved (issue #21).

Run:
    denial-ml generate --claims 20000 --seed 7 --out /tmp/w20k
    denial-ml generate --claims 20000 --seed 7 --out /tmp/w20k-moved --end-date 2026-12-07
    .venv/bin/python bench/compare_worlds.py /tmp/w20k /tmp/w20k-moved

Prints how many tables and non-date columns are identical, and the shifts (in days) of every date column: one
shift for all of them when the calendar moved as a whole. Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def compare(own: Path, moved: Path) -> tuple[int, int, int, set[int], list[str]]:
    """Tables, identical non-date columns, date columns, the date shifts seen, and the differences found."""
    shifts: set[int] = set()
    tables = same = dated = 0
    problems: list[str] = []
    for path in sorted(own.glob("*.parquet")):
        a, b = pd.read_parquet(path), pd.read_parquet(moved / path.name)
        tables += 1
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            problems.append(f"{path.stem}: columns or rows differ")
            continue
        for column in a.columns:
            if pd.api.types.is_datetime64_any_dtype(a[column]):
                dated += 1
                if not (a[column].isna() == b[column].isna()).all():
                    problems.append(f"{path.stem}.{column}: missing dates differ")
                shifts |= set((b[column] - a[column]).dropna().dt.days.tolist())
            elif a[column].equals(b[column]):
                same += 1
            else:
                problems.append(f"{path.stem}.{column}: values differ")
    return tables, same, dated, shifts, problems


def main() -> int:
    """Compare the two folders given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("own", type=Path, help="World in the generator's own calendar.")
    parser.add_argument("moved", type=Path, help="The same seed and size, generated with --end-date.")
    args = parser.parse_args()
    tables, same, dated, shifts, problems = compare(args.own, args.moved)
    print(f"{tables} tables: {same} non-date columns identical, {dated} date columns, shifts (days) {sorted(shifts)}")
    for problem in problems:
        print(f"DIFFERENT {problem}")
    return 1 if problems or len(shifts) > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
