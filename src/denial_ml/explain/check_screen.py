"""A batch's screen of the pre-submission checks: which checks could find something on which claims.

Findings are rare (about four in ten claims have one, most of them an eligibility warning), yet every check of
every claim ran its Python, a tenth of a batch explanation's time. The screen reads the columns the checks read
(feature columns at once, claim and line fields in one pass) and keeps, for each claim, the checks that might
fire; `run_checks` then runs only those. It is conservative: a check it drops cannot fire on that claim (where
deciding exactly would cost what the check costs, it keeps the check), so the findings are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.domain.codesets import diagnosis_status, procedure_kind
from denial_ml.explain.checks import (
    CHECKS,
    FILING_WARNING_DAYS,
    STALE_ELIGIBILITY_DAYS,
    Check,
    check_authorization,
    check_codes,
    check_duplicate,
    check_eligibility,
    check_filing,
    check_modifiers,
)
from denial_ml.explain.code_checks import split_diagnoses
from denial_ml.explain.context import ClaimView
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.line_features import ACCEPTED, EM, GP_PAYER_TYPES, MODS, NEEDS_25, TELEHEALTH_POS, THERAPY

NEVER = (dt.date.max, dt.date.min)  # a span no day is in
ALWAYS = (dt.date.min, dt.date.max)

FlatLines = tuple[np.ndarray, list[dict]]  # the position of each line's claim, and the lines

# Bits of a line's modifier facts (`_modifier_facts`).
BAD_MODIFIER, EM_WITHOUT_25, NEEDS_25_CODE, THERAPY_WITHOUT_GP, TELEHEALTH_WITHOUT_95 = 1, 2, 4, 8, 16


def screen_checks(views: Sequence[ClaimView], X: np.ndarray, builder: FeatureBuilder) -> list[tuple[Check, ...]]:
    """For each claim, the checks (in `CHECKS` order) that might find something on it.

    Args:
        views: The batch's claims.
        X: Their feature matrix (row i is views[i]'s).
        builder: The fitted builder that made `X`.

    Returns:
        One tuple of checks per view; running only them gives the findings running every check gives.
    """
    col = {name: j for j, name in enumerate(builder.feature_names_)}
    lines = _flat_lines(views)
    may: dict[Check, np.ndarray] = {
        check_eligibility: _eligibility(views, X[:, col["coverage_on_file"]], X[:, col["member_id_known"]]),
        check_authorization: _authorization(views, lines, builder),
        check_filing: X[:, col["filing_days_left"]] <= FILING_WARNING_DAYS,  # NaN: no deadline known
        check_duplicate: X[:, col["dup_earlier_claims"]] != 0,  # NaN is truthy, as in the check
        check_codes: _codes(views, lines),
        check_modifiers: _modifiers(views, lines, X[:, col["payer_type"]], builder.categories_["payer_type"]),
    }
    flags = np.column_stack([may[check] for check in CHECKS])
    bits = flags @ (1 << np.arange(len(CHECKS)))
    chosen = {b: tuple(c for k, c in enumerate(CHECKS) if b >> k & 1) for b in np.unique(bits).tolist()}
    return [chosen[b] for b in bits.tolist()]


def _eligibility(views: Sequence[ClaimView], coverage: np.ndarray, member_known: np.ndarray) -> np.ndarray:
    claims = [v.claim for v in views]
    status = np.array([c.get("eligibility_status") for c in claims], dtype=object)
    unchecked = np.array([not c.get("eligibility_checked") for c in claims], dtype=bool)
    stale = np.array([_maybe_stale(c) for c in claims], dtype=bool)
    # As in the check, a NaN coverage or member feature fires nothing (NaN is truthy, and not equal to 0).
    return (status == "inactive") | (status == "unknown") | unchecked | stale | (coverage == 0) | (member_known == 0)


def _maybe_stale(claim: dict) -> bool:
    service, checked_on = claim.get("service_date_from"), claim.get("eligibility_check_date")
    if service is None or checked_on is None:
        return False  # no lead time: never stale
    if type(service) is not dt.date or type(checked_on) is not dt.date:
        return True  # another date type: the check decides
    return (service - checked_on).days > STALE_ELIGIBILITY_DAYS


def _authorization(views: Sequence[ClaimView], lines: FlatLines, builder: FeatureBuilder) -> np.ndarray:
    # Without a number and without a code the payer (or the practice) might require one, the state is
    # "not_needed": the check finds nothing.
    published, learnable = builder.auth_required_keys_, builder.learnable_auth_keys_
    out = np.array([bool(v.claim.get("prior_auth_number")) for v in views], dtype=bool)
    owner, flat = lines
    payers = [v.payer for v in views]
    keys = [f"{payers[o]}|{line['procedure_code']}" for o, line in zip(owner.tolist(), flat, strict=True)]
    out[owner[[k in published or k in learnable for k in keys]]] = True  # a line without a code: no such key
    return out


def _codes(views: Sequence[ClaimView], lines: FlatLines) -> np.ndarray:
    claims = [v.claim for v in views]
    owner, flat = lines
    # Institutional findings or a missing rendering NPI: the check decides.
    out = np.array([c.get("claim_type") == "837I" or not c.get("rendering_provider_npi") for c in claims], dtype=bool)
    out[owner[[not line.get("diagnosis_pointers") for line in flat]]] = True
    services = [c.get("service_date_from") for c in claims]
    days = [line.get("service_date") for line in flat]
    days = [s if d is None else d for d, s in zip(days, [services[o] for o in owner.tolist()], strict=True)]
    if not {type(d) for d in services + days} <= {dt.date, type(None)}:
        out[:] = True  # dates of another type (text, Timestamps): leave the decision to the check
        return out
    dx_spans = _memo(DIAGNOSIS_SPANS, _diagnosis_span, [c.get("diagnosis_codes") or "" for c in claims])
    out |= [s is not None and not a <= s <= b for s, (a, b) in zip(services, dx_spans, strict=True)]
    spans = _memo(PROCEDURE_SPANS, _procedure_span, [line["procedure_code"] for line in flat])
    late = [d is not None and not a <= d <= b for d, (a, b) in zip(days, spans, strict=True)]
    out[owner[late]] = True
    return out


# Values of distinct keys, kept across batches (a dict: `functools.lru_cache` costs five times a dict's lookup).
DIAGNOSIS_SPANS: dict[Hashable, Any] = {}
PROCEDURE_SPANS: dict[Hashable, Any] = {}
MODIFIER_FACTS: dict[Hashable, Any] = {}
MEMO_LIMIT = 1 << 16  # keys; past it a table starts again


def _memo(table: dict[Hashable, Any], fn: Callable[[Any], Any], keys: Sequence[Hashable]) -> list[Any]:
    """`fn` of every key, each distinct key computed once."""
    if len(table) > MEMO_LIMIT:
        table.clear()
    missing = {k for k in keys if k not in table}
    for k in missing:
        table[k] = fn(k)
    return [table[k] for k in keys]


def _flat_lines(views: Sequence[ClaimView]) -> FlatLines:
    """Every line of the batch and the position of its claim."""
    owner = np.repeat(np.arange(len(views)), [len(v.lines) for v in views])
    return owner, [line for v in views for line in v.lines]


def _diagnosis_span(text: str) -> tuple[dt.date, dt.date]:
    """The days on which no diagnosis of the list gets a finding (`code_checks.diagnosis_findings`)."""
    first, last = ALWAYS
    for dx in split_diagnoses(text):
        if not dx:
            continue
        entry = PROCEDURE_BY_CODE.get(dx) or DIAGNOSIS_BY_CODE.get(dx)
        if entry is not None:
            # Active inside its dates; outside them a catalog diagnosis gets a finding (conservatively, so
            # does any other catalog code).
            first, last = max(first, entry.start), min(last, entry.stop)
        elif diagnosis_status(dx) != "billable":
            return NEVER
    return first, last


def _procedure_span(code: str | None) -> tuple[dt.date, dt.date]:
    """The days on which a line's procedure gets no finding (`code_checks.procedure_findings`)."""
    if not code:
        return ALWAYS  # a revenue-code-only 837I line: no procedure to check
    entry = PROCEDURE_BY_CODE.get(code) or DIAGNOSIS_BY_CODE.get(code)
    if entry is not None:
        return entry.start, entry.stop
    return ALWAYS if procedure_kind(code) == "hcpcs" else NEVER


def _modifiers(
    views: Sequence[ClaimView], lines: FlatLines, payer_type: np.ndarray, labels: Sequence[str]
) -> np.ndarray:
    gp_codes = [float(k) for k, label in enumerate(labels) if label in GP_PAYER_TYPES]
    owner, flat = lines
    columns = [[line["procedure_code"] or "" for line in flat]] + [[line.get(m) for line in flat] for m in MODS]
    facts = np.zeros(len(views), dtype=np.int64)
    per_line = _memo(MODIFIER_FACTS, _modifier_facts, list(zip(*columns, strict=True)))
    np.bitwise_or.at(facts, owner, np.array(per_line, dtype=np.int64))
    telehealth = np.array([v.claim.get("place_of_service") in TELEHEALTH_POS for v in views], dtype=bool)
    return (
        (facts & BAD_MODIFIER != 0)
        | ((facts & EM_WITHOUT_25 != 0) & (facts & NEEDS_25_CODE != 0))
        | ((facts & THERAPY_WITHOUT_GP != 0) & np.isin(payer_type, gp_codes))
        | ((facts & TELEHEALTH_WITHOUT_95 != 0) & telehealth)
    )


def _modifier_facts(key: tuple[str, ...]) -> int:
    """What `check_modifiers` reads of one line (its code and modifiers), as bits."""
    code, modifiers = key[0], key[1:]
    mods = [m for m in modifiers if m]
    facts = 0
    if code in PROCEDURE_BY_CODE and any(f"{code}|{m}" not in ACCEPTED for m in mods):
        facts |= BAD_MODIFIER
    if code in EM and "25" not in mods:
        facts |= EM_WITHOUT_25
    if code in NEEDS_25:
        facts |= NEEDS_25_CODE
    if code in THERAPY and "GP" not in mods:
        facts |= THERAPY_WITHOUT_GP
    if (code in EM or code.startswith("908")) and not {"95", "GT"} & set(mods):
        facts |= TELEHEALTH_WITHOUT_95
    return facts
