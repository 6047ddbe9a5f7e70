"""The worklist of a world folder scored part by part on Dask workers (`worklist build --engine dask`).

Each part's rows of the triage frame (`engine.triage`) are filtered (appealed claims are being worked already),
scored, routed and explained on their worker with the bundle it loaded once, and get their claim details
from the part's tables. The worklist's order is global: only each row's sort keys and its finished item come
to the client, which orders them as `triage.rank.rank_denials` orders the whole frame (priority, then expected
recovery, descending; ties in the frame's order), so the store receives the items in the local order. The
items themselves must come to the client: the worklist database has one writer.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from denial_ml.engine.triage import FRAME_ORDER, DistributedFrame, concat
from denial_ml.triage.bundle import BundleError, load_bundle
from denial_ml.triage.detail import attach_details
from denial_ml.triage.rank import TriageModel, rank_denials, worklist_items

if TYPE_CHECKING:
    from distributed import Client

KEYS = [*FRAME_ORDER, "priority", "expected_recovery", "route", "route_reason"]  # what the client orders by


@lru_cache(maxsize=2)
def worker_model(folder: str, version: str) -> TriageModel:
    """The triage bundle, loaded once per worker process, refused if it changed since the client loaded it."""
    model = load_bundle(Path(folder))
    if model.version != version:
        raise BundleError(f"triage bundle {folder!r} changed during the run ({version} -> {model.version})")
    return model


def rank_part(
    part: dict[str, pd.DataFrame],
    frame: pd.DataFrame,
    model_ref: tuple[str, str],
    as_of: pd.Timestamp,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A part's current denials ranked and turned into worklist items (runs on a worker): (sort keys, items)."""
    model = worker_model(*model_ref)
    frame = frame[~frame["claim_id"].isin(part["appeals"]["claim_id"])].reset_index(drop=True)
    ranked = rank_denials(frame, model, as_of)
    items = attach_details(worklist_items(ranked, model, payer_names), part, model.appeal_cost, contacts)
    return ranked[KEYS], items


def latest_adjudication(part: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """The part's last adjudication date (the worklist is built as of the world's)."""
    return pd.Timestamp(part["remittances"]["adjudication_date"].max())


def global_order(keys: pd.DataFrame) -> np.ndarray:
    """The positions of `keys` (the parts' rows, concatenated) in `rank_denials`' order of the whole frame."""
    frame_order = np.asarray(keys.sort_values(FRAME_ORDER, kind="stable").index)
    ordered = keys.iloc[frame_order]
    by_rank = np.lexsort((-ordered["expected_recovery"].to_numpy(), -ordered["priority"].to_numpy()))
    return frame_order[by_rank]


def worklist_partitioned(
    client: Client,
    dist: DistributedFrame,
    bundle: Path,
    model: TriageModel,
    payer_names: pd.Series,
    contacts: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The worklist items of a world's current denials, scored on the cluster, in the local order.

    Args:
        client: A connected Dask client.
        dist: The world's triage frame on the workers (`engine.triage.distributed_frame`).
        bundle: The triage bundle folder (on a disk every worker reads). model: The bundle as the client loaded
            it (a refused bundle fails there, with its message, before the cluster works).
        payer_names: Payer name by id. contacts: Payer id -> contact record.

    Returns:
        `(ranked, items)`: the ranked denials' keys (`KEYS`, with `claim_id`) and the store's rows, both in
        worklist order.

    Raises:
        BundleError: the bundle changed since the client loaded it.
    """
    as_of = max(client.gather(client.map(latest_adjudication, dist.parts)))
    ref = (str(bundle), model.version)
    ranked = client.map(
        rank_part, dist.parts, dist.frames, model_ref=ref, as_of=as_of, payer_names=payer_names, contacts=contacts
    )
    pieces = client.gather(ranked)
    keys = concat(*[k for k, _ in pieces]) if pieces else pd.DataFrame(columns=KEYS)
    items = concat(*[i for _, i in pieces]) if pieces else pd.DataFrame()
    order = global_order(keys)
    return keys.iloc[order].reset_index(drop=True), items.iloc[order].reset_index(drop=True)
