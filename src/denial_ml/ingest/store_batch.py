"""The rows one ingest run adds to a claims store (pure: the job reads the store and writes the batch).

Claims go in with every version; patients and providers with their source (X12 or the practice's reference
data); remittances and what hangs on them as read. Matching sees the store's current claims updated with the
run's: the run's remittances are matched, and when the run brings claims, the store's earlier remittances
are matched again and those whose match changed are written again (the view takes the latest per remit id).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.data.claims_store.view import SOURCE
from denial_ml.ingest.eligibility import eligibility_from_responses
from denial_ml.ingest.files import Ingested, empty_table, validate_ingested
from denial_ml.ingest.frontend_tables import FRONT_END_SCHEMAS, empty_front_end
from denial_ml.ingest.matching import match_remittances
from denial_ml.ingest.records import rejections_frame
from denial_ml.ingest.reference import ELIGIBILITY, fill_eligibility
from denial_ml.ingest.spool import Spool

MATCHES, MATCHED_LINES = "remittance_matches", "matched_lines"  # spool tables made by `plan_spooled`

ACCUMULATED = ("remittances", "adjustments", "remarks", "provider_adjustments", "remittance_payments")
SNAPSHOTS = ("payers", "coverages", "authorizations")
ROSTERS = ("patients", "providers")


def plan_batch(
    current: Mapping[str, pd.DataFrame], run: Ingested, reference: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of the batch a run adds to a store.

    Args:
        current: The store's current view (`claims`, `claim_lines`, `remittances`, `remittance_lines`,
            `remittance_matches`; absent tables are empty).
        run: What `ingest_x12` read (with `versions`).
        reference: The practice's reference tables (`--reference`), if any.

    Returns:
        Table -> rows to add (store columns `claim_version` and `source` included; `batch` is the store's).
    """
    reference = reference or {}
    claims = run.versions.get("claims", empty_table("claims").assign(claim_version=0))
    if ELIGIBILITY in reference:
        claims = fill_eligibility(claims, reference[ELIGIBILITY])
    claims = _eligibility_from_271(claims, current, run)
    batch = {"claims": claims, "claim_lines": run.versions.get("claim_lines", empty_table("claim_lines"))}
    for table in ROSTERS:
        batch[table] = _roster(run.tables.get(table), reference.get(table))
    batch.update({t: reference[t] for t in SNAPSHOTS if t in reference})
    batch.update({t: run.tables.get(t, empty_table(t)) for t in ACCUMULATED})
    # Acknowledgements, claim events and eligibility responses accumulate like remittances.
    batch.update({t: run.tables.get(t, empty_front_end(t)) for t in FRONT_END_SCHEMAS})
    batch["remittance_matches"], batch["remittance_lines"] = _matches(current, run)
    batch["rejections"] = rejections_frame(run.issues, run.files)
    # Every part with its schema's dtypes: parts written by different runs then concatenate cleanly.
    return {t: f if t in ("claims", "claim_lines") or f.empty else _checked(t, f) for t, f in batch.items()}


def _eligibility_from_271(claims: pd.DataFrame, current: Mapping[str, pd.DataFrame], run: Ingested) -> pd.DataFrame:
    """Claims not checked per the reference data get their eligibility from the store's and the run's 271s
    (the latest on or before each claim's submission: `ingest.eligibility`)."""
    frames = [current.get("eligibility_responses"), run.tables.get("eligibility_responses")]
    responses = [f for f in frames if f is not None and len(f)]
    if not responses or claims.empty:
        return claims
    unset = ~claims["eligibility_checked"].astype(bool).to_numpy()
    filled = eligibility_from_responses(claims, pd.concat(responses, ignore_index=True))
    columns = ["eligibility_checked", "eligibility_check_date", "eligibility_status"]
    out = claims.copy()
    out.loc[unset, columns] = filled.loc[unset, columns].to_numpy()
    return out.astype({"eligibility_checked": bool})


def plan_spooled(
    current: Mapping[str, pd.DataFrame], run: Ingested, spool: Spool
) -> tuple[dict[str, Callable[[], Iterator[pd.DataFrame]]], int]:
    """The batch's 835 rows a spool holds, chunk by chunk: matched to the claims (as `plan_batch` matches the
    run's remittances; matching is per remittance, so chunk by chunk gives the same rows) and numbered
    (`remit_sequence` over all the run's remittances, as `ingest_x12` numbers them).

    Returns:
        Table -> a callable giving its chunks (for `append_batch(streamed=...)`), and the number of the
        spooled remittances that matched no claim.
    """
    claims, lines = matching_claims(current, run)
    unmatched = 0
    for index, (remits, remit_lines) in enumerate(spool.pairs()):
        remit_lines = remit_lines if remit_lines is not None else empty_table("remittance_lines")
        matches, matched = match_remittances(claims, lines, remits, remit_lines)
        unmatched += int((matches["method"] == "unmatched").sum())
        spool.add_chunk(index, MATCHES, _checked("remittance_matches", matches))
        spool.add_chunk(index, MATCHED_LINES, _checked("remittance_lines", matched) if len(matched) else matched)
    sequence = remit_sequence(spool.keys("remittances", ["claim_id", "adjudication_date"]))

    def remittances() -> Iterator[pd.DataFrame]:
        start = 0
        for frame in spool.frames("remittances"):
            yield frame.assign(remit_sequence=sequence[start : start + len(frame)])
            start += len(frame)

    streamed: dict[str, Callable[[], Iterator[pd.DataFrame]]] = {"remittances": remittances}
    streamed["remittance_matches"] = lambda: spool.frames(MATCHES)
    streamed["remittance_lines"] = lambda: spool.frames(MATCHED_LINES)
    for table in ("adjustments", "remarks", "provider_adjustments", "remittance_payments"):
        streamed[table] = functools.partial(spool.frames, table)
    return streamed, unmatched


def remit_sequence(keys: pa.Table) -> np.ndarray:
    """`view.sequence_remittances` on Arrow columns (claim id, adjudication date): the n-th remittance of its
    claim by date (none last), then by row order. A stable Arrow sort instead of pandas: a run's millions of
    claim ids stay compact Arrow strings, never Python objects."""
    n = keys.num_rows
    if not n:
        return np.zeros(0, dtype="int64")
    order = pc.sort_indices(keys, sort_keys=[("claim_id", "ascending"), ("adjudication_date", "ascending")])
    ids = keys.column("claim_id").take(order)
    starts = np.ones(n, dtype=bool)
    starts[1:] = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    positions = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, positions, 0))
    sequence = np.empty(n, dtype="int64")
    sequence[order.to_numpy()] = positions - first + 1
    return sequence


def _checked(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table == "rejections":
        return frame
    if SOURCE not in frame.columns:
        return validate_ingested(table, frame)
    # A roster holds each id once per source (the reference's row and the X12 files' row).
    slices = [
        validate_ingested(table, rows.drop(columns=SOURCE)).assign(**{SOURCE: source})
        for source, rows in frame.groupby(SOURCE, sort=False)
    ]
    return pd.concat(slices, ignore_index=True)


def _roster(x12: pd.DataFrame | None, known: pd.DataFrame | None) -> pd.DataFrame:
    frames = [f.assign(**{SOURCE: s}) for f, s in ((known, "reference"), (x12, "x12")) if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _current(current: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    return current[table] if table in current else empty_table(table)


def matching_claims(current: Mapping[str, pd.DataFrame], run: Ingested) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims and claim lines remittances are matched to: the store's current ones updated with the run's."""
    taken = set(run.versions["claims"]["claim_id"]) if "claims" in run.versions else set()
    old_claims, old_lines = _current(current, "claims"), _current(current, "claim_lines")
    claims = _concat(old_claims[~old_claims["claim_id"].isin(taken)], run.tables.get("claims"))
    lines = _concat(old_lines[~old_lines["claim_id"].isin(taken)], run.tables.get("claim_lines"))
    return claims, lines


def _matches(current: Mapping[str, pd.DataFrame], run: Ingested) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Matches and remittance lines of the run's remittances, and of earlier ones whose match changed."""
    claims, lines = matching_claims(current, run)
    new_remits = run.tables.get("remittances", empty_table("remittances"))
    new_lines = run.tables.get("remittance_lines", empty_table("remittance_lines"))
    if "837" not in run.kinds or "remittances" not in current:
        # No new claims: earlier remittances cannot match differently.
        matches, matched = match_remittances(claims, lines, new_remits, new_lines)
        return matches, matched
    remits = _concat(current["remittances"], new_remits)
    matches, matched = match_remittances(claims, lines, remits, _concat(current["remittance_lines"], new_lines))
    wanted = set(new_remits["remit_id"]) | _changed(current, matches, matched)
    return (
        matches[matches["remit_id"].isin(wanted)].reset_index(drop=True),
        matched[matched["remit_id"].isin(wanted)].reset_index(drop=True),
    )


def _changed(current: Mapping[str, pd.DataFrame], matches: pd.DataFrame, lines: pd.DataFrame) -> set[str]:
    """Earlier remit ids whose match or line numbers differ from the store's."""
    old = _current(current, "remittance_matches").set_index("remit_id")
    now = matches.set_index("remit_id").reindex(old.index)
    columns = ["matched_claim_id", "method"]
    differ = (now[columns].fillna("").astype(str) != old[columns].fillna("").astype(str)).any(axis=1)
    changed = set(old.index[differ])
    keys = ["remit_id", "line_number"]
    before = _current(current, "remittance_lines").set_index(keys)["claim_line_number"]
    after = lines.set_index(keys)["claim_line_number"].reindex(before.index)
    moved = before.fillna(-1).astype("int64") != after.fillna(-1).astype("int64")
    return changed | set(before.index[moved.to_numpy()].get_level_values("remit_id"))


def _concat(first: pd.DataFrame, second: pd.DataFrame | None) -> pd.DataFrame:
    if second is None or second.empty:
        return first.reset_index(drop=True)
    if first.empty:
        return second.reset_index(drop=True)
    return pd.concat([first, second], ignore_index=True)
