"""Job: generate a synthetic world and write it (Parquet tables, optionally X12 files and reference data)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store import write_world
from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.contacts import payer_contacts
from denial_ml.data.synthetic.frontend import generate_front_end
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.policies import load_policies
from denial_ml.data.synthetic.summary import summarize_world
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.reference import extract_reference, write_reference
from denial_ml.ingest.x12_write import write_x12
from denial_ml.schemas import validate_table

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
# The dates on which something happens in the world: its last one is the day the world "ends".
EVENT_DATES = {
    "claims": ("submission_date",),
    "remittances": ("adjudication_date",),
    "appeals": ("filed_date", "decision_date"),
    "claim_events": ("status_date", "response_date"),
    "eligibility_responses": ("response_date",),
}


def last_event_day(tables: dict[str, pd.DataFrame]) -> dt.date:
    """The world's last day: the latest submission, remittance, appeal, acknowledgement or eligibility response."""
    days = [
        tables[name][column].max()
        for name, columns in EVENT_DATES.items()
        if name in tables
        for column in columns
        if column in tables[name].columns
    ]
    return max(pd.Timestamp(d) for d in days if pd.notna(d)).date()


def shift_calendar(tables: dict[str, pd.DataFrame], end_date: dt.date) -> tuple[dict[str, pd.DataFrame], int]:
    """The world moved in time as a whole so that its last day is `end_date`: every date column of every table
    (service, submission, remittance, appeal, authorization, coverage, eligibility and birth dates) moves by the
    same number of days, so intervals, ages and every other value stay what they were.

    Generation keeps its own calendar (the policies' effective dates, the rule change, the calendar years of
    yearly limits are applied there); after the shift they read `days` later.

    Returns:
        The shifted tables and the shift in days.
    """
    days = (end_date - last_event_day(tables)).days
    offset = pd.Timedelta(days=days)
    shifted = {}
    for name, frame in tables.items():
        dated = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
        shifted[name] = frame.assign(**{c: frame[c] + offset for c in dated}) if dated and days else frame
    return shifted, days


def build_world(
    n_claims: int,
    seed: int,
    out: Path,
    x12: bool = False,
    timeline: WorldTimeline | None = None,
    progress: Progress | None = None,
    store: bool = False,
    policies: Path | None = None,
    end_date: dt.date | None = None,
) -> dict:
    """Generate a world, write it all-or-nothing, and return its summary.

    Args:
        n_claims: Number of claims.
        seed: Random seed (the same seed gives identical files).
        out: Folder for the Parquet tables.
        x12: Also write the claims and remittances as 837P/837I/835 files under `out/x12/` (with the front end's
            999, 277CA, 277 and 271 files), and the practice's
            reference data X12 does not carry (payers, providers, patients, coverages, authorizations,
            eligibility checks) under `out/x12/reference/` (see `denial_ml.ingest.reference`).
        timeline: Overrides the world's dated changes (e.g. a control world without the payer rule change).
        progress: Called with each step's name as it starts (progress bars); steps are logged too.
        store: Write the tables as the first batch of a claims store (the layout `denial-ml ingest` adds to)
            instead of one Parquet file per table.
        policies: A policy file (YAML, docs/policies.md) with the payers' rules; default: the packaged default.
        end_date: Move the whole calendar so that the world's last day is this one (`shift_calendar`); None keeps
            the generator's calendar. The same seed and end date give the same world.

    Raises:
        PolicyError: the policy file cannot be read or breaks the schema (raised before anything is written).
        WorldIOError, TableValidationError, X12WriteError, StoreError, OSError: the world could not be written.
    """
    rules = load_policies(policies) if policies is not None else None

    def step(name: str) -> None:
        log.info("generate: %s", name)
        if progress is not None:
            progress(name)

    tables = generate_world(n_claims, seed, timeline, progress=step, policies=rules)
    # The summary is computed in a thread of its own while the front end is drawn and the tables are written:
    # it only reads the world's tables, and its Arrow and numpy work (like the Parquet encoding in
    # `write_tables`) runs outside the GIL, on the second core. It is returned once everything is written. It
    # has no dates in it, so moving the calendar (which moves every date alike) leaves it as it is.
    with ThreadPoolExecutor(1, thread_name_prefix="summary") as pool:
        summary = pool.submit(summarize_world, tables)
        _write_world(tables, seed, out, x12, store, end_date, step)
        return summary.result()


def _write_world(
    tables: dict[str, pd.DataFrame],
    seed: int,
    out: Path,
    x12: bool,
    store: bool,
    end_date: dt.date | None,
    step: Progress,
) -> None:
    """The front end drawn, the calendar moved, and everything written (`build_world`'s arguments)."""
    step("front end: eligibility responses and claim acknowledgements")
    # Tables of their own, from a random stream of their own: the world's tables stay what they were.
    front_end = generate_front_end(tables, seed)  # validated tables
    front = front_end | {"payer_contacts": payer_contacts(tables["payers"])}
    validated = set(front_end) if end_date is None else set()  # a moved calendar gives new frames: check those
    if end_date is not None:
        step(f"moving the calendar to end on {end_date}")
        moved, days = shift_calendar(tables | front, end_date)
        log.info("generate: calendar moved by %d days", days)
        tables, front = {n: moved[n] for n in tables}, {n: moved[n] for n in front}
    step("writing Parquet tables")
    if store:
        write_world({name: validate_table(name, frame) for name, frame in (tables | front).items()}, out)
    else:
        write_tables(tables | front, out, validated=validated)
    if x12:
        step("writing X12 837/835/999/277CA/277/271 files")
        write_x12(tables | front, out / "x12")
        write_reference(extract_reference(tables), out / "x12" / "reference")
