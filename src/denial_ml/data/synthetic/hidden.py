"""The generator's hidden state: the latent facts its stages pass on and no written table shows.

Hidden columns ride on the working frames (claims, claim lines, providers, patients, coverages), so every
re-ordering, copy and gather of rows carries them along. Each one is declared here with the stage that adds it
and what it means, and three functions are the only ways to touch them:

- `add_hidden`: a stage adds hidden columns (an undeclared name is an error, so a typo cannot start a new one);
- `hidden`: a stage reads one (a missing one is an error naming it and the stage that adds it);
- `public`: the one place they are dropped, before the tables are returned (an undeclared extra column is an
  error, so nothing latent reaches a written table by accident).

Underscored names are the generator's own bookkeeping and defects; the others (a provider's `doc_quality`, a
patient's `band`) are latent traits drawn with the entity. `ClaimDefects` and `LineDefects` are the typed
view of the defects the adjudication stage turns into denial hazards.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from denial_ml.schemas import TABLES


class HiddenStateError(LookupError):
    """A hidden column is undeclared, missing when a stage reads it, or left over when the tables are written."""


@dataclass(frozen=True)
class Hidden:
    """A declared hidden column: the stage that adds it and what it holds."""

    stage: str
    meaning: str


CLAIM_HIDDEN: dict[str, Hidden] = {
    "_prov": Hidden("claims.draw_headers", "row of the rendering provider among the individual providers"),
    "_patient": Hidden("claims.draw_headers", "row of the patient in the patients frame"),
    "_service": Hidden("claims.draw_headers", "service date (datetime64[D]) before the date columns exist"),
    "specialty": Hidden("claims.draw_headers", "the rendering provider's specialty"),
    "_coverage_inactive": Hidden("claims.assign_payers", "billed to a payer whose coverage had lapsed"),
    "_member_typo": Hidden("claims.add_member_typos_and_missing_npi", "the member id was mistyped"),
    "_dx_misfit": Hidden("diagnoses.add_diagnoses", "the principal diagnosis does not support the first procedure"),
    "_inactive_dx": Hidden("diagnoses.add_diagnoses", "a diagnosis code inactive on the service date was billed"),
    "_auth_needed": Hidden("auths.make_authorizations", "a line needs authorization (published or unannounced)"),
    "_auth_missing": Hidden("auths.make_authorizations", "authorization needed, none on the claim"),
    "_auth_expired": Hidden("auths.make_authorizations", "the claim's authorization ended before the service"),
    "_src": Hidden("world._resend_claims", "row of the claim a replacement (frequency 7) replaces; -1 otherwise"),
    "_duplicate": Hidden("world._resend_claims", "a plain duplicate of an earlier claim"),
    "_adj_date": Hidden("outcomes.adjudication_dates", "remittance date; NaT while still pending at the end"),
}
LINE_HIDDEN: dict[str, Hidden] = {
    "_c": Hidden("lines.draw_lines", "row of the line's claim"),
    "_modifiers": Hidden("lines.add_modifiers", "the modifiers space-joined, as the 835's SVC01 lists them"),
    "_miss25": Hidden("lines.add_modifiers", "an E/M line that needed modifier 25 went without"),
    "_miss_tele": Hidden("lines.add_modifiers", "a telehealth line without 95 / GT"),
    "_miss_gp": Hidden("lines.add_modifiers", "a therapy line without the GP its payer requires"),
    "_bad_modifier": Hidden("lines.add_modifiers", "a modifier the procedure does not accept"),
    "_missing_pointer": Hidden("diagnoses.add_diagnoses", "the diagnosis pointer was left off"),
    "_auth_wrong_code": Hidden("auths.make_authorizations", "the claim's authorization does not list the code"),
    "_auth_units": Hidden("auths.make_authorizations", "the line that exceeds the authorized units"),
}
PROVIDER_HIDDEN: dict[str, Hidden] = {
    name: Hidden("entities.make_providers", meaning)
    for name, meaning in {
        "group_npi": "the billing group of a rendering provider",
        "volume": "relative claim volume",
        "data_quality": "front-desk sloppiness (>1: more data slips)",
        "coding_quality": "coding sloppiness (>1: more coding slips)",
        "doc_quality": "documentation weakness (>1: weaker charts)",
        "lag_scale": "submission delay factor",
        "fee_factor": "chargemaster level",
    }.items()
}
PATIENT_HIDDEN: dict[str, Hidden] = {
    "band": Hidden("entities.make_patients", "age band: 0 child, 1 adult, 2 senior"),
    "payer_id": Hidden("entities.make_patients", "the primary payer before any move"),
    "weight": Hidden("entities.make_patients", "relative visit frequency"),
}
COVERAGE_HIDDEN: dict[str, Hidden] = {
    "_patient": Hidden("entities.make_coverages", "row of the patient in the patients frame"),
}
HIDDEN: dict[str, dict[str, Hidden]] = {
    "claims": CLAIM_HIDDEN,
    "claim_lines": LINE_HIDDEN,
    "providers": PROVIDER_HIDDEN,
    "patients": PATIENT_HIDDEN,
    "coverages": COVERAGE_HIDDEN,
}


def add_hidden(frame: pd.DataFrame, table: str, **columns: Any) -> pd.DataFrame:
    """`frame` with the hidden `columns` added (or replaced).

    Raises:
        HiddenStateError: when a column is not declared hidden for `table`.
    """
    undeclared = [name for name in columns if name not in HIDDEN[table]]
    if undeclared:
        names = ", ".join(undeclared)
        raise HiddenStateError(f"undeclared hidden {table} column(s) {names}: declare them in synthetic/hidden.py")
    return frame.assign(**columns)


def hidden(frame: pd.DataFrame, table: str, name: str) -> pd.Series:
    """The hidden column `name` of `frame`.

    Raises:
        HiddenStateError: when `name` is not declared for `table`, or the stage that adds it has not run.
    """
    declared = HIDDEN[table].get(name)
    if declared is None:
        raise HiddenStateError(f"{name!r} is not a declared hidden {table} column")
    if name not in frame.columns:
        raise HiddenStateError(f"hidden {table} column {name!r} is missing: {declared.stage} adds it")
    return frame[name]


def public(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The columns of `table`'s schema, in its order: the one place the hidden columns are dropped.

    Raises:
        HiddenStateError: when `frame` holds a column that is neither in the schema nor declared hidden.
    """
    schema = list(TABLES[table].columns)
    declared = HIDDEN.get(table, {})
    stray = [col for col in frame.columns if col not in schema and col not in declared]
    if stray:
        raise HiddenStateError(f"{table} has undeclared column(s) {', '.join(map(str, stray))}")
    return frame[schema]


@dataclass(frozen=True)
class ClaimDefects:
    """The claim-level defects adjudication reads, one flag per claim (hidden column: `_` + field name)."""

    coverage_inactive: np.ndarray
    member_typo: np.ndarray
    auth_needed: np.ndarray
    auth_missing: np.ndarray
    auth_expired: np.ndarray
    dx_misfit: np.ndarray
    inactive_dx: np.ndarray
    duplicate: np.ndarray

    @classmethod
    def of(cls, claims: pd.DataFrame) -> ClaimDefects:
        """Read the defects from the claims' hidden columns (an error names any stage that has not run)."""
        return cls(**_flags_of(cls, claims, "claims"))


@dataclass(frozen=True)
class LineDefects:
    """The line-level defects adjudication reads, one flag per line (hidden column: `_` + field name)."""

    auth_wrong_code: np.ndarray
    auth_units: np.ndarray
    bad_modifier: np.ndarray
    missing_pointer: np.ndarray

    @classmethod
    def of(cls, lines: pd.DataFrame) -> LineDefects:
        """Read the defects from the lines' hidden columns (an error names any stage that has not run)."""
        return cls(**_flags_of(cls, lines, "claim_lines"))


def _flags_of(view: type, frame: pd.DataFrame, table: str) -> dict[str, np.ndarray]:
    """Each field of the dataclass `view` read from `table`'s hidden column `_` + field name."""
    return {f.name: hidden(frame, table, f"_{f.name}").to_numpy() for f in fields(view)}
