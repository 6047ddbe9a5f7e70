"""Benchmark: the full denial report (`build_report` + HTML rendering) on a generated world.

Run by hand:  .venv/bin/python bench/bench_report.py --claims 1000000 --repeats 3
Target (issue 8): the full report on 1,000,000 claims in at most 30 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from denial_ml.analytics.render import render_html, render_json
from denial_ml.analytics.report import build_report
from denial_ml.data.synthetic.world import generate_world


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """Wall-clock seconds of one call and its result."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    seconds, tables = timed(generate_world, args.claims, seed=args.seed)
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items() if name != "truth")
    print(f"generated {args.claims:,} claims in {seconds:.1f} s ({sizes})")

    report_times, render_times = [], []
    for run in range(1, args.repeats + 1):
        build_s, report = timed(build_report, tables)
        render_s, _ = timed(lambda r: (render_html(r), render_json(r)), report)
        report_times.append(build_s)
        render_times.append(render_s)
        print(f"run {run}: build_report {build_s:.2f} s, render HTML+JSON {render_s:.2f} s")
    total = [b + r for b, r in zip(report_times, render_times, strict=True)]
    totals = report["totals"]
    print(
        f"median of {args.repeats}: build_report {statistics.median(report_times):.2f} s, "
        f"render {statistics.median(render_times):.2f} s, full report {statistics.median(total):.2f} s "
        f"(target <= 30 s)"
    )
    print(
        f"denied {totals['denied']:,} of {totals['adjudicated']:,} adjudicated "
        f"({100 * totals['denial_rate']:.1f}%); reconciliation ok: {report['reconciliation']['ok']}"
    )


if __name__ == "__main__":
    main()
