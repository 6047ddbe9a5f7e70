"""A claim as the explanation and check code sees it: raw fields, lines, feature values and reference lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from denial_ml.features.arrays import day_number
from denial_ml.features.auth_practice import INDEX_NAME as AUTH_INDEX
from denial_ml.features.auth_practice import authorization_shares, learnt_requirement, learnt_shares
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.history import lookup_codes
from denial_ml.features.one_claim_inputs import column, rows
from denial_ml.features.slice_evidence import (
    BatchEvidence,
    ClaimEvidence,
    SliceEvidence,
    batch_evidence,
    slice_evidence,
)


@dataclass
class ClaimView:
    """One claim's facts for sentences and checks.

    Attributes:
        claim: The claim's header fields (missing values are None).
        lines: Its lines, in line-number order.
        features: Model feature values by name (categoricals as their labels).
        builder: The fitted feature builder (payer rules, authorizations, history indexes).
    """

    claim: dict
    lines: list[dict]
    features: Mapping[str, Any]
    builder: FeatureBuilder
    cache: dict = field(default_factory=dict)

    @property
    def payer(self) -> str:
        """The payer id."""
        return self.claim["payer_id"]

    def date(self, name: str) -> dt.date | None:
        """A date field of the claim as a `datetime.date` (None when missing)."""
        return as_date(self.claim.get(name))

    def codes(self) -> list[str]:
        """Procedure codes of the lines, without repeats, in line order (computed once per view)."""
        if "codes" not in self.cache:
            codes = (line["procedure_code"] for line in self.lines if line["procedure_code"])
            self.cache["codes"] = list(dict.fromkeys(codes))
        found: list[str] = self.cache["codes"]
        return found

    def auth_required_codes(self) -> list[str]:
        """Codes on the claim for which this payer requires prior authorization: published, or learnt from the
        practice's recent claims (`learnt_auth_shares`)."""
        keys, learnt = self.builder.auth_required_keys_, self.learnt_auth_shares()
        return [c for c in self.codes() if f"{self.payer}|{c}" in keys or c in learnt]

    def learnt_auth_shares(self) -> dict[str, float]:
        """Codes on the claim not on the payer's published list whose recent claims mostly carried an
        authorization for them (see `denial_ml.features.auth_practice`): code -> share authorized."""
        if "learnt" not in self.cache:
            keys = self.learnable_auth_keys()
            index = self.builder.snapshot_.indexes.get(AUTH_INDEX)
            day = day_number(self.claim.get("submission_date")) if keys else np.nan
            shares = learnt_shares(index, keys, int(day)) if day == day else {}
            self.cache["learnt"] = {key.split("|", 1)[1]: share for key, share in shares.items()}
        learnt: dict[str, float] = self.cache["learnt"]
        return learnt

    def learnable_auth_keys(self) -> list[str]:
        """The claim's `payer|code` keys off the published list that the practice could have learnt."""
        learnable, published = self.builder.learnable_auth_keys_, self.builder.auth_required_keys_
        keys = [f"{self.payer}|{c}" for c in self.codes()]
        return [k for k in keys if k in learnable and k not in published]

    def describe_auth_codes(self, codes: list[str]) -> str:
        """The codes, with the evidence for each requirement the practice learnt rather than read on the payer's
        list ("97110 (not on COM01's published list; 95% of recent 97110 lines to COM01 carried one)")."""
        learnt = self.learnt_auth_shares()
        return ", ".join(
            f"{code} (not on {self.payer}'s published list; {learnt[code]:.0%} of recent {code} lines to "
            f"{self.payer} carried an authorization for it)"
            if code in learnt
            else code
            for code in codes
        )

    def auth_record(self) -> tuple[float, float, str, float] | None:
        """The authorization on file for the claim's number: (start day, end day, " codes ", units)."""
        number = self.claim.get("prior_auth_number")
        return self.builder.auths_.get(number) if number else None

    def slice_evidence(self) -> tuple[list[SliceEvidence], dict[str, np.ndarray]]:
        """What the payer's history shows for each slice of each line, and the patient's history of each line's
        service (`features.slice_evidence`), computed once per view."""
        if "slices" not in self.cache:
            source = self.cache.get("slice_source")  # `attach_slice_evidence`, `fill_slice_evidence`
            self.cache["slices"] = (
                source.evidence() if source else slice_evidence(self.builder, [self.claim], self.lines)
            )
        return self.cache["slices"]

    def worst_procedure(self) -> tuple[str, float, float, float]:
        """The line code this payer denied most often recently: (code, recent rate, long-run rate, n history)."""
        if "worst" not in self.cache:
            fill_worst_procedures([self])
        return self.cache["worst"]


def fill_worst_procedures(views: list[ClaimView]) -> None:
    """Cache every view's worst procedure (`ClaimView.worst_procedure`) from one pass over the history index: for
    a batch, one query of all lines instead of one per claim (~70 µs each); a single claim is a batch of one."""
    if not views:
        return
    if len(views) == 1 and (worst := _worst_of_one(views[0])) is not None:
        views[0].cache["worst"] = worst
        return
    codes = [v.codes() or [""] for v in views]
    owner = np.repeat(np.arange(len(views)), [len(c) for c in codes])
    flat = [c for cs in codes for c in cs]
    payers = [v.payer for v in views]
    keys = np.array([f"{payers[i]}|{c}" for i, c in zip(owner.tolist(), flat, strict=True)], dtype=object)
    days = np.array([day_number(v.claim["submission_date"]) for v in views]).astype(np.int64)[owner]
    recent, overall, n_recent = _procedure_rates(views[0].builder, keys, days)
    order = np.lexsort((np.arange(len(flat)), -np.nan_to_num(recent, nan=-1.0), owner))
    _, first = np.unique(owner[order], return_index=True)
    for view, j in zip(views, order[first].tolist(), strict=True):
        view.cache["worst"] = (flat[j], float(recent[j]), float(overall[j]), float(n_recent[j]))


def _worst_of_one(view: ClaimView) -> tuple[str, float, float, float] | None:
    """`fill_worst_procedures` of one view with the one-claim lookups (`rows`: the same sums as Python floats, the
    same divisions, the first of the highest recent rates, NaN ranked as -1); None without a submission day."""
    day = day_number(view.claim["submission_date"])
    if day != day:
        return None
    codes, builder = view.codes() or [""], view.builder
    index = builder.snapshot_.indexes["payer_proc"]
    n, d = len(codes), int(day)
    q = rows(index, [f"{view.payer}|{c}" for c in codes] * 2, [d] * n + [d - builder.recent_days] * n)
    denied = column(index, "denied")
    found = []
    for now, then in zip(q[:n], q[n:], strict=True):
        n_recent = now[0] - then[0]
        recent = (now[denied] - then[denied]) / max(n_recent, 1.0) if n_recent > 0 else np.nan
        found.append((recent, now[denied] / max(now[0], 1.0) if now[0] > 0 else np.nan, n_recent))
    j = max(range(n), key=lambda k: found[k][0] if found[k][0] == found[k][0] else -1.0)
    return (codes[j], *found[j])


def fill_learnt_auth_shares(views: list[ClaimView]) -> None:
    """Cache every view's `learnt_auth_shares` from one query of the authorization index for the whole batch
    (the same shares, by `learnt_requirement`, as each claim's own query of its keys on its submission day)."""
    index = views[0].builder.snapshot_.indexes.get(AUTH_INDEX) if views else None
    owner: list[int] = []
    keys: list[str] = []
    days: list[int] = []
    for i, view in enumerate(views):
        if "learnt" in view.cache:
            continue
        own = view.learnable_auth_keys()
        day = day_number(view.claim.get("submission_date")) if own else np.nan
        view.cache["learnt"] = {}
        if index is not None and day == day:
            owner += [i] * len(own)
            keys += own
            days += [int(day)] * len(own)
    if index is None or not keys:
        return
    n, authorized = authorization_shares(index, lookup_codes(index.codes, keys), np.array(days, dtype=np.int64))
    hits = learnt_requirement(n, authorized)
    for i, key, m, a, hit in zip(owner, keys, n.tolist(), authorized.tolist(), hits.tolist(), strict=True):
        if hit:
            views[i].cache["learnt"][key.split("|", 1)[1]] = a / m


def fill_slice_evidence(views: list[ClaimView]) -> None:
    """Give every view its slice evidence (`ClaimView.slice_evidence`) from one pass over the batch instead of one
    per claim (a few milliseconds each); views whose claim ids repeat are left to compute their own."""
    views = [v for v in views if "slices" not in v.cache and "slice_source" not in v.cache]
    ids = [v.claim["claim_id"] for v in views]
    if len(views) < 2 or len(set(ids)) != len(ids):  # lines are matched to their claims by id
        return
    lines = [line for v in views for line in v.lines]
    evidence = batch_evidence(views[0].builder, [v.claim for v in views], lines)
    for i, view in enumerate(views):
        view.cache["slice_source"] = ClaimEvidence(evidence, i)


def attach_slice_evidence(views: list[ClaimView], line_records: Sequence[dict], evidence: BatchEvidence) -> None:
    """Give each view the slice evidence of the feature pass that built its row (`views_from_records` over the
    same records), so one claim's explanation does not look its history up twice. A view gets it only when its
    lines are the records its features were built from, in that order (the evidence lists them in that order)
    and its claim id is unique; any other computes its own, as before."""
    ids = [v.claim["claim_id"] for v in views]
    if len(set(ids)) != len(ids):  # features match lines to claims by id
        return
    given: dict[str, list[int]] = {}
    for line in line_records:
        given.setdefault(line["claim_id"], []).append(id(line))
    for i, view in enumerate(views):
        if given.get(ids[i], []) == [id(line) for line in view.lines]:
            view.cache["slice_source"] = ClaimEvidence(evidence, i)


def _procedure_rates(builder: FeatureBuilder, keys: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, ...]:
    """Raw recent and long-run denial rates of payer|procedure keys before `days`, and the recent count."""
    index = builder.snapshot_.indexes["payer_proc"]
    now = index.before(keys, days)
    then = index.before(keys, days - builder.recent_days)
    n_recent = now["n"] - then["n"]
    recent = np.where(n_recent > 0, (now["denied"] - then["denied"]) / np.maximum(n_recent, 1), np.nan)
    overall = np.where(now["n"] > 0, now["denied"] / np.maximum(now["n"], 1), np.nan)
    return recent, overall, n_recent


def claim_views(claims: pd.DataFrame, lines: pd.DataFrame, X: np.ndarray, builder: FeatureBuilder) -> list[ClaimView]:
    """One view per claim, in the order of `claims`."""
    return views_from_records(frame_records(claims), frame_records(lines), X, builder)


def views_from_records(
    records: Sequence[dict], line_records: Sequence[dict], X: np.ndarray, builder: FeatureBuilder
) -> list[ClaimView]:
    """`claim_views` for claims and lines given as dicts (None for missing values) keyed by the data model's
    columns, with their feature matrix."""
    by_claim: dict[str, list[dict]] = {}
    for line in sorted(line_records, key=lambda r: (r["claim_id"], r["line_number"])):
        by_claim.setdefault(line["claim_id"], []).append(line)
    index = {name: j for j, name in enumerate(builder.feature_names_)}
    labels = dict(builder.categories_)
    return [
        ClaimView(record, by_claim.get(record["claim_id"], []), FeatureRow(row, index, labels), builder)
        for record, row in zip(records, X.tolist(), strict=True)
    ]


class FeatureRow(Mapping[str, Any]):
    """One claim's feature values by name (categoricals as their labels, None when missing), read from its row of
    the feature matrix when asked: a dict of every feature for every claim cost more than all the reads."""

    __slots__ = ("_index", "_labels", "_row")

    def __init__(self, row: list[float], index: dict[str, int], labels: Mapping[str, Sequence[str]]) -> None:
        self._row, self._index, self._labels = row, index, labels

    def __getitem__(self, name: str) -> Any:
        value = self._row[self._index[name]]
        if name not in self._labels:
            return value
        return None if value != value else self._labels[name][int(value)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def as_date(value: object) -> dt.date | None:
    """A date field's value (date, Timestamp, datetime64, ISO text; None, NaN or NaT when missing) as a date."""
    if type(value) is dt.date:  # `frame_records`' and the service's dates: no pandas call
        return value
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (NaN, NaT, pd.NA), dates (datetime64 columns) as
    `datetime.date`, the type the service's records carry.

    Built column by column: `DataFrame.to_dict("records")` costs milliseconds even for one row, and a column of
    dates converts at once, where a Timestamp per value costs microseconds each time it is read.
    """
    names = list(frame.columns)
    columns = [_column(frame[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _column(column: pd.Series) -> list:
    if column.dtype.kind == "M" and getattr(column.dtype, "tz", None) is None:
        return column.to_numpy().astype("datetime64[D]").tolist()  # NaT becomes None
    if len(column) <= 50:  # a pd.isna call per value beats a vectorised one for a few rows
        return [None if _missing(v) else v for v in column.tolist()]
    missing = column.isna().to_numpy()
    values = column.tolist()
    if not missing.any():
        return values
    return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
