"""Payers, providers, patients and their coverage over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import number_ids
from denial_ml.data.synthetic.params import PAYERS, SPECIALTIES, WorldTimeline
from denial_ml.data.synthetic.policies import Policies, published_auth_codes
from denial_ml.domain.catalog import SPECIALTY_TAXONOMY

# Age bands: which payer types cover children, adults and seniors (share of patients of that band).
BAND_PAYER_TYPE_WEIGHTS = {
    0: {"medicaid": 0.55, "commercial": 0.40, "tricare": 0.05},
    1: {"commercial": 0.66, "medicaid": 0.20, "tricare": 0.07, "medicare": 0.03, "medicare_advantage": 0.04},
    2: {"medicare": 0.52, "medicare_advantage": 0.40, "commercial": 0.05, "tricare": 0.03},
}
BAND_AGES = {0: (2, 17), 1: (18, 64), 2: (65, 92)}


def make_payers(policies: Policies) -> pd.DataFrame:
    """The `payers` table (`auth_required_codes`: the codes on each payer's published authorization lists)."""
    return pd.DataFrame(
        {
            "payer_id": [p.payer_id for p in PAYERS],
            "payer_name": [p.name for p in PAYERS],
            "payer_type": [p.payer_type for p in PAYERS],
            "timely_filing_days": [p.timely_filing_days for p in PAYERS],
            "appeal_deadline_days": [p.appeal_deadline_days for p in PAYERS],
            "auth_required_codes": [" ".join(published_auth_codes(policies, p.payer_id, p.payer_type)) for p in PAYERS],
        }
    )


def make_providers(rng: np.random.Generator, n_providers: int) -> pd.DataFrame:
    """Rendering providers (persons) and their billing groups (organisations), with hidden quality traits.

    Returns:
        Frame with the `providers` columns plus hidden columns `group_npi`, `volume`, `data_quality`,
        `coding_quality`, `doc_quality`, `lag_scale`, `fee_factor` (dropped before writing).
    """
    specialties = list(SPECIALTIES)
    shares = np.array([SPECIALTIES[s].share for s in specialties])
    spec = rng.choice(len(specialties), size=n_providers, p=shares / shares.sum())
    # Guarantee every specialty has at least one provider, so small worlds bill every kind of claim.
    spec[: len(specialties)] = np.arange(len(specialties))[: min(len(specialties), n_providers)]
    npis = _unique_npis(rng, n_providers + max(1, n_providers // 8) + len(specialties))
    n_groups = max(len(specialties), n_providers // 8)
    group_npi = npis[n_providers : n_providers + n_groups]
    group_of = np.where(
        np.arange(n_providers) < len(specialties),
        np.arange(n_providers) % n_groups,
        rng.integers(0, n_groups, n_providers),
    )
    people = pd.DataFrame(
        {
            "provider_npi": npis[:n_providers],
            "provider_name": [f"Provider {i:05d}" for i in range(n_providers)],
            "entity_type": "1",
            "taxonomy_code": [SPECIALTY_TAXONOMY[specialties[s]] for s in spec],
            "specialty": [specialties[s] for s in spec],
            "group_npi": group_npi[group_of],
            "volume": rng.lognormal(0.0, 0.8, n_providers),
            "data_quality": rng.lognormal(0.0, 0.7, n_providers),  # >1: sloppier claims
            "coding_quality": rng.lognormal(0.0, 0.5, n_providers),  # >1: more coding errors
            "doc_quality": rng.lognormal(0.0, 0.35, n_providers),  # >1: weaker documentation
            "lag_scale": rng.lognormal(0.0, 0.5, n_providers),
            "fee_factor": rng.uniform(0.8, 1.8, n_providers),  # chargemasters differ; fee schedules do not
        }
    )
    groups = pd.DataFrame(
        {
            "provider_npi": group_npi,
            "provider_name": [f"Group Practice {i:04d}" for i in range(n_groups)],
            "entity_type": "2",
            "taxonomy_code": "193200000X",
            "specialty": "multi_specialty_group",
        }
    )
    return pd.concat([people, groups], ignore_index=True)


def _unique_npis(rng: np.random.Generator, n: int) -> np.ndarray:
    values = rng.choice(900_000_000, size=n, replace=False) + 1_000_000_000
    return values.astype(str)


def make_patients(rng: np.random.Generator, n_patients: int, timeline: WorldTimeline) -> pd.DataFrame:
    """Patients in three age bands with a primary payer each (hidden columns `band`, `payer_id`, `weight`)."""
    band = rng.choice(3, size=n_patients, p=[0.18, 0.47, 0.35])
    lo = np.array([BAND_AGES[b][0] for b in range(3)])[band]
    hi = np.array([BAND_AGES[b][1] for b in range(3)])[band]
    age_days = (rng.uniform(lo, hi + 1) * 365.25).astype("int64")
    start = np.datetime64(timeline.start, "D")
    birth = start - age_days.astype("timedelta64[D]")
    payer_id = np.empty(n_patients, dtype=object)
    for b in range(3):
        idx = np.flatnonzero(band == b)
        ids, weights = _payer_weights_for_band(b)
        payer_id[idx] = rng.choice(ids, size=len(idx), p=weights)
    return pd.DataFrame(
        {
            "patient_id": number_ids("P", n_patients, 7),
            "birth_date": birth.astype("datetime64[ns]"),
            "sex": rng.choice(["F", "M"], size=n_patients, p=[0.54, 0.46]),
            "state": rng.choice(["PA", "NJ", "NY", "DE", "OH"], size=n_patients, p=[0.5, 0.2, 0.15, 0.05, 0.1]),
            "band": band,
            "payer_id": payer_id.astype(str),
            "weight": rng.lognormal(0.0, 0.9, n_patients),  # some patients visit far more often
        }
    )


def _payer_weights_for_band(band: int) -> tuple[list[str], np.ndarray]:
    type_weights = BAND_PAYER_TYPE_WEIGHTS[band]
    ids, weights = [], []
    for p in PAYERS:
        if p.payer_type in type_weights:
            same_type = sum(q.share for q in PAYERS if q.payer_type == p.payer_type)
            ids.append(p.payer_id)
            weights.append(type_weights[p.payer_type] * p.share / same_type)
    w = np.array(weights)
    return ids, w / w.sum()


def make_coverages(rng: np.random.Generator, patients: pd.DataFrame, timeline: WorldTimeline) -> pd.DataFrame:
    """Coverage spells: a primary payer from before history; some terminate and move to a new payer;
    some patients carry a second (secondary) payer. Hidden `_patient` is the patient's row."""
    n = len(patients)
    hist_start = np.datetime64(timeline.start, "D")
    cov_start = hist_start - rng.integers(30, 2000, n).astype("timedelta64[D]")
    terminates = rng.random(n) < 0.07
    term_day = hist_start + rng.integers(20, timeline.days - 20, n).astype("timedelta64[D]")
    cov_end = np.where(terminates, term_day, np.datetime64("NaT"))
    member = _member_ids(rng, n)
    primary = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy(),
            "payer_id": patients["payer_id"].to_numpy(),
            "member_id": member,
            "coverage_start": cov_start,
            "coverage_end": cov_end,
            "coverage_priority": "P",
            "_patient": np.arange(n),
        }
    )
    # Most who lose coverage get a new payer a few weeks later (a job change, Medicaid redetermination).
    movers = np.flatnonzero(terminates & (rng.random(n) < 0.8))
    ids, weights = _payer_weights_for_band(1)
    new_payer = rng.choice(ids, size=len(movers), p=weights)
    same = new_payer == patients["payer_id"].to_numpy()[movers]
    new_payer[same] = np.where(patients["payer_id"].to_numpy()[movers][same] == "COM02", "COM01", "COM02")
    second = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[movers],
            "payer_id": new_payer,
            "member_id": _member_ids(rng, len(movers)),
            "coverage_start": term_day[movers] + rng.integers(1, 45, len(movers)).astype("timedelta64[D]"),
            "coverage_end": np.datetime64("NaT"),
            "coverage_priority": "P",
            "_patient": movers,
        }
    )
    cob = np.flatnonzero((patients["band"].to_numpy() == 2) & (rng.random(n) < 0.15))
    secondary = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[cob],
            "payer_id": rng.choice(["COM03", "COM04"], size=len(cob)),
            "member_id": _member_ids(rng, len(cob)),
            "coverage_start": cov_start[cob],
            "coverage_end": np.datetime64("NaT"),
            "coverage_priority": "S",
            "_patient": cob,
        }
    )
    out = pd.concat([primary, second, secondary], ignore_index=True)
    for col in ("coverage_start", "coverage_end"):
        out[col] = out[col].astype("datetime64[ns]")
    return out


def _member_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=object)
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    prefix = letters[rng.integers(0, len(letters), (n, 3))]
    digits = rng.integers(0, 10**9, n)
    return np.char.add(
        np.char.add(np.char.add(prefix[:, 0], prefix[:, 1]), prefix[:, 2]),
        np.char.zfill(digits.astype(str), 9),
    ).astype(object)
