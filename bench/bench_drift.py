"""Measure the payer rule watch on the demo world: days from the rule's start to its first flag, and a control.

Generates (or reads) the 200,000-claim world (seed 7) and the same world without the rule change, then runs
`detect_rule_changes` as of every day from the rule's start on, using only outcomes decided by that day, and
reports the first day each changed code is flagged. The control world is watched over its whole history.

Run: .venv/bin/python bench/bench_drift.py [--claims 200000] [--seed 7] [--since 2025-01-01]
     [--data DIR --control DIR]   (folders written by `denial-ml generate`, with and without --no-rule-change)
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from denial_ml.data.io import read_tables
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.world import generate_world
from denial_ml.monitoring.rule_changes import cell_observations, detect_rule_changes
from denial_ml.monitoring.window import outcomes

TABLES = ["claims", "claim_lines", "remittances", "remittance_lines", "adjustments"]


def observations(folder: str | None, claims: int, seed: int, timeline: WorldTimeline | None) -> pd.DataFrame:
    """Cell observations of a world read from `folder`, or generated."""
    tables = read_tables(folder, TABLES) if folder else generate_world(claims, seed, timeline)
    return cell_observations(outcomes(tables), tables["claim_lines"])


def main() -> None:
    """Print the first flag day of each changed code and the control world's flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--since", default="2025-01-01")
    parser.add_argument("--data")
    parser.add_argument("--control")
    parser.add_argument("--days", type=int, default=60, help="as-of days watched from the rule's start")
    args = parser.parse_args()
    tl = WorldTimeline()
    start = pd.Timestamp(tl.rule_change_start)

    obs = observations(args.data, args.claims, args.seed, None)
    first: dict[str, pd.Timestamp] = {}
    timings = []
    for offset in range(args.days + 1):
        as_of = start + pd.Timedelta(days=offset)
        began = time.perf_counter()
        report = detect_rule_changes(obs, since=args.since, as_of=as_of)
        timings.append(time.perf_counter() - began)
        for row in report.flags.itertuples():
            first.setdefault(f"{row.payer_id} {row.procedure_code}", as_of)
    print(f"world: {args.data or f'{args.claims:,} claims, seed {args.seed}'}; since {args.since}")
    print(
        f"rule: {tl.rule_change_payer} requires authorization for {', '.join(tl.rule_change_codes)} from {start.date()}"
    )
    for cell in sorted(first, key=first.get):
        print(f"  {cell}: first flagged as of {first[cell].date()} = {(first[cell] - start).days} days after the start")
    if not first:
        print(f"  nothing flagged within {args.days} days")
    timings.sort()
    print(f"detect_rule_changes: median {timings[len(timings) // 2]:.2f} s per as-of run ({len(timings)} runs)")
    full = detect_rule_changes(obs, since=args.since)
    print(
        f"full history: {len(full.flags)} flags, {len(full.explained)} explained by co-billing; "
        f"threshold {full.threshold:.2f} over {full.start_points:,} cell-days"
    )

    control = observations(args.control, args.claims, args.seed, WorldTimeline(rule_change_codes=()))
    for since in ("2024-07-01", args.since, "2025-06-01"):
        report = detect_rule_changes(control, since=since)
        cells = [f"{r.payer_id} {r.procedure_code}" for r in report.flags.itertuples()]
        print(f"control world, since {since}: {len(cells)} flags {cells}")


if __name__ == "__main__":
    main()
