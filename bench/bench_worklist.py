"""Benchmark: a filtered worklist page from a store of 100,000 items (target: at most 50 ms).

Run by hand:  .venv/bin/python bench/bench_worklist.py [--items 100000] [--repeats 50]

Fills a SQLite file (in a temporary folder) and, when 127.0.0.1:5432 answers, a fresh PostgreSQL schema
(dropped afterwards), then times `WorklistStore.list_items` (the count and one page of 50) per filter.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from denial_ml.store import WorklistStore
from denial_ml.store.testing import create_schema, drop_schema, find_postgres, sample_items

FILTERS: dict[str, dict[str, object]] = {
    "no filter": {},
    "status=new": {"status": "new"},
    "payer": {"payer": "P3"},
    "payer+category": {"payer": "P3", "category": "medical_necessity"},
    "category+status": {"category": "coding", "status": "new"},
    "due in 14 days": {"deadline_within_days": 14},
    "route=appeal, >= $100": {"route": "appeal", "min_expected_recovery": 100.0},
    "assignee": {"assignee": "ann"},
}


def median_ms(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of `call` in milliseconds, after one warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_store(label: str, url: str, items: int, repeats: int) -> None:
    """Fill a store at `url` and print the median page time of every filter."""
    store = WorklistStore(url)
    store.migrate()
    frame = sample_items(items)
    start = time.perf_counter()
    store.upsert_items(frame)
    filled = time.perf_counter() - start
    # Give a few hundred items an assignee so the assignee filter has something to find.
    for item in store.list_items(status="new", limit=300).items:
        store.update_item(item.id, item.version, "bench", status="in_progress", assignee="ann")
    print(f"\n{label}: {items:,} items inserted in {filled:.1f} s; page = 50 items + total count")
    first = time_filters(store, repeats)
    start = time.perf_counter()
    store.optimize()
    optimized = time_filters(store, repeats)
    print(f"median ms per page, as loaded and after store.optimize() ({time.perf_counter() - start:.1f} s)")
    print(f"{'filter':<26}{'total':>9}{'loaded':>9}{'optimized':>11}")
    for name, (total, ms) in first.items():
        print(f"{name:<26}{total:>9,}{ms:>9.1f}{optimized[name][1]:>11.1f}")
    store.close()


def time_filters(store: WorklistStore, repeats: int) -> dict[str, tuple[int, float]]:
    """Name -> (matching items, median ms of one page of 50 with its total count)."""
    timings = {}
    cases = {**{k: (0, v) for k, v in FILTERS.items()}, "status=new, offset 5000": (5000, {"status": "new"})}
    for name, (offset, filters) in cases.items():
        total = store.list_items(limit=50, offset=offset, **filters).total
        timings[name] = (
            total,
            median_ms(lambda o=offset, f=filters: store.list_items(None, o, 50, **f), repeats),
        )
    return timings


def main() -> None:
    """Run the benchmark on SQLite and, if reachable, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_store("SQLite", f"sqlite:///{Path(folder) / 'worklist.db'}", args.items, args.repeats)
    base_url, reason = find_postgres()
    if base_url is None:
        print(f"\nPostgreSQL skipped: {reason}")
        return
    schema, url = create_schema(base_url, "bench")
    try:
        bench_store("PostgreSQL", url, args.items, args.repeats)
    finally:
        drop_schema(base_url, schema)


if __name__ == "__main__":
    main()
