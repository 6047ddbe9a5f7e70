"""The feature pipeline: one row per claim from the claim, its lines and a history snapshot.

`FeatureBuilder.transform` is a pure function of (claims, lines) given the fitted snapshot, so a batch can be
split into partitions (Dask, processes) and a single claim online gets exactly its batch row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.history import smoothed_rate, to_days
from denial_ml.features.snapshot import CATEGORY_COLUMNS, Snapshot, duplicate_keys

EM = {"99202", "99203", "99213", "99214", "99215"}
NEEDS_25 = {"20610", "11102", "17000", "17110", "93000"}
THERAPY = {"97110", "97140", "97530", "97112", "97161", "G0283"}
GP_PAYER_TYPES = {"medicare", "medicare_advantage", "tricare"}
TELEHEALTH_POS = {"02", "10"}
MODS = [f"modifier_{i}" for i in range(1, 5)]
PROVIDER_CATEGORIES = ("coding", "missing_information", "medical_necessity")

CATEGORICAL: dict[str, list[str]] = {
    "payer_id": [],  # filled from the snapshot's payers at fit time
    "payer_type": ["medicare", "medicare_advantage", "medicaid", "commercial", "tricare"],
    "claim_type": ["837P", "837I"],
    "place_of_service": ["02", "10", "11", "12", "19", "21", "22", "24", "81"],
    "specialty": [
        "primary_care",
        "physical_therapy",
        "behavioral_health",
        "radiology",
        "cardiology",
        "orthopedics",
        "dermatology",
        "unknown",
    ],
    "primary_procedure": sorted(PROCEDURE_BY_CODE),
    "principal_dx_group": sorted({d.group for d in DIAGNOSIS_BY_CODE.values()}),
    "eligibility_status": ["active", "inactive", "unknown"],
}
HISTORY_FEATURES = (
    [
        "hist_payer_proc_rate",
        "hist_payer_proc_recent",
        "hist_payer_proc_trend",
        "hist_payer_proc_n",
        "hist_payer_mod_rate",
        "hist_provider_rate",
        "hist_patient_prior_denials",
        "hist_patient_prior_claims",
        "hist_payer_rate",
        "hist_patient_payer_denials",
        "hist_patient_payer_eligibility_denials",
    ]
    + [f"hist_payer_{c}_rate" for c in CATEGORIES]
    + [f"hist_provider_{c}_rate" for c in PROVIDER_CATEGORIES]
)


class FeatureBuilder(BaseEstimator, TransformerMixin):
    """Point-in-time claim features (scikit-learn transformer contract).

    Args:
        smoothing: Prior strength (pseudo-claims) of smoothed history rates.
        recent_days: Window of the "recent" rates and trends.
    """

    def __init__(self, smoothing: float = 20.0, recent_days: int = 90) -> None:
        self.smoothing = smoothing
        self.recent_days = recent_days

    def fit(self, tables: dict[str, pd.DataFrame], y: object = None) -> FeatureBuilder:
        """Build the history snapshot from a world's tables."""
        return self.fit_snapshot(Snapshot.from_tables(tables))

    def fit_snapshot(self, snapshot: Snapshot) -> FeatureBuilder:
        """Use an already built (or loaded) snapshot."""
        self.snapshot_ = snapshot
        payers = snapshot.reference["payers"]
        self.categories_ = dict(CATEGORICAL, payer_id=sorted(payers["payer_id"]))
        self.payer_info_ = payers.set_index("payer_id")
        self.specialty_ = snapshot.reference["providers"].set_index("provider_npi")["specialty"]
        self.birth_ = snapshot.reference["patients"].set_index("patient_id")["birth_date"]
        cov = snapshot.reference["coverages"]
        self.member_keys_ = set(cov["patient_id"] + "|" + cov["payer_id"] + "|" + cov["member_id"])
        self.auths_ = snapshot.reference["authorizations"].set_index("auth_number")
        self.feature_names_ = list(self.categories_) + NUMERIC_FEATURES + HISTORY_FEATURES
        return self

    def transform(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        """Feature rows, in the order of `claims`, with the fixed column order `feature_names_`."""
        claims = claims.reset_index(drop=True)
        line_feats = self._line_features(claims, lines)
        head = self._claim_features(claims)
        hist = self._history_features(claims, lines)
        out = pd.concat([head, line_feats, hist], axis=1)
        for col, cats in self.categories_.items():
            out[col] = pd.Categorical(out[col].where(out[col].isin(cats)), categories=cats)
        return out[self.feature_names_]

    def _claim_features(self, claims: pd.DataFrame) -> pd.DataFrame:
        payer = self.payer_info_.reindex(claims["payer_id"])
        service = claims["service_date_from"]
        lag = (claims["submission_date"] - service).dt.days.to_numpy()
        limit = payer["timely_filing_days"].to_numpy(dtype=float)
        dx = claims["diagnosis_codes"].fillna("").str.split(" ")
        principal = dx.str[0]
        birth = claims["patient_id"].map(self.birth_)
        check_gap = (service - claims["eligibility_check_date"]).dt.days
        member_key = claims["patient_id"] + "|" + claims["payer_id"] + "|" + claims["member_id"].fillna("")
        return pd.DataFrame(
            {
                "payer_id": claims["payer_id"].to_numpy(),
                "payer_type": payer["payer_type"].to_numpy(),
                "claim_type": claims["claim_type"].to_numpy(),
                "place_of_service": claims["place_of_service"].to_numpy(),
                "specialty": claims["rendering_provider_npi"]
                .map(self.specialty_)
                .fillna("unknown")
                .to_numpy(),
                "principal_dx_group": principal.map(_dx_group).to_numpy(),
                "eligibility_status": claims["eligibility_status"].to_numpy(),
                "n_dx": dx.str.len().to_numpy(),
                "inactive_dx": _any_inactive(claims["diagnosis_codes"], service).astype(float),
                "missing_rendering_npi": claims["rendering_provider_npi"].isna().to_numpy(dtype=float),
                "lag_days": lag,
                "filing_days_left": limit - lag,
                "past_filing_limit": (lag > limit).astype(float),
                "eligibility_checked": claims["eligibility_checked"].to_numpy(dtype=float),
                "eligibility_check_gap": check_gap.to_numpy(dtype=float),
                "member_id_known": member_key.isin(self.member_keys_).to_numpy(dtype=float),
                "patient_age": ((service - birth).dt.days / 365.25).to_numpy(dtype=float),
                "is_replacement": (claims["claim_frequency_code"] == "7").to_numpy(dtype=float),
                "log_total_charge": np.log1p(claims["total_charge"].to_numpy(dtype=float)),
            }
        )

    def _line_features(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        pos = pd.Series(np.arange(len(claims)), index=claims["claim_id"])
        ln = lines[lines["claim_id"].isin(pos.index)]
        c = pos.reindex(ln["claim_id"]).to_numpy()
        code = ln["procedure_code"].to_numpy(dtype=str)
        mods = ln[MODS].fillna("").to_numpy().astype(str)
        has = {m: (mods == m).any(axis=1) for m in ("25", "59", "GP", "95", "GT", "XU")}
        n = len(claims)
        payer_type = self.payer_info_.reindex(claims["payer_id"])["payer_type"].to_numpy()[c]
        tele_claim = claims["place_of_service"].isin(TELEHEALTH_POS).to_numpy()[c]
        is_em = np.isin(code, list(EM))
        claim_needs25 = _any_by_claim(c, np.isin(code, list(NEEDS_25)), n)[c]
        invalid = _invalid_modifier(code, mods)
        therapy = np.isin(code, list(THERAPY))
        has_pair = _any_by_claim(c, np.isin(code, ["97530", "97110"]), n)[c]
        line_dx_fit = self._line_dx_fit(claims, ln, c, code)
        auth = self._auth_match(claims, ln, c, code)
        flags = pd.DataFrame(
            {
                "missing_25": is_em & claim_needs25 & ~has["25"],
                "therapy_without_gp": therapy & np.isin(payer_type, list(GP_PAYER_TYPES)) & ~has["GP"],
                "telehealth_without_modifier": tele_claim
                & (is_em | np.char.startswith(code, "908"))
                & ~(has["95"] | has["GT"]),
                "invalid_modifier": invalid,
                "mod59_on_97140": (code == "97140") & has["59"] & has_pair,
                "has_mod_25": has["25"],
                "has_mod_59": has["59"] | has["XU"],
                "missing_pointer": ln["diagnosis_pointers"].isna().to_numpy(),
                "line_dx_misfit": ~line_dx_fit,
                "auth_required": auth["required"],
                "auth_code_mismatch": auth["mismatch"],
            }
        ).astype(float)
        agg = flags.groupby(c).max().reindex(np.arange(n), fill_value=0.0)
        units = (
            pd.Series(ln["units"].to_numpy(dtype=float)).groupby(c).agg(["sum", "max"]).reindex(np.arange(n))
        )
        first = pd.Series(code).groupby(c).first().reindex(np.arange(n))
        nmods = pd.Series((mods != "").sum(axis=1)).groupby(c).sum().reindex(np.arange(n), fill_value=0)
        agg["primary_procedure"] = first.to_numpy()
        agg["n_lines"] = np.bincount(c, minlength=n).astype(float)
        agg["total_units"] = units["sum"].to_numpy()
        agg["max_units"] = units["max"].to_numpy()
        agg["n_modifiers"] = nmods.to_numpy(dtype=float)
        agg["auth_number_present"] = claims["prior_auth_number"].notna().to_numpy(dtype=float)
        agg["auth_found"] = auth["found"]
        agg["auth_expired"] = auth["expired"]
        agg["auth_units_exceeded"] = _units_exceeded(c, code, ln["units"].to_numpy(dtype=float), auth, n)
        return agg.reset_index(drop=True)

    def _line_dx_fit(
        self, claims: pd.DataFrame, ln: pd.DataFrame, c: np.ndarray, code: np.ndarray
    ) -> np.ndarray:
        dx = (
            claims["diagnosis_codes"].fillna("").str.split(" ", expand=True).fillna("").to_numpy(dtype=object)
        )
        ptr = pd.to_numeric(
            ln["diagnosis_pointers"].fillna("1").astype(str).str.split(" ").str[0], errors="coerce"
        )
        k = np.clip(ptr.fillna(1).to_numpy(dtype=np.int64) - 1, 0, dx.shape[1] - 1)
        line_dx = dx[c, k] if len(c) else np.array([], dtype=object)
        group = pd.Series(line_dx, dtype=object).map(_DX_GROUP).fillna("?")
        return (group + "|" + pd.Series(code, dtype=object)).isin(_FIT_PAIRS).to_numpy()

    def _auth_match(self, claims: pd.DataFrame, ln: pd.DataFrame, c: np.ndarray, code: np.ndarray) -> dict:
        n = len(claims)
        pairs = self.payer_info_["auth_required_codes"].str.split(" ").explode()
        required_keys = set(pairs.index + "|" + pairs.astype(str))
        payer = claims["payer_id"].to_numpy(dtype=object)[c]
        required = (pd.Series(payer, dtype=object) + "|" + code).isin(required_keys).to_numpy()
        number = claims["prior_auth_number"]
        found_mask = number.isin(self.auths_.index).to_numpy()
        auth = self.auths_.reindex(number.where(found_mask))
        service = claims["service_date_from"].to_numpy()
        expired = found_mask & ~(
            (auth["start_date"].to_numpy() <= service) & (service <= auth["end_date"].to_numpy())
        )
        auth_codes = (" " + auth["procedure_codes"].fillna("") + " ").to_numpy(dtype=object)[c]
        covered = np.array([f" {x} " in s for x, s in zip(code, auth_codes, strict=True)], dtype=bool)
        mismatch = found_mask[c] & required & ~covered
        return {
            "required": required,
            "mismatch": mismatch,
            "found": found_mask.astype(float),
            "expired": expired.astype(float),
            "covered": covered & found_mask[c],
            "units_authorized": auth["units_authorized"].to_numpy(dtype=float),
            "n": n,
        }

    def _history_features(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        idx = self.snapshot_.indexes
        day = to_days(claims["submission_date"])
        recent = day - self.recent_days
        m = self.smoothing
        allq = idx["all"].before(np.full(len(claims), "all"), day)
        prior = smoothed_rate(allq["denied"], allq["n"], 0.12, m)
        payer_now = idx["payer"].before(claims["payer_id"], day)
        out = {"hist_payer_rate": smoothed_rate(payer_now["denied"], payer_now["n"], prior, m)}
        for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
            out[f"hist_payer_{cat}_rate"] = smoothed_rate(payer_now[col], payer_now["n"], prior / 8, m)
        prov = idx["provider"].before(claims["rendering_provider_npi"].fillna("none"), day)
        out["hist_provider_rate"] = smoothed_rate(prov["denied"], prov["n"], prior, m)
        for cat in PROVIDER_CATEGORIES:
            out[f"hist_provider_{cat}_rate"] = smoothed_rate(prov[f"cat_{cat}"], prov["n"], prior / 8, m)
        pp = idx["patient_payer"].before(claims["patient_id"] + "|" + claims["payer_id"], day)
        out["hist_patient_payer_denials"] = pp["denied"]
        out["hist_patient_payer_eligibility_denials"] = pp["cat_eligibility"]
        pat = idx["patient"].before(claims["patient_id"], day)
        out["hist_patient_prior_denials"] = pat["denied"]
        out["hist_patient_prior_claims"] = pat["n"]

        pos = pd.Series(np.arange(len(claims)), index=claims["claim_id"])
        ln = lines[lines["claim_id"].isin(pos.index)]
        c = pos.reindex(ln["claim_id"]).to_numpy()
        payer = claims["payer_id"].to_numpy()[c]
        key = pd.Series(payer, dtype=object) + "|" + ln["procedure_code"].astype(str).to_numpy()
        now = idx["payer_proc"].before(key, day[c])
        then = idx["payer_proc"].before(key, recent[c])
        rate = smoothed_rate(now["denied"], now["n"], prior[c], m)
        recent_rate = smoothed_rate(now["denied"] - then["denied"], now["n"] - then["n"], rate, m)
        line_frame = pd.DataFrame(
            {"c": c, "rate": rate, "recent": recent_rate, "trend": recent_rate - rate, "n": now["n"]}
        )
        worst = line_frame.sort_values("recent", ascending=False).drop_duplicates("c").set_index("c")
        worst = worst.reindex(np.arange(len(claims)))
        out["hist_payer_proc_rate"] = worst["rate"].to_numpy()
        out["hist_payer_proc_recent"] = worst["recent"].to_numpy()
        out["hist_payer_proc_trend"] = worst["trend"].to_numpy()
        out["hist_payer_proc_n"] = worst["n"].to_numpy()
        mod_rates = []
        for col in MODS[:2]:
            mk = pd.Series(payer, dtype=object) + "|" + ln[col].fillna("none").astype(str).to_numpy()
            q = idx["payer_mod"].before(mk, day[c])
            mod_rates.append(
                np.where(ln[col].notna().to_numpy(), smoothed_rate(q["denied"], q["n"], prior[c], m), 0)
            )
        mod_max = (
            pd.Series(np.maximum(*mod_rates)).groupby(c).max().reindex(np.arange(len(claims)), fill_value=0)
        )
        out["hist_payer_mod_rate"] = mod_max.to_numpy()
        dup_key = duplicate_keys(
            pd.Series(claims["patient_id"].to_numpy()[c]),
            ln["service_date"].reset_index(drop=True),
            ln["procedure_code"].reset_index(drop=True),
        )
        dups = idx["submitted"].before(dup_key, day[c])["n"]
        out["dup_earlier_claims"] = (
            pd.Series(dups).groupby(c).max().reindex(np.arange(len(claims)), fill_value=0)
        )
        return pd.DataFrame(out).reset_index(drop=True)


NUMERIC_FEATURES = [
    "n_dx",
    "inactive_dx",
    "missing_rendering_npi",
    "lag_days",
    "filing_days_left",
    "past_filing_limit",
    "eligibility_checked",
    "eligibility_check_gap",
    "member_id_known",
    "patient_age",
    "is_replacement",
    "log_total_charge",
    "missing_25",
    "therapy_without_gp",
    "telehealth_without_modifier",
    "invalid_modifier",
    "mod59_on_97140",
    "has_mod_25",
    "has_mod_59",
    "missing_pointer",
    "line_dx_misfit",
    "auth_required",
    "auth_code_mismatch",
    "n_lines",
    "total_units",
    "max_units",
    "n_modifiers",
    "auth_number_present",
    "auth_found",
    "auth_expired",
    "auth_units_exceeded",
    "dup_earlier_claims",
]


_DX_GROUP = {d.code: d.group for d in DIAGNOSIS_BY_CODE.values()}
_DX_START = {d.code: float(np.datetime64(d.start, "D").astype(np.int64)) for d in DIAGNOSIS_BY_CODE.values()}
_DX_STOP = {d.code: float(np.datetime64(d.stop, "D").astype(np.int64)) for d in DIAGNOSIS_BY_CODE.values()}
_FIT_PAIRS = {f"{g}|{p.code}" for p in PROCEDURE_BY_CODE.values() for g in p.dx_groups}
_ACCEPTED = {f"{p.code}|{m}" for p in PROCEDURE_BY_CODE.values() for m in p.modifiers}


def _dx_group(code: str) -> str | None:
    return _DX_GROUP.get(code)


def _invalid_modifier(code: np.ndarray, mods: np.ndarray) -> np.ndarray:
    """Lines carrying a modifier their procedure does not accept (or an unknown procedure)."""
    known = pd.Series(code, dtype=object).isin(PROCEDURE_BY_CODE).to_numpy()
    bad = ~known
    for j in range(mods.shape[1]):
        m = mods[:, j]
        key = pd.Series(code, dtype=object) + "|" + pd.Series(m, dtype=object)
        bad |= (m != "") & ~key.isin(_ACCEPTED).to_numpy()
    return bad


def _any_inactive(diagnosis_codes: pd.Series, service: pd.Series) -> np.ndarray:
    """Whether any diagnosis code is unknown or inactive on the service date."""
    table = diagnosis_codes.fillna("").str.split(" ", expand=True)
    day = to_days(service)
    out = np.zeros(len(diagnosis_codes), dtype=bool)
    for col in table.columns:
        codes = table[col].fillna("")
        present = codes.to_numpy(dtype=object) != ""
        start = codes.map(_DX_START).to_numpy(dtype=float)
        stop = codes.map(_DX_STOP).to_numpy(dtype=float)
        active = (start <= day) & (day <= stop)
        out |= present & ~active
    return out


def _any_by_claim(c: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(c, weights=mask, minlength=n) > 0


def _units_exceeded(c: np.ndarray, code: np.ndarray, units: np.ndarray, auth: dict, n: int) -> np.ndarray:
    used = np.bincount(c, weights=units * auth["covered"], minlength=n)
    limit = auth["units_authorized"]
    return np.where(np.isnan(limit), 0.0, (used > limit).astype(float))
