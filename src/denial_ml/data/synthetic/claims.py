"""Claim headers as the practice submits them: who, when, which payer, eligibility facts, submission lag.

Each step is vectorised over all claims. Hidden columns (declared in `hidden`) carry the defects the outcome step
needs; they never reach the written tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import fixed_str, lookup, str_frame
from denial_ml.data.synthetic.hidden import add_hidden, hidden
from denial_ml.data.synthetic.params import PAYERS, SPECIALTIES, WorldTimeline

PAYER_INDEX = {p.payer_id: i for i, p in enumerate(PAYERS)}
DAY = np.timedelta64(1, "D")


def draw_headers(
    rng: np.random.Generator,
    n: int,
    providers: pd.DataFrame,
    patients: pd.DataFrame,
    timeline: WorldTimeline,
) -> pd.DataFrame:
    """Draw who billed whom and when: provider, patient, service date, place of service, claim type."""
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    w = people["volume"].to_numpy()
    prov = rng.choice(len(people), size=n, p=w / w.sum())
    specialty = fixed_str(people["specialty"])[prov]
    band = np.zeros(n, dtype=np.int64)
    pos = np.empty(n, dtype=object)
    is_837i = np.zeros(n, dtype=bool)
    for name, spec in SPECIALTIES.items():
        idx = np.flatnonzero(specialty == name)
        band[idx] = rng.choice(3, size=len(idx), p=np.array(spec.age_bands) / sum(spec.age_bands))
        codes, probs = zip(*spec.pos.items(), strict=True)
        pos[idx] = rng.choice(codes, size=len(idx), p=np.array(probs) / sum(probs))
        hospital = np.isin(pos[idx], ["19", "21", "22", "24"])
        is_837i[idx] = hospital & (rng.random(len(idx)) < spec.claim_type_837i / 0.4)
    patient = np.zeros(n, dtype=np.int64)
    for b in range(3):
        idx = np.flatnonzero(band == b)
        pool = np.flatnonzero(patients["band"].to_numpy() == b)
        pw = patients["weight"].to_numpy()[pool]
        patient[idx] = pool[rng.choice(len(pool), size=len(idx), p=pw / pw.sum())]
    # Service dates: uniform over history with a mild growth in volume; Sundays move to Monday.
    offset = np.floor(timeline.days * rng.random(n) ** 0.93).astype("int64")
    service = np.datetime64(timeline.start, "D") + offset.astype("timedelta64[D]")
    sunday = ((service.astype("int64") + 3) % 7) == 6
    service = np.where(sunday & (service < np.datetime64(timeline.end, "D")), service + DAY, service)
    return str_frame(
        {
            "_prov": prov,
            "_patient": patient,
            "specialty": specialty,
            "rendering_provider_npi": people["provider_npi"].array.take(prov),
            "billing_provider_npi": people["group_npi"].array.take(prov),
            "patient_id": patients["patient_id"].array.take(patient),
            "place_of_service": pos.astype(str),
            "claim_type": np.where(is_837i, "837I", "837P"),
            "_service": service,
        }
    )


def assign_payers(rng: np.random.Generator, headers: pd.DataFrame, coverages: pd.DataFrame) -> pd.DataFrame:
    """Pick the payer the practice bills and record the eligibility check it made (or did not make).

    A patient whose coverage ended is still billed to the old payer until the practice learns of the
    change (from an eligibility check, or over time); such claims carry `_coverage_inactive`.
    """
    n = len(headers)
    prim = coverages[coverages["coverage_priority"] == "P"]
    first = prim.drop_duplicates("_patient", keep="first")
    second = prim[prim.duplicated("_patient", keep="first")]
    patient = hidden(headers, "claims", "_patient").to_numpy()
    service = hidden(headers, "claims", "_service").to_numpy()
    # Row of each claim's first and second primary spell (-1: none), then plain array indexing.
    at1, at2 = _spell_rows(first, patient), _spell_rows(second, patient)
    payer1 = _take(first["payer_id"], at1)
    end1 = _take(first["coverage_end"], at1).astype("datetime64[D]")
    start2 = _take(second["coverage_start"], at2).astype("datetime64[D]")

    lapsed = ~np.isnat(end1) & (service > end1)
    has2 = ~np.isnat(start2) & (service >= start2)
    days_since = np.where(lapsed, (service - np.where(lapsed, end1, service)).astype("int64"), 0)
    knows = lapsed & (rng.random(n) < 1 - np.exp(-days_since / 30.0))
    rate_by_payer = {p.payer_id: p.eligibility_check_rate for p in PAYERS}
    checked = rng.random(n) < lookup(payer1, rate_by_payer, dtype=float)
    # A check that finds the coverage inactive leads the practice to bill the new payer most of the time.
    fixed_by_check = lapsed & checked & has2 & (rng.random(n) < 0.85)
    use2 = (knows & has2) | fixed_by_check
    # The billed spell's row in first + second, gathered by Arrow (no Python string per claim).
    spell = np.where(use2, len(first) + at2, at1)
    payer = pd.concat([first["payer_id"], second["payer_id"]]).array.take(spell)
    member = pd.concat([first["member_id"], second["member_id"]]).array.take(spell)
    inactive = lapsed & ~use2
    status = np.where(~checked, "unknown", np.where(inactive, "inactive", "active"))
    check_day = service - rng.integers(0, 4, n).astype("timedelta64[D]")
    out = headers.assign(
        payer_id=payer,
        member_id=member,
        eligibility_checked=checked,
        eligibility_check_date=np.where(checked, check_day, np.datetime64("NaT")).astype("datetime64[ns]"),
        eligibility_status=status,
    )
    return add_hidden(out, "claims", _coverage_inactive=inactive)


def _spell_rows(spells: pd.DataFrame, patient: np.ndarray) -> np.ndarray:
    owner = hidden(spells, "coverages", "_patient").to_numpy()
    rows = np.full(int(max(patient.max(initial=0), owner.max(initial=0))) + 1, -1)
    rows[owner] = np.arange(len(spells))
    return rows[patient]


def _take(column: pd.Series, at: np.ndarray) -> np.ndarray:
    """`column`'s values at positions `at`; position -1 (no such row) gives a missing value."""
    values = column.to_numpy()
    missing = np.array([None], dtype=object) if values.dtype == object else np.array(["NaT"], values.dtype)
    return np.concatenate([values, missing])[at]


def draw_submission(
    rng: np.random.Generator, headers: pd.DataFrame, providers: pd.DataFrame, timeline: WorldTimeline
) -> pd.DataFrame:
    """Submission lag: days for most claims, months for a tail (lost claims, rework)."""
    n = len(headers)
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    scale = people["lag_scale"].to_numpy()[hidden(headers, "claims", "_prov").to_numpy()]
    short = np.ceil(rng.lognormal(np.log(3.5 * scale), 0.7)).astype("int64")
    tail = rng.random(n) < 0.015 * scale
    lag = np.where(tail, rng.integers(45, 420, n), short)
    service = hidden(headers, "claims", "_service").to_numpy()
    limit = np.datetime64(timeline.as_of, "D")
    late = service + lag.astype("timedelta64[D]") > limit
    lag = np.where(late, np.minimum(short, (limit - service).astype("int64")), lag)
    return headers.assign(
        service_date_from=service.astype("datetime64[ns]"),
        service_date_to=service.astype("datetime64[ns]"),
        submission_date=(service + lag.astype("timedelta64[D]")).astype("datetime64[ns]"),
    )


def add_member_typos_and_missing_npi(
    rng: np.random.Generator, headers: pd.DataFrame, providers: pd.DataFrame
) -> pd.DataFrame:
    """Front-desk and billing-system slips: a mistyped member id, a rendering NPI left off the claim."""
    n = len(headers)
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    quality = people["data_quality"].to_numpy()[hidden(headers, "claims", "_prov").to_numpy()]
    typo = rng.random(n) < 0.0025 * quality
    member = headers["member_id"].to_numpy().astype(object)
    member[typo] = [m[:-1] + str((int(m[-1]) + 1) % 10) for m in member[typo]]
    missing_npi = rng.random(n) < 0.005 * quality
    npi = headers["rendering_provider_npi"].to_numpy().astype(object)
    npi[missing_npi] = None
    return add_hidden(headers.assign(member_id=member, rendering_provider_npi=npi), "claims", _member_typo=typo)


def make_duplicates(rng: np.random.Generator, headers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Choose claims that re-send an earlier claim: plain duplicates (denied) and replacements (freq. 7).

    Returns:
        (target rows, source rows, is_replacement): each target becomes a copy of its source.
    """
    n = len(headers)
    k = int(n * 0.008)
    if n < 50 or k == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([], dtype=bool)
    order = np.argsort(headers["submission_date"].to_numpy(), kind="stable")
    src_pos = rng.integers(0, n - max(2, n // 20), k)
    tgt_pos = np.minimum(src_pos + rng.integers(1, max(2, n // 20), k), n - 1)
    src, tgt = order[src_pos], order[tgt_pos]
    keep = np.isin(tgt, src, invert=True) & (src != tgt)
    src, tgt = src[keep], tgt[keep]
    _, first = np.unique(tgt, return_index=True)
    src, tgt = src[first], tgt[first]
    return tgt, src, rng.random(len(tgt)) < 0.25
