"""Compare two written worlds table by table.

Exact (the default): every Parquet file must hold identical frames (`pandas.testing.assert_frame_equal`, no
tolerance). Used to show that moving a payer rule from the generator's code into the policy file kept the default
world bit for bit (issue #19):

    python bench/compare_worlds.py /tmp/rules/before200k /tmp/rules/after200k

`--calendar-moved`: the second world was generated with `--end-date` (issue #21); every non-date column must be
identical and every date column moved by one and the same number of days:

    denial-ml generate --claims 20000 --seed 7 --out /tmp/w20k
    denial-ml generate --claims 20000 --seed 7 --out /tmp/w20k-moved --end-date 2026-12-07
    python bench/compare_worlds.py /tmp/w20k /tmp/w20k-moved --calendar-moved

Exits 1 and names what differs otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal


def table_names(before: Path, after: Path) -> tuple[list[str], list[str]]:
    """Parquet files in both folders, and one line per file found in only one of them."""
    a, b = {p.name for p in before.glob("*.parquet")}, {p.name for p in after.glob("*.parquet")}
    return sorted(a & b), [f"{n}: only in {'after' if n in b else 'before'}" for n in sorted(a ^ b)]


def compare_worlds(before: Path, after: Path) -> list[str]:
    """The differences between two world directories, one line per differing or missing table ([] when equal)."""
    names, problems = table_names(before, after)
    for name in names:
        try:
            assert_frame_equal(pd.read_parquet(before / name), pd.read_parquet(after / name), check_exact=True)
        except AssertionError as exc:
            problems.append(f"{name}: {' '.join(str(exc).split())[:300]}")
    return problems


def compare_moved(own: Path, moved: Path) -> tuple[int, int, set[int], list[str]]:
    """Identical non-date columns, date columns, the date shifts seen (days), and the differences found."""
    names, problems = table_names(own, moved)
    shifts: set[int] = set()
    same = dated = 0
    for name in names:
        a, b = pd.read_parquet(own / name), pd.read_parquet(moved / name)
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            problems.append(f"{name}: columns or rows differ")
            continue
        for column in a.columns:
            if pd.api.types.is_datetime64_any_dtype(a[column]):
                dated += 1
                if not (a[column].isna() == b[column].isna()).all():
                    problems.append(f"{name} {column}: missing dates differ")
                shifts |= set((b[column] - a[column]).dropna().dt.days.tolist())
            elif a[column].equals(b[column]):
                same += 1
            else:
                problems.append(f"{name} {column}: values differ")
    if len(shifts) > 1:
        problems.append(f"dates moved by {len(shifts)} different numbers of days")
    return same, dated, shifts, problems


def main() -> int:
    """Compare the two directories given on the command line; print the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--calendar-moved", action="store_true", help="The second world was made with --end-date.")
    args = parser.parse_args()
    n = len(list(args.before.glob("*.parquet")))
    if args.calendar_moved:
        same, dated, shifts, problems = compare_moved(args.before, args.after)
        print(f"{n} tables: {same} non-date columns identical, {dated} date columns, shifts (days) {sorted(shifts)}")
    else:
        problems = compare_worlds(args.before, args.after)
        if not problems:
            print(f"identical: {n} Parquet tables")
    for problem in problems:
        print(f"DIFFERENT {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
