"""Jobs of appeal triage: read a world, train or load the recovery model, write the ranked worklist."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.engine import make_url

from denial_ml.config import Settings
from denial_ml.data.io import read_optional_tables, read_tables, table_parts
from denial_ml.features.build import FeatureBuilder
from denial_ml.jobs.worklist_text import format_reasons
from denial_ml.schemas import PAYER_DECISION_TABLES, PRE_SUBMISSION_TABLES
from denial_ml.store.items import UpsertResult, upsert_items, upsert_slices
from denial_ml.store.worklist import WorklistStore
from denial_ml.triage.bundle import load_bundle, save_bundle
from denial_ml.triage.detail import attach_details
from denial_ml.triage.features import triage_frame
from denial_ml.triage.rank import rank_denials, worklist_items
from denial_ml.triage.routing import summarize_routes
from denial_ml.triage.train import train_on_frame, train_triage

if TYPE_CHECKING:
    from distributed import Client


log = logging.getLogger(__name__)

# Every table but the truth: what a practice has before and after the payer decides.
WORLD_TABLES = (*PRE_SUBMISSION_TABLES, *PAYER_DECISION_TABLES)


def read_world(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The tables triage needs (plus `truth` when the folder has it, in one file or in parts, for the test-period
    figures)."""
    tables = read_tables(data_dir, WORLD_TABLES)
    if table_parts(Path(data_dir), "truth"):
        tables |= read_tables(data_dir, ["truth"])
    return tables


@contextmanager
def engine_client(settings: Settings, engine: str) -> Iterator[Client | None]:
    """A Dask client on the configured cluster for `engine` "dask" (None for "local"), for the job's duration.

    Raises:
        ValueError, EngineUnavailableError: an unknown engine, or "dask" without the dask extra.
    """
    from denial_ml.engine.cluster import check_engine

    if check_engine(engine) == "local":
        yield None
        return
    from denial_ml.engine.cluster import open_client
    from denial_ml.jobs.scale import cluster_spec

    with open_client(cluster_spec(settings)) as client:
        yield client


def train_bundle(
    data_dir: Path | str,
    out: Path,
    appeal_cost: float,
    store: WorklistStore | None = None,
    client: Client | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, dict]:
    """Train on a world folder (plus the store's recorded outcomes) and write the bundle.

    With `client`, the triage frame is built part by part on the cluster (`engine.triage`) and gathered for the
    fit: the same frame, model and metrics as without; `data_dir` may then be an fsspec URL (`engine.paths`).
    `progress` is told each step as it starts (the steps are logged too).

    Returns:
        The bundle folder and its metrics.
    """
    outcomes = store.outcomes_frame() if store is not None else None
    if client is None:
        model, metrics, _ = train_triage(read_world(Path(data_dir)), appeal_cost, outcomes)
    else:
        from denial_ml.engine.triage import training_inputs

        step = steps("triage train", progress)
        frame, builder, appeals, truth = training_inputs(client, data_dir, step)
        step("the recovery model")
        model, metrics, _ = train_on_frame(frame, builder, appeals, truth, appeal_cost, outcomes)
    model.version = "triage-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return save_bundle(model, metrics, out), metrics


def build_worklist(
    data_dir: Path | str,
    bundle: Path,
    store: WorklistStore,
    client: Client | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, UpsertResult]:
    """Score the world's current denials as of its last adjudication date and upsert them into the store.

    Current denials are those without an appeal on file (appealed claims are already being worked). With
    `client`, they are scored part by part on the cluster (`engine.worklist`) and written a slice at a time in one
    transaction: the same items, in the same order, with the client holding one slice of them; `progress` is told
    each step as it starts (the steps are logged too).

    Returns:
        The ranked denials (with `client`: their claim ids, sort keys and routes only) and what the upsert did.
    """
    if client is None:
        ranked, items = worklist_rows(data_dir, bundle)
        return ranked, upsert_items(store, items)
    from denial_ml.engine.worklist import KEYS, items_in_order, rank_partitioned

    step = steps("worklist build", progress)
    dist, folder, model, names, contacts = partitioned_inputs(client, data_dir, bundle, step)
    parts = rank_partitioned(client, dist, folder, model, names, contacts, step)
    return parts.keys[KEYS], upsert_slices(store, items_in_order(client, parts, step=step))


def worklist_rows(
    data_dir: Path | str, bundle: Path, client: Client | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranked current denials and their worklist items (the store's rows), highest priority first.

    `data_dir` may be an fsspec URL with `client` (the workers read the world; see `engine.paths`).
    """
    if client is not None:
        from denial_ml.engine.worklist import KEYS, items_in_order, rank_partitioned

        parts = rank_partitioned(client, *partitioned_inputs(client, data_dir, bundle))
        slices = list(items_in_order(client, parts))  # all at once: `build_worklist` writes a slice at a time
        return parts.keys[KEYS], concat_slices(slices)
    model = load_bundle(bundle)
    tables = read_world(Path(data_dir))
    frame = triage_frame(tables, FeatureBuilder().fit(tables))
    frame = frame[~frame["claim_id"].isin(tables["appeals"]["claim_id"])].reset_index(drop=True)
    as_of = pd.Timestamp(tables["remittances"]["adjudication_date"].max())
    ranked = rank_denials(frame, model, as_of)
    names = tables["payers"].set_index("payer_id")["payer_name"]
    contacts = read_optional_tables(data_dir, ["payer_contacts"]).get("payer_contacts")
    items = attach_details(worklist_items(ranked, model, names), tables, model.appeal_cost, _by_payer(contacts))
    return ranked, items


def partitioned_inputs(
    client: Client, data_dir: Path | str, bundle: Path, step: Callable[[str], None] | None = None
) -> tuple:
    """What `engine.worklist.rank_partitioned` needs besides the client: the world's triage frame on the cluster,
    the bundle (loaded here first: a refused bundle fails before the cluster works), payer names and contacts."""
    from denial_ml.engine.paths import read_world_tables, table_files
    from denial_ml.engine.triage import distributed_frame

    model = load_bundle(bundle)
    small = read_world_tables(
        data_dir, ["payers", *(["payer_contacts"] if table_files(data_dir, "payer_contacts") else [])]
    )
    names = small["payers"].set_index("payer_id")["payer_name"]
    dist = distributed_frame(client, data_dir, step or (lambda _: None))
    return dist, Path(bundle), model, names, _by_payer(small.get("payer_contacts"))


def concat_slices(slices: list[pd.DataFrame]) -> pd.DataFrame:
    """Slices of worklist items as one frame (an empty one without slices)."""
    return pd.concat(slices, ignore_index=True) if slices else pd.DataFrame()


def steps(job: str, progress: Callable[[str], None] | None) -> Callable[[str], None]:
    """A step callback that logs each step of `job` and tells `progress`."""

    def step(name: str) -> None:
        log.info("%s: %s", job, name)
        if progress is not None:
            progress(name)

    return step


def _by_payer(contacts: pd.DataFrame | None) -> dict:
    return {} if contacts is None else contacts.set_index("payer_id").to_dict("index")


def demo_worklist(settings: Settings, data_dir: Path, echo: Callable[[str], None], top: int = 10) -> int:
    """Demo step: train the recovery model on the world, build the worklist into the configured store and
    show its `top` items with their reasons through `echo`.

    Returns:
        The number of items in the worklist.

    Raises:
        WorldIOError, BundleError, StoreError: the world, the bundle or the store failed.
    """
    started = time.perf_counter()
    echo("training the recovery model (P(overturn), selection-bias weights) ...")
    bundle, metrics = train_bundle(data_dir, settings.models_dir / "triage", settings.appeal_cost)
    test = metrics.get("test") or {}
    recovered = (
        f"; top 20 % of the test period recovers ${test['recovered_at_20pct']:,.0f} "
        f"(truth ordering ${test['truth_recovered_at_20pct']:,.0f})"
        if test
        else ""
    )
    echo(f"bundle {bundle} in {time.perf_counter() - started:.1f} s{recovered}")
    store = WorklistStore(settings.worklist_url)
    try:
        store.migrate()
        step = time.perf_counter()
        echo(f"building the worklist -> {make_url(settings.worklist_url).render_as_string(hide_password=True)}")
        ranked, result = build_worklist(data_dir, bundle, store)
        echo(
            f"{len(ranked):,} denials scored and explained in {time.perf_counter() - step:.1f} s: "
            f"{result.inserted:,} new, {result.updated:,} rescored; routes "
            + summarize_routes(ranked["route"], ranked["route_reason"])
        )
        page = store.list_items(limit=top)
    finally:
        store.close()
    echo(format_reasons(page))
    echo("more: `denial-ml worklist show --top 20`, or the web worklist at /ui/worklist once serving")
    return page.total
