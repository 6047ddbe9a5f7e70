"""The front end of the synthetic world: eligibility responses (271) and claim events (277CA, 277).

Made from a finished world's public tables with a random stream of its own (seeded from the world seed and
`STREAM`), so the world's tables stay exactly what they were. Pure: frames in, frames out.

- Every eligibility check a claim records (`eligibility_checked`) is a 271 on its `eligibility_check_date`
  (before service), for the billed coverage: active, or inactive with the ended plan's dates; a patient whose
  coverage changed and whose practice billed the new payer shows the new plan's start. A share of the claims
  not checked get a late 271, after submission (`LATE_SHARE`): known only after the claim left, so never a
  pre-submission fact.
- Every claim has a 277CA acceptance (A2:20) a day or two after its submission. `REJECTION_RATE` of the claims
  (more where coverage ended or the member id is wrong) were rejected first (277CA A3/A6/A7, mostly
  demographic and eligibility reasons) and sent again: the claims table holds the version that was accepted.
- Claims still pending at the end of the world have a 277 claim status (P1:20, pending in process).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.data.synthetic.arrays import as_str, concat_str, day_str
from denial_ml.labels import isin, map_keys
from denial_ml.schemas import validate_table

STREAM = 271_277  # the front end's own random stream: SeedSequence([world seed, STREAM])
REJECTION_RATE = 0.04  # of claims with room for a rejection before their accepted submission
LATE_SHARE = 0.25  # of unchecked claims get a 271 after submission
# (category, status code, entity, weight): the rejection reasons of claims with nothing visibly wrong.
REASONS = (
    ("A7", "158", "QC", 0.24),  # patient's date of birth
    ("A7", "157", "QC", 0.10),  # patient's gender
    ("A7", "156", "QC", 0.08),  # patient relationship to subscriber
    ("A7", "164", "IL", 0.18),  # subscriber's member number
    ("A3", "33", "IL", 0.10),  # subscriber and subscriber id not found
    ("A6", "562", "82", 0.12),  # rendering provider NPI
    ("A7", "187", "", 0.08),  # dates of service
    ("A7", "454", "", 0.10),  # procedure code
)


def generate_front_end(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """Eligibility responses and claim events for a generated world.

    Args:
        tables: The world's tables (`claims`, `coverages`, `patients`, `remittances`).
        seed: The world's seed.

    Returns:
        `{"eligibility_responses": ..., "claim_events": ...}`, validated.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM]))
    claims = tables["claims"].reset_index(drop=True)
    coverage = _billed_coverage(claims, tables["coverages"], tables["patients"])
    responses = _responses(rng, claims, coverage)
    events = _events(rng, claims, coverage, tables["remittances"])
    return {
        "eligibility_responses": validate_table("eligibility_responses", responses),
        "claim_events": validate_table("claim_events", events),
    }


def _billed_coverage(claims: pd.DataFrame, coverages: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Per claim (same rows): the coverage spell of its patient with its payer, and the patient's birth date."""
    spells = coverages.drop_duplicates(["patient_id", "payer_id"], keep="last")
    keyed = claims[["patient_id", "payer_id", "member_id"]].merge(
        spells[["patient_id", "payer_id", "member_id", "coverage_start", "coverage_end"]].rename(
            columns={"member_id": "plan_member_id"}
        ),
        on=["patient_id", "payer_id"],
        how="left",
    )
    people = patients.drop_duplicates("patient_id")
    keyed["birth_date"] = map_keys(keyed["patient_id"], people["patient_id"], people["birth_date"]).to_numpy()
    # A claim whose member id differs from the plan's was mistyped on the claim (the 271 carries the plan's).
    keyed["member_typo"] = keyed["plan_member_id"].notna() & (keyed["plan_member_id"] != keyed["member_id"])
    keyed["plan_member_id"] = keyed["plan_member_id"].fillna(keyed["member_id"])
    return keyed


def _responses(rng: np.random.Generator, claims: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    checked = claims["eligibility_checked"].astype(bool).to_numpy()
    late = ~checked & (rng.random(len(claims)) < LATE_SHARE)
    lag = rng.integers(1, 31, len(claims)).astype("timedelta64[D]")
    # Only the claims with a 271 are built (rather than all, then filtered): the draws above cover every claim.
    rows = np.flatnonzero(checked | late)
    checked = checked[rows]
    submitted = claims["submission_date"].to_numpy(dtype="datetime64[ns]")[rows]
    check_day = claims["eligibility_check_date"].to_numpy(dtype="datetime64[ns]")[rows]
    answered = np.where(checked, check_day, submitted + lag[rows])
    service = claims["service_date_from"].to_numpy(dtype="datetime64[ns]")[rows]
    start = coverage["coverage_start"].to_numpy(dtype="datetime64[ns]")[rows]
    end = coverage["coverage_end"].to_numpy(dtype="datetime64[ns]")[rows]
    covered = (start <= service) & (np.isnat(end) | (service <= end))
    recorded = claims["eligibility_status"].array.take(rows).astype(str).to_numpy()
    status = np.where(checked, recorded, np.where(covered, "active", "inactive"))
    ids = claims["claim_id"].array.take(rows)
    frame = pd.DataFrame(
        {
            "response_id": concat_str(ids, "/271"),
            "set_id": concat_str("synthetic/271/", day_str(answered)),
            "file": "synthetic",
            "trace_number": concat_str("E", ids),
            "response_date": answered,
            "payer_id": claims["payer_id"].array.take(rows),
            "provider_npi": claims["billing_provider_npi"].array.take(rows),
            "member_id": coverage["plan_member_id"].array.take(rows),
            "birth_date": coverage["birth_date"].to_numpy()[rows],
            "relationship": "subscriber",
            "coverage_status": status,
            "active_service_types": np.where(status == "active", "30", ""),
            "inactive_service_types": np.where(status == "inactive", "30", ""),
            "coverage_begin": start,
            "coverage_end": end,
            "service_date": service,
            "reject_codes": "",
        }
    )
    return _by_day_then_id(frame, "response_date", "response_id", claims["claim_id"], rows, np.zeros(len(rows)))


def _events(
    rng: np.random.Generator, claims: pd.DataFrame, coverage: pd.DataFrame, remittances: pd.DataFrame
) -> pd.DataFrame:
    n = len(claims)
    submitted = claims["submission_date"].to_numpy(dtype="datetime64[D]")
    service_end = claims["service_date_to"].to_numpy(dtype="datetime64[D]")
    room = (submitted - service_end).astype("int64")  # days between service and the accepted submission
    typo = coverage["member_typo"].to_numpy(dtype=bool)
    inactive = claims["eligibility_status"].astype(str).to_numpy() == "inactive"
    weight = np.where(typo, 8.0, 1.0) * np.where(inactive, 4.0, 1.0)
    rejected = (room >= 3) & (rng.random(n) < REJECTION_RATE * weight)
    lost = np.minimum(rng.integers(2, 15, n), np.maximum(room - 1, 2))
    category, code, entity = _reasons(rng, n, typo, inactive)
    accepted_on = submitted + rng.integers(0, 3, n).astype("timedelta64[D]")
    rejected_on = submitted - lost.astype("timedelta64[D]")
    base = {
        "transaction": "277CA",
        "claim_id": claims["claim_id"].array,
        "payer_id": claims["payer_id"].array,
        "total_charge": claims["total_charge"].to_numpy(dtype=float),
        "service_date": claims["service_date_from"].to_numpy(dtype="datetime64[ns]"),
    }
    everyone = np.arange(n)
    accepted = _event_frame(base, everyone, "acceptance", "A2", "20", "", accepted_on, "WQ", "/277CA")
    rejections = _event_frame(
        base, np.flatnonzero(rejected), "rejection", category, code, entity, rejected_on, "U", "/277CA-R"
    )
    pending = np.flatnonzero(~isin(claims["claim_id"], remittances["claim_id"]))
    world_end = max(pd.Timestamp(claims["submission_date"].max()), pd.Timestamp(remittances["adjudication_date"].max()))
    status_on = np.full(n, np.datetime64(world_end.date(), "D"))
    statuses = _event_frame({**base, "transaction": "277"}, pending, "status", "P1", "20", "", status_on, "", "/277")
    events = pd.concat([rejections, accepted, statuses], ignore_index=True)
    rows = np.concatenate([np.flatnonzero(rejected), everyone, pending])
    # "/277" < "/277CA" < "/277CA-R": the suffixes' own order, for one claim's events on one day
    suffix = np.repeat([2, 1, 0], [len(rejections), len(accepted), len(statuses)])
    return _by_day_then_id(events, "status_date", "event_id", claims["claim_id"], rows, suffix)


def _by_day_then_id(
    frame: pd.DataFrame, day: str, id_column: str, claim_ids: pd.Series, rows: np.ndarray, suffix: np.ndarray
) -> pd.DataFrame:
    """`frame.sort_values([day, id_column], kind="stable", ignore_index=True)` where each id is the claim id of
    `claim_ids` at `rows` followed by a suffix ranked `suffix` among the suffixes.

    When the claims' ids all have one length and ascend with their rows (the generator numbers them so), the ids'
    string order is (claim row, suffix rank): sorting those integers gives the same rows without sorting a
    million strings. Otherwise the strings are sorted.
    """
    width = pc.min_max(pc.utf8_length(pa.array(claim_ids))).as_py()
    if width["min"] is None or width["min"] != width["max"] or not claim_ids.is_monotonic_increasing:
        return frame.sort_values([day, id_column], kind="stable", ignore_index=True)
    return frame.take(np.lexsort((suffix, rows, frame[day].to_numpy()))).reset_index(drop=True)


def _reasons(
    rng: np.random.Generator, n: int, typo: np.ndarray, inactive: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Why each claim would be rejected: its member id or ended coverage when so, else a drawn reason."""
    weights = np.array([r[3] for r in REASONS])
    drawn = rng.choice(len(REASONS), size=n, p=weights / weights.sum())
    category = np.array([r[0] for r in REASONS], dtype=object)[drawn]
    code = np.array([r[1] for r in REASONS], dtype=object)[drawn]
    entity = np.array([r[2] for r in REASONS], dtype=object)[drawn]
    category[typo], code[typo], entity[typo] = "A7", "164", "IL"
    category[inactive], code[inactive], entity[inactive] = "A7", "109", "IL"
    return category, code, entity


def _event_frame(
    base: dict,
    rows: np.ndarray,
    kind: str,
    category: object,
    code: object,
    entity: object,
    on: np.ndarray,
    action: str,
    suffix: str,
) -> pd.DataFrame:
    """The events of the claims at `rows` (`category`, `code`, `entity`: one value, or one per claim)."""
    on = on[rows].astype("datetime64[ns]")
    transaction = base["transaction"]
    claim_id = base["claim_id"].take(rows)
    entity = np.asarray(entity, dtype=object)[rows] if isinstance(entity, np.ndarray) else np.full(len(rows), entity)
    return pd.DataFrame(
        {
            "event_id": concat_str(claim_id, suffix),
            "set_id": concat_str(f"synthetic/{transaction}/", day_str(on)),
            "file": "synthetic",
            "transaction": transaction,
            "claim_id": claim_id,
            "payer_claim_id": None,
            "trace_number": None,
            "payer_id": base["payer_id"].take(rows),
            "event_kind": kind,
            "status_category": category[rows] if isinstance(category, np.ndarray) else category,
            "status_code": code[rows] if isinstance(code, np.ndarray) else code,
            "entity_code": as_str(entity, missing=entity == ""),  # no entity: missing, as a 277CA leaves it out
            "other_codes": "",
            "status_date": on,
            "action_code": action or None,
            "total_charge": base["total_charge"][rows],
            "paid_amount": np.nan,
            "service_date": base["service_date"][rows],
            "response_date": on,
        }
    )
