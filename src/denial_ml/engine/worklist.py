"""The worklist of a world folder scored part by part on Dask workers (`worklist build --engine dask`).

Each part's rows of the triage frame (`engine.triage`) are filtered (appealed claims are being worked already)
and ranked on their worker with the bundle it loaded once; the task reads the part's tables itself and keeps
the rows of its denials' claims. The worklist's order is global: only each row's sort keys come to the client,
which orders them as `triage.rank.rank_denials` orders the whole frame (priority, then expected recovery,
descending; ties in the frame's order). The items (explained, with their claim details: kilobytes each) are
made a slice of the worklist at a time by the parts that hold its rows (`items_in_order`), so the store, which
has one writer, receives them in the local order while no process holds more than a slice of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from denial_ml.engine.paths import World
from denial_ml.engine.triage import FRAME_ORDER, DistributedFrame, PartShare, Step, concat, quiet, read_world_part
from denial_ml.triage.bundle import BundleError, load_bundle
from denial_ml.triage.detail import attach_details
from denial_ml.triage.rank import TriageModel, rank_denials, worklist_items

if TYPE_CHECKING:
    from distributed import Client, Future

KEYS = [*FRAME_ORDER, "priority", "expected_recovery", "route", "route_reason"]  # what the client orders by
DETAIL_TABLES = ("claims", "claim_lines", "remittances", "adjustments", "remarks", "appeals")  # `attach_details`
SLICE = 20_000  # worklist items the client holds at a time


@lru_cache(maxsize=2)
def worker_model(folder: str, version: str) -> TriageModel:
    """The triage bundle, loaded once per worker process, refused if it changed since the client loaded it."""
    model = load_bundle(Path(folder))
    if model.version != version:
        raise BundleError(f"triage bundle {folder!r} changed during the run ({version} -> {model.version})")
    return model


@dataclass
class RankedPiece:
    """A part's current denials, ranked (`rank_denials`, the part's order), and the rows of its claims' tables
    their worklist items are detailed from (`attach_details`): what the part's items are made of, a slice of the
    worklist at a time."""

    ranked: pd.DataFrame
    details: dict[str, pd.DataFrame]


def rank_part(
    world: World, part: PartShare, frame: pd.DataFrame, model_ref: tuple[str, str], as_of: pd.Timestamp
) -> tuple[pd.DataFrame, RankedPiece]:
    """A part's current denials ranked (runs on a worker, which reads the part's tables): their sort keys, and
    the piece their items are made from."""
    model = worker_model(*model_ref)
    tables = read_world_part(world, part, DETAIL_TABLES)
    frame = frame[~frame["claim_id"].isin(tables["appeals"]["claim_id"])].reset_index(drop=True)
    ranked = rank_denials(frame, model, as_of)
    claims = set(ranked["claim_id"])
    details = {name: table[table["claim_id"].isin(claims)].reset_index(drop=True) for name, table in tables.items()}
    return ranked[KEYS], RankedPiece(ranked, details)


def part_items(
    piece: RankedPiece,
    rows: np.ndarray,
    model_ref: tuple[str, str],
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """The worklist items of a part's ranked denials at `rows` (each item is made from its own row alone)."""
    model = worker_model(*model_ref)
    ranked = piece.ranked.iloc[rows].reset_index(drop=True)
    return attach_details(worklist_items(ranked, model, payer_names), piece.details, model.appeal_cost, contacts)


def global_order(keys: pd.DataFrame) -> np.ndarray:
    """The positions of `keys` (the parts' rows, concatenated) in `rank_denials`' order of the whole frame."""
    frame_order = np.asarray(keys.sort_values(FRAME_ORDER, kind="stable").index)
    ordered = keys.iloc[frame_order]
    by_rank = np.lexsort((-ordered["expected_recovery"].to_numpy(), -ordered["priority"].to_numpy()))
    return frame_order[by_rank]


@dataclass
class RankedParts:
    """A world's ranked current denials: their sort keys in worklist order (with each row's `part` and its `row`
    there), each part's `RankedPiece` on its worker, and what their items need besides."""

    keys: pd.DataFrame
    pieces: list[Future]
    model_ref: tuple[str, str]
    payer_names: pd.Series
    contacts: dict[str, dict[str, Any]]


def rank_partitioned(
    client: Client,
    dist: DistributedFrame,
    bundle: Path,
    model: TriageModel,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
    step: Step = quiet,
) -> RankedParts:
    """Rank a world's current denials on the cluster; only their sort keys come to the client.

    Args:
        client: A connected Dask client.
        dist: The world's triage frame on the workers (`engine.triage.distributed_frame`).
        bundle: The triage bundle folder (on a disk every worker reads). model: The bundle as the client loaded
            it (a refused bundle fails there, with its message, before the cluster works).
        payer_names: Payer name by id. contacts: Payer id -> contact record.

    Raises:
        BundleError: the bundle changed since the client loaded it.
    """
    step("rank the current denials")
    as_of = max(client.gather(client.map(_last_adjudication, dist.pieces)))
    ref = (str(bundle), model.version)
    n = len(dist.shares)
    ranked = client.map(rank_part, [dist.world] * n, dist.shares, dist.frames, model_ref=ref, as_of=as_of, pure=False)
    dist.pieces.clear()  # what the parts' ranking needed: released as each part is ranked
    dist.frames.clear()
    pieces = client.map(_pick, ranked, i=1)
    gathered = client.gather(client.map(_pick, ranked, i=0))
    del ranked
    keys = [k.assign(part=p, row=np.arange(len(k))) for p, k in enumerate(gathered)]
    merged = concat(*keys) if keys else pd.DataFrame(columns=[*KEYS, "part", "row"])
    return RankedParts(merged.iloc[global_order(merged)].reset_index(drop=True), pieces, ref, payer_names, contacts)


def items_in_order(
    client: Client, ranked: RankedParts, size: int = SLICE, step: Step = quiet
) -> Iterator[pd.DataFrame]:
    """The worklist items in worklist order, `size` at a time: each slice's items are made by the parts that hold
    its rows (`part_items`), so neither the client nor a worker holds more than a slice of items."""
    total = len(ranked.keys)
    for lo in range(0, total, size):
        step(f"items {lo + 1:,}-{min(total, lo + size):,} of {total:,}: explained, detailed, written")
        keys = ranked.keys.iloc[lo : lo + size]
        parts, rows = keys["part"].to_numpy(), keys["row"].to_numpy()
        wanted = np.unique(parts)
        made = [
            client.submit(
                part_items, ranked.pieces[p], rows[parts == p], ranked.model_ref, ranked.payer_names, ranked.contacts
            )
            for p in wanted
        ]
        where = np.concatenate([np.flatnonzero(parts == p) for p in wanted])
        piece = concat(*client.gather(made))
        del made
        yield piece.iloc[np.argsort(where, kind="stable")].reset_index(drop=True)


def _pick(result: tuple, i: int) -> object:
    return result[i]


def _last_adjudication(piece: Any) -> pd.Timestamp:
    return piece.last_adjudication
