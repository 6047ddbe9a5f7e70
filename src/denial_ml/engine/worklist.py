"""The worklist of a world folder scored part by part on Dask workers (`worklist build --engine dask`).

Each part's rows of the triage frame (`engine.triage`) are filtered (appealed claims are being worked already),
scored, routed and explained on their worker with the bundle it loaded once, and get their claim details
from the part's tables, which the task reads itself. The worklist's order is global: only each row's sort keys
come to the client, which orders them as `triage.rank.rank_denials` orders the whole frame (priority, then
expected recovery, descending; ties in the frame's order). The items stay on their workers and come to the
client a slice of the worklist at a time (`items_in_order`), so the store, which has one writer, receives them
in the local order while the client holds one slice.
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
from denial_ml.engine.triage import FRAME_ORDER, DistributedFrame, concat, read_world_part
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


def rank_part(
    world: World,
    part: str,
    frame: pd.DataFrame,
    model_ref: tuple[str, str],
    as_of: pd.Timestamp,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A part's current denials ranked and turned into worklist items (runs on a worker, which reads the part's
    tables): (sort keys, items)."""
    model = worker_model(*model_ref)
    tables = read_world_part(world, part, DETAIL_TABLES)
    frame = frame[~frame["claim_id"].isin(tables["appeals"]["claim_id"])].reset_index(drop=True)
    ranked = rank_denials(frame, model, as_of)
    items = attach_details(worklist_items(ranked, model, payer_names), tables, model.appeal_cost, contacts)
    return ranked[KEYS], items


def global_order(keys: pd.DataFrame) -> np.ndarray:
    """The positions of `keys` (the parts' rows, concatenated) in `rank_denials`' order of the whole frame."""
    frame_order = np.asarray(keys.sort_values(FRAME_ORDER, kind="stable").index)
    ordered = keys.iloc[frame_order]
    by_rank = np.lexsort((-ordered["expected_recovery"].to_numpy(), -ordered["priority"].to_numpy()))
    return frame_order[by_rank]


@dataclass
class RankedParts:
    """A world's ranked current denials: their sort keys in worklist order (with each row's `part` and its `row`
    there), and each part's items on its worker."""

    keys: pd.DataFrame
    items: list[Future]


def rank_partitioned(
    client: Client,
    dist: DistributedFrame,
    bundle: Path,
    model: TriageModel,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
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
    as_of = max(client.gather(client.map(_last_adjudication, dist.pieces)))
    ref = (str(bundle), model.version)
    n = len(dist.names)
    ranked = client.map(
        rank_part,
        [dist.world] * n,
        dist.names,
        dist.frames,
        model_ref=ref,
        as_of=as_of,
        payer_names=payer_names,
        contacts=contacts,
        pure=False,
    )
    dist.pieces.clear()  # what the parts' ranking needed: released as each part is ranked
    dist.frames.clear()
    items = client.map(_pick, ranked, i=1)
    keys = [
        k.assign(part=p, row=np.arange(len(k))) for p, k in enumerate(client.gather(client.map(_pick, ranked, i=0)))
    ]
    del ranked
    merged = concat(*keys) if keys else pd.DataFrame(columns=[*KEYS, "part", "row"])
    return RankedParts(merged.iloc[global_order(merged)].reset_index(drop=True), items)


def items_in_order(client: Client, ranked: RankedParts, size: int = SLICE) -> Iterator[pd.DataFrame]:
    """The worklist items in worklist order, `size` at a time (each slice taken from the parts that hold it)."""
    for lo in range(0, len(ranked.keys), size):
        keys = ranked.keys.iloc[lo : lo + size]
        parts = keys["part"].to_numpy()
        wanted = np.unique(parts)
        taken = client.gather(
            [client.submit(_take, ranked.items[p], keys["row"].to_numpy()[parts == p]) for p in wanted]
        )
        where = np.concatenate([np.flatnonzero(parts == p) for p in wanted])
        piece = concat(*taken)
        yield piece.iloc[np.argsort(where, kind="stable")].reset_index(drop=True)


def worklist_partitioned(
    client: Client,
    dist: DistributedFrame,
    bundle: Path,
    model: TriageModel,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The worklist items of a world's current denials, scored on the cluster, in the local order, all at once
    (`rank_partitioned` and `items_in_order`; a large world's are written a slice at a time instead).

    Returns:
        `(ranked, items)`: the ranked denials' keys (`KEYS`) and the store's rows, both in worklist order.
    """
    ranked = rank_partitioned(client, dist, bundle, model, payer_names, contacts)
    slices = list(items_in_order(client, ranked))
    items = concat(*slices) if slices else pd.DataFrame()
    return ranked.keys[KEYS], items


def _pick(result: tuple, i: int) -> object:
    return result[i]


def _take(items: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    return items.iloc[rows]


def _last_adjudication(piece: Any) -> pd.Timestamp:
    return piece.last_adjudication
