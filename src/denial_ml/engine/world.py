"""A partitioned synthetic world, generated part by part on Dask workers (`denial-ml generate --engine dask`).

Each worker makes its parts from the world seed and the part number (`denial_ml.data.synthetic.partition`) and
writes them itself, so no process ever holds more than one part: 10M claims in 40 parts need the memory of
250k. The client writes the shared reference tables and receives only each part's counts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from denial_ml.data.io import make_staging, write_part, write_tables
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.partition import (
    combine_counts,
    count_part,
    generate_part,
    reference_tables,
    split_claims,
)
from denial_ml.data.synthetic.policies import load_policies

if TYPE_CHECKING:
    from distributed import Client


def make_part(
    n_claims: int,
    seed: int,
    parts: int,
    part: int,
    staging: Path,
    timeline: WorldTimeline | None,
    policies: Path | None,
) -> dict[str, float]:
    """Generate part `part` and write it under `staging` (runs on a worker); returns its counts."""
    rules = load_policies(policies) if policies is not None else None
    tables = generate_part(n_claims, seed, parts, part, timeline, rules)
    write_part(tables, staging, part)
    return count_part(tables)


def generate_partitioned(
    client: Client,
    n_claims: int,
    seed: int,
    parts: int,
    out: Path,
    timeline: WorldTimeline | None = None,
    policies: Path | None = None,
) -> dict[str, float]:
    """Generate a world of `n_claims` claims in `parts` parts on the cluster and write it to `out`.

    The parts are written into a staging folder inside `out` and moved into place only when every part has
    succeeded, so a failed run leaves `out` as it was. `out` must be on a disk every worker can write
    (the local cluster's workers share this machine's).

    Args:
        client: A connected Dask client (`denial_ml.engine.cluster.open_client`).
        n_claims: Claims of the whole world.
        seed: The world seed: the same seed and `parts` give the same files.
        parts: Number of parts (each a `<table>/part-NNNNN.parquet` file).
        out: The world folder.
        timeline: Overrides the world's dated changes.
        policies: A policy file (YAML); default the packaged rules.

    Returns:
        The world's summary (`partition.combine_counts`).

    Raises:
        ValueError: an impossible number of parts.
        PolicyError, WorldIOError, TableValidationError: the policies cannot be read or a part not written.
    """
    split_claims(n_claims, parts)  # refuse a bad part count before starting anything
    rules = load_policies(policies) if policies is not None else None
    out, staging = make_staging(out, ".staging-parts-")
    try:
        futures = client.map(
            make_part,
            [n_claims] * parts,
            [seed] * parts,
            [parts] * parts,
            range(parts),
            [staging] * parts,
            [timeline] * parts,
            [policies] * parts,
            pure=False,
        )
        counts = client.gather(futures)
        write_tables(reference_tables(n_claims, seed, rules), staging)
        move_into_place(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return combine_counts(counts) | {"parts": parts}


def move_into_place(staging: Path, out: Path) -> None:
    """Replace `out`'s tables by the staged ones (a table's old file or part folder goes first)."""
    for entry in sorted(staging.iterdir()):
        name = entry.name.removesuffix(".parquet")
        for old in (out / name, out / f"{name}.parquet"):
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        os.replace(entry, out / entry.name)
