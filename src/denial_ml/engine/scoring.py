"""Scoring and explaining a partitioned claims table on Dask workers (`score`/`explain --engine dask`).

Each task reads one part of the claims and its lines, checks them exactly as the single-process path does
(`scoring_io.check_claim_batch`, rows numbered as in the whole table), scores or explains the valid claims with
the bundle its worker loaded once, and writes its own output part. Only the refused rows and counts travel back
to the client. A claim's lines live in its part (a partitioned world keeps each patient's history in one
part), and the pure scoring functions see one claim at a time against the bundle's history snapshot, so the
scores and explanations are those of the single-process path.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq

from denial_ml.data.io import part_file, table_parts
from denial_ml.modeling.bundle import BundleError, Scorer
from denial_ml.modeling.scoring_io import ClaimBatch, check_claim_batch

if TYPE_CHECKING:
    from distributed import Client

    from denial_ml.explain.explainer import Explainer

CHUNK = 5000  # claims explained per step within a part: bounded memory for the SHAP values


@dataclass(frozen=True)
class ClaimPart:
    """One part of a claims table: its files and where its rows start in the whole table."""

    number: int
    claims: Path
    lines: Path
    claims_start: int
    lines_start: int


@dataclass(frozen=True)
class PartsResult:
    """What a run over the parts did: claims written, the refused rows, the output files."""

    written: int
    rejected: pd.DataFrame  # columns: table, claim_id, row, column, problem (rows of the whole table)
    files: list[Path]


def claim_parts(world: Path) -> list[ClaimPart]:
    """The parts of a world folder's claims with their lines (a single-file world is one part).

    Raises:
        FileNotFoundError: the folder has no claims or lines, or their parts do not pair up.
    """
    claims, lines = table_parts(world, "claims"), table_parts(world, "claim_lines")
    if not claims or not lines:
        raise FileNotFoundError(f"{str(world)!r} holds no claims and claim_lines tables (files or parts)")
    if [p.name for p in claims] != [p.name for p in lines]:
        raise FileNotFoundError(f"the parts of claims and claim_lines in {str(world)!r} do not pair up")
    starts = [row_starts(claims), row_starts(lines)]
    pairs = enumerate(zip(claims, lines, strict=True))
    return [ClaimPart(i, c, ln, starts[0][i], starts[1][i]) for i, (c, ln) in pairs]


def row_starts(paths: list[Path]) -> list[int]:
    """Where each file's rows start in the concatenated table (from the Parquet footers, no data read)."""
    starts, total = [], 0
    for path in paths:
        starts.append(total)
        total += pq.ParquetFile(path).metadata.num_rows
    return starts


@dataclass(frozen=True)
class BundleRef:
    """A bundle as the workers load it: its folder, and its version (checksum) as the client saw it, so a
    long-lived worker never scores with a stale copy of a bundle rewritten in place."""

    folder: str
    version: str


@lru_cache(maxsize=2)
def worker_scorer(model: BundleRef, by_part: bool = True) -> Scorer:
    """The bundle, loaded once per worker process (and verified there) for every task that uses it: by patient
    part for scoring (a task loads the parts of its claims' patients), whole for the explainer."""
    scorer = Scorer.load(model.folder, by_part=by_part)
    if scorer.version != model.version:
        raise BundleError(f"bundle {model.folder!r} changed during the run ({model.version} -> {scorer.version})")
    return scorer


@lru_cache(maxsize=2)
def worker_explainer(model: BundleRef, top: int) -> Explainer:
    """An explainer of the worker's bundle, built once per worker process."""
    from denial_ml.explain.explainer import Explainer

    return Explainer(worker_scorer(model, by_part=False), top_k=top)


def read_part(part: ClaimPart, scorer: Scorer) -> ClaimBatch:
    """A part's claims and lines, checked; the refused rows carry their row numbers in the whole table."""
    claims, lines = pd.read_parquet(part.claims), pd.read_parquet(part.lines)
    claims.index = pd.RangeIndex(part.claims_start, part.claims_start + len(claims))
    lines.index = pd.RangeIndex(part.lines_start, part.lines_start + len(lines))
    payers = set(scorer.builder.categories_["payer_id"])
    return check_claim_batch(claims, lines, payers)


def score_part(part: ClaimPart, model: BundleRef, out: Path) -> tuple[int, pd.DataFrame]:
    """Score one part and write it to `out/part-NNNNN.parquet` (runs on a worker); returns (scored, refused)."""
    scorer = worker_scorer(model)
    batch = read_part(part, scorer)
    scored = scorer.score(batch.claims, batch.lines)
    write_atomically(out / part_file(part.number), lambda temp: scored.to_parquet(temp, index=False))
    return len(scored), batch.rejected


def explain_part(part: ClaimPart, model: BundleRef, top: int, out: Path) -> tuple[int, pd.DataFrame]:
    """Explain one part into `out/part-NNNNN.jsonl`, one claim per line (runs on a worker)."""
    explainer = worker_explainer(model, top)
    batch = read_part(part, explainer.scorer)
    claims, lines = batch.claims, batch.lines

    def write(temp: Path) -> None:
        with temp.open("w") as handle:
            for start in range(0, len(claims), CHUNK):
                chunk = claims.iloc[start : start + CHUNK]
                results = explainer.explain(chunk, lines[lines["claim_id"].isin(chunk["claim_id"])])
                handle.writelines(json.dumps(r) + "\n" for r in results)

    write_atomically(out / part_file(part.number).replace(".parquet", ".jsonl"), write)
    return len(claims), batch.rejected


def write_atomically(target: Path, write) -> None:
    """Write `target` through `write(temp_path)` and rename it into place (no half-written part is seen)."""
    temp = target.with_name(f".{target.name}.tmp")
    write(temp)
    os.replace(temp, target)


def run_parts(client: Client, world: Path, out: Path, task, *args) -> PartsResult:
    """Run `task(part, *args, out)` for every claims part of `world` on the cluster.

    Returns:
        The claims written, the refused rows (ordered by part, then as the single path lists them) and the
        output files in part order.
    """
    parts = claim_parts(world)
    out.mkdir(parents=True, exist_ok=True)
    futures = [client.submit(task, part, *args, out, pure=False) for part in parts]
    results = client.gather(futures)
    rejected = [r for _, r in results if not r.empty]
    columns = ["table", "claim_id", "row", "column", "problem"]
    files = sorted(p for p in out.iterdir() if p.name.startswith("part-"))
    return PartsResult(
        written=sum(n for n, _ in results),
        rejected=pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=columns),
        files=files,
    )


def score_partitioned(client: Client, model: Path, world: Path, out: Path) -> PartsResult:
    """Score every claim of a world folder (partitioned or not) into `out/part-NNNNN.parquet` files.

    Args:
        client: A connected Dask client.
        model: The bundle folder (on a disk every worker reads).
        world: The world folder with the claims and their lines.
        out: The folder of scored parts: claim_id, denial_risk, p_<category>, likely_category, model_version.

    Raises:
        BundleError: the bundle is refused (raised from the first worker that loads it).
        FileNotFoundError, TableValidationError: the claims cannot be read or lack required columns.
    """
    return run_parts(client, world, out, score_part, bundle_ref(model))


def explain_partitioned(client: Client, model: Path, world: Path, out: Path, top: int = 3) -> PartsResult:
    """Explain every claim of a world folder into `out/part-NNNNN.jsonl` files (see `score_partitioned`)."""
    return run_parts(client, world, out, explain_part, bundle_ref(model), top)


def bundle_ref(model: Path) -> BundleRef:
    """Load the bundle here first (its shared history only, when stored by patient part): a refused bundle fails
    with its message before the cluster does any work."""
    return BundleRef(str(model), Scorer.load(model, by_part=True).version)
