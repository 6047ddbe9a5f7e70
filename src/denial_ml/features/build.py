"""The feature pipeline: one row per claim from the claim, its lines and a history snapshot.

`FeatureBuilder.transform` is a pure function of (claims, lines) given the fitted snapshot, so a batch can be
split into partitions (Dask, processes) and a single claim online gets exactly its batch row. The work is done
on numpy arrays with dict lookups, so one claim costs about a millisecond and a million claims seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from denial_ml.features import line_features as lf
from denial_ml.features.arrays import (
    ClaimArrays,
    LineArrays,
    claim_arrays,
    claim_arrays_from_records,
    line_arrays,
    line_arrays_from_records,
)
from denial_ml.features.auth_practice import INDEX_NAME as AUTH_INDEX
from denial_ml.features.auth_practice import learnable_keys, learnt_lines
from denial_ml.features.code_families import procedure_levels
from denial_ml.features.coverage import coverage_features, index_spells
from denial_ml.features.history import smoothed_rate, to_days
from denial_ml.features.history_features import (
    HISTORY_FEATURES,
    LineHistoryKeys,
    ModifierKeys,
    claim_history,
    key_codes,
    line_history,
)
from denial_ml.features.keys import BatchLines, ClaimKeys, batch_lines, claim_keys, day_strings
from denial_ml.features.line_features import AuthRecord, join_keys
from denial_ml.features.lookup import Keys, encode, encode_pairs, in_set, map_floats, map_keys
from denial_ml.features.slice_keys import slice_lines
from denial_ml.features.slices import (
    PATIENT_FEATURES,
    SLICE_FEATURES,
    SliceLookups,
    birth_days,
    features_of_lookups,
    sexes,
    slice_lookups,
)
from denial_ml.features.snapshot import Snapshot
from denial_ml.features.spec import CATEGORICAL, NUMERIC_FEATURES

_BLOCK = 4096  # rows per block when filling the feature matrix


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
        """Use an already built (or loaded) snapshot: index its reference tables for per-key lookups."""
        ref = snapshot.reference
        self.snapshot_ = snapshot
        payers = ref["payers"]
        self.categories_ = dict(CATEGORICAL, payer_id=sorted(payers["payer_id"]))
        self.category_codes_ = {k: {v: float(i) for i, v in enumerate(cats)} for k, cats in self.categories_.items()}
        self.payer_type_ = dict(zip(payers["payer_id"], payers["payer_type"], strict=True))
        self.timely_days_ = dict(zip(payers["payer_id"], payers["timely_filing_days"].astype(float), strict=True))
        pairs = payers.set_index("payer_id")["auth_required_codes"].fillna("").str.split(" ").explode()
        self.auth_required_keys_ = set(pairs.index + "|" + pairs.astype(str))
        self.learnable_auth_keys_ = learnable_keys(snapshot.indexes.get(AUTH_INDEX))
        providers = ref["providers"]
        self.specialty_ = dict(zip(providers["provider_npi"], providers["specialty"], strict=True))
        patients = ref["patients"]
        self.birth_day_ = birth_days(patients)
        self.sex_ = sexes(patients)
        cov = ref["coverages"]
        self.member_keys_ = set(cov["patient_id"] + "|" + cov["payer_id"] + "|" + cov["member_id"])
        self.coverage_spells_ = index_spells(cov)
        auths = ref["authorizations"]
        self.auths_ = {
            number: AuthRecord(float(start), float(end), f" {codes} ", float(units))
            for number, start, end, codes, units in zip(
                auths["auth_number"].tolist(),  # lists: iterating an Arrow-backed Series boxes value by value
                to_days(auths["start_date"]),
                to_days(auths["end_date"]),
                auths["procedure_codes"].fillna("").tolist(),
                auths["units_authorized"].tolist(),
                strict=True,
            )
        }
        self.feature_names_ = (
            list(self.categories_) + NUMERIC_FEATURES + HISTORY_FEATURES + SLICE_FEATURES + PATIENT_FEATURES
        )
        return self

    def transform(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        """Feature rows, in the order of `claims`, with the fixed column order `feature_names_`."""
        return self.to_frame(self.transform_array(claims, lines))

    def transform_array(self, claims: pd.DataFrame, lines: pd.DataFrame) -> np.ndarray:
        """Feature matrix (float64, categoricals as their level's position, NaN when unknown).

        LightGBM maps a pandas categorical to exactly these codes, so predicting from this array gives the same
        scores as from `transform`'s frame without the per-call cost of building a DataFrame.
        """
        return self._matrix(self.columns(claims, lines))

    def transform_array_with_slices(self, claims: pd.DataFrame, lines: pd.DataFrame) -> tuple[np.ndarray, SliceLookups]:
        """`transform_array`, and the slice history its lines were looked up with (`transform_records_with_slices`
        for frames)."""
        kept: list[SliceLookups] = []
        return self._matrix(self.columns_from_arrays(claim_arrays(claims), line_arrays(lines), kept)), kept[0]

    def _matrix(self, cols: dict[str, np.ndarray]) -> np.ndarray:
        missing = [name for name in self.feature_names_ if name not in cols]
        if missing:  # a feature the fitted names promise but the code did not build: say which
            raise KeyError(f"features not built: {', '.join(missing)}")
        n = len(cols["payer_id"])
        values = [cols[name] for name in self.feature_names_]
        out = np.empty((n, len(values)))
        # Columns go into a small column-major block that stays in cache, then the block into the rows: writing
        # each column straight into the row-major matrix strides through all of it once per column.
        block = np.empty((len(values), min(n, _BLOCK)))
        for lo in range(0, n, _BLOCK):
            hi = min(n, lo + _BLOCK)
            for j, col in enumerate(values):
                block[j, : hi - lo] = col[lo:hi]
            out[lo:hi] = block[:, : hi - lo].T
        return out

    def to_frame(self, X: np.ndarray) -> pd.DataFrame:
        """The feature matrix as a DataFrame with pandas categoricals (what the models were trained on).

        The numeric columns are a view of `X`, not a copy (a million claims' matrix is 700 MB): the frame is
        for a matrix no one else writes to, as `transform`'s.
        """
        names = self.feature_names_
        position = {name: j for j, name in enumerate(names)}
        cat_columns = sorted(position[col] for col in self.categories_)
        if cat_columns == list(range(len(cat_columns))):  # the categoricals come first: the rest is a slice
            numeric = X[:, len(cat_columns) :]
        else:
            numeric = np.delete(X, cat_columns, axis=1)
        frame = pd.DataFrame(numeric, columns=[n for j, n in enumerate(names) if j not in cat_columns], copy=False)
        for j in cat_columns:  # ascending, so each lands at its own position
            codes = np.nan_to_num(X[:, j], nan=-1).astype(np.int64)
            frame.insert(j, names[j], pd.Categorical.from_codes(codes, categories=self.categories_[names[j]]))
        return frame

    def transform_records(self, claims: Sequence[dict], lines: Sequence[dict]) -> np.ndarray:
        """`transform_array` for claims and lines given as dicts keyed by the data model's column names (the
        service's path: the same matrix without building a DataFrame)."""
        return self.transform_records_with_slices(claims, lines)[0]

    def transform_records_with_slices(
        self, claims: Sequence[dict], lines: Sequence[dict]
    ) -> tuple[np.ndarray, SliceLookups]:
        """`transform_records`, and the slice history its lines were looked up with (for the explanations,
        which would otherwise look it all up again: `denial_ml.features.slice_evidence.BatchEvidence`)."""
        kept: list[SliceLookups] = []
        a, la = claim_arrays_from_records(claims), line_arrays_from_records(lines)
        return self._matrix(self.columns_from_arrays(a, la, kept)), kept[0]

    def columns(self, claims: pd.DataFrame, lines: pd.DataFrame) -> dict[str, np.ndarray]:
        """Every feature as a named array (categoricals already coded), one value per claim."""
        return self.columns_from_arrays(claim_arrays(claims), line_arrays(lines))

    def columns_from_arrays(
        self, a: ClaimArrays, la: LineArrays, kept: list[SliceLookups] | None = None
    ) -> dict[str, np.ndarray]:
        """`columns` from `denial_ml.features.arrays`' claim and line arrays (`kept` gets the slice lookups)."""
        keys = claim_keys(a)
        cols = self._claim_features(a, keys)
        cols.update(self._line_and_history_features(a, la, keys, kept))
        for col, codes in self.category_codes_.items():
            value = cols[col]
            position, distinct = value if isinstance(value, Keys) else encode(value)
            cols[col] = map_floats(codes, distinct)[position]
        return cast(dict[str, np.ndarray], cols)

    def _claim_features(self, a: ClaimArrays, keys: ClaimKeys) -> dict[str, np.ndarray | Keys]:
        """Claim header features; categoricals as `Keys` (position, distinct values) to be coded once per value."""
        payer, payers = keys.payer
        patient, patients = keys.patient
        npi, npis = keys.npi
        dx_row, dx_lists = keys.dx
        limit = map_floats(self.timely_days_, payers)[payer]
        lag = a.submit_day - a.service_day
        pairs, pair_keys = keys.patient_payer
        member, members = encode(a.member)
        member_pair, pair_of, member_of = encode_pairs(pairs, len(members), member)
        member_known = in_set(self.member_keys_, join_keys(pair_keys[pair_of], members[member_of]))[member_pair]
        coverage = coverage_features(self.coverage_spells_, keys.patient_payer, a.service_day, a.submit_day)
        return coverage | {
            "payer_id": Keys(payer, payers),
            "payer_type": Keys(payer, map_keys(self.payer_type_, payers)),
            "claim_type": keys.claim_type,
            "place_of_service": keys.pos,
            "specialty": Keys(npi, map_keys(self.specialty_, npis, "unknown")),
            "principal_dx_group": Keys(dx_row, _object_array([lf.dx_group(dx[0]) for dx in dx_lists])),
            "eligibility_status": a.eligibility_status,
            "n_dx": np.array([len(dx) for dx in dx_lists], dtype=float)[dx_row],
            "inactive_dx": lf.any_inactive(dx_lists, dx_row, a.service_day).astype(float),
            "missing_rendering_npi": (a.provider == "").astype(float),
            "lag_days": lag.astype(float),
            "filing_days_left": limit - lag,
            "past_filing_limit": (lag > limit).astype(float),
            "eligibility_checked": a.eligibility_checked,
            "eligibility_check_gap": a.service_day - a.check_day,
            "member_id_known": member_known.astype(float),
            "patient_age": (a.service_day - map_floats(self.birth_day_, patients)[patient]) / 365.25,
            "is_replacement": (a.frequency == "7").astype(float),
            "log_total_charge": np.log1p(a.charge),
            "auth_number_present": (a.auth_number != "").astype(float),
        }

    def _line_and_history_features(
        self, a: ClaimArrays, la: LineArrays, keys: ClaimKeys, kept: list[SliceLookups] | None
    ) -> dict[str, np.ndarray]:
        n = len(a.payer)
        payer, payers = keys.payer
        ln = batch_lines(a, la)
        c, code, mods, units = ln.claim, ln.code, ln.mods, ln.units
        combo, combo_line = lf.encode_lines(code, mods)
        claim_type, claim_types = keys.claim_type
        flags = lf.line_flags(lf.code_flags(code[combo_line], mods[combo_line]), combo).by_feature()
        # An institutional claim (837I / UB-04) has no line diagnosis pointers: each line stands on all the
        # claim's diagnoses, so its pointer features use only that (as when it is read from an 837I file).
        institutional = (claim_types == "837I")[claim_type][c]
        flags["missing_pointer"] = (ln.pointers == "") & ~institutional
        flags["line_dx_misfit"] = ~lf.line_dx_fit(keys.dx.lists, keys.dx.row, c, ln.pointers, code, institutional)
        # Payer x (procedure, modifiers) pairs: the keys of the payer x procedure and payer x modifier indexes.
        pair, pair_payer, pair_combo = encode_pairs(payer[c], len(combo_line), combo)
        pair_payers, pair_line = payers[pair_payer], combo_line[pair_combo]
        proc_keys = Keys(pair, join_keys(pair_payers, code[pair_line]))
        day = a.submit_day.astype(np.int64)
        learnt = learnt_lines(self.snapshot_.indexes.get(AUTH_INDEX), proc_keys, day[c])
        auth = lf.auth_match(
            self.auths_,
            a.auth_number,
            a.service_day,
            c,
            code,
            in_set(self.auth_required_keys_, proc_keys.distinct)[pair] | learnt,
        )
        flags["auth_required"] = auth.required
        flags["auth_code_mismatch"] = auth.mismatch
        out = {name: lf.any_by_claim(c, mask, n).astype(float) for name, mask in flags.items()}
        counts = np.bincount(c, minlength=n).astype(float)
        has_lines = counts > 0
        first = np.full(n, None, dtype=object)
        seen, idx = np.unique(c, return_index=True)
        first[seen] = code[idx]
        first = procedure_levels(first)
        max_units = np.full(n, -np.inf)
        np.maximum.at(max_units, c, units)
        out.update(
            primary_procedure=first,
            n_lines=counts,
            total_units=np.where(has_lines, np.bincount(c, weights=units, minlength=n), np.nan),
            max_units=np.where(has_lines, max_units, np.nan),
            n_modifiers=np.bincount(c, weights=(mods != "").sum(axis=1), minlength=n),
            auth_found=auth.found,
            auth_expired=auth.expired,
            auth_units_exceeded=lf.units_exceeded(c, units, auth, n),
        )
        hist, prior = claim_history(self.snapshot_.indexes, day, keys, self.smoothing)
        out.update(hist)
        mod_keys = []
        for j in range(2):
            mod = mods[pair_line, j]
            mod_keys.append(
                ModifierKeys(Keys(pair, join_keys(pair_payers, np.where(mod == "", "none", mod))), mods[:, j] != "")
            )
        patient, patients = keys.patient
        line_keys = LineHistoryKeys(
            claim=c,
            proc=proc_keys,
            mods=tuple(mod_keys),
            dup=join_keys(patients[patient[c]], day_strings(ln.service_day), code),
        )
        out.update(line_history(self.snapshot_.indexes, day, prior, line_keys, self.smoothing, self.recent_days))
        found = self._slice_lookups(a, ln, keys, proc_keys, day, prior)
        if kept is not None:
            kept.append(found)
        out.update(features_of_lookups(found, len(a.payer)))
        return out

    def _slice_lookups(
        self, a: ClaimArrays, ln: BatchLines, keys: ClaimKeys, proc_keys: Keys, day: np.ndarray, prior: np.ndarray
    ) -> SliceLookups:
        """What the slice lifts and the patient's history of the same services are made of
        (`denial_ml.features.slices`)."""
        idx, c = self.snapshot_.indexes, ln.claim
        proc = idx["payer_proc"].before_codes(key_codes(idx["payer_proc"], proc_keys), day[c])
        proc_rate = smoothed_rate(proc["denied"], proc["n"], prior[c], self.smoothing)
        s = slice_lines(a, ln, keys, self.birth_day_, self.sex_)
        return slice_lookups(idx, s, day[c], proc_rate, self.smoothing)


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
