"""Generate a whole synthetic claims world: every table of the data model plus the truth.

`generate_world` is pure (seeded, no I/O); `denial_ml.data.io.write_tables` writes the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.data.synthetic import appeals as appeals_mod
from denial_ml.data.synthetic import (
    auths,
    claims,
    diagnoses,
    entities,
    institutional,
    lines,
    outcomes,
    policy_rules,
    remit,
)
from denial_ml.data.synthetic.arrays import join_columns, number_ids, str_frame
from denial_ml.data.synthetic.hidden import add_hidden, hidden, public
from denial_ml.data.synthetic.outcomes import Denials
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.policies import Policies, default_policies

Progress = Callable[[str], None]


def generate_world(
    n_claims: int,
    seed: int = 7,
    timeline: WorldTimeline | None = None,
    progress: Progress | None = None,
    policies: Policies | None = None,
    providers: pd.DataFrame | None = None,
    n_patients: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate a seeded synthetic world.

    Args:
        n_claims: Number of claims (at least 1).
        seed: Random seed; the same seed gives identical tables.
        timeline: History span and the dated changes in it (defaults: two years from 2024-01-01).
        progress: Called with the name of each step as it starts (for progress bars).
        policies: The payers' rules (default: the packaged `policies/default.yaml`).
        providers: A provider table with its hidden traits (`reference_providers`) shared with other worlds, as
            the parts of a partitioned world share theirs; None draws them from `seed` (the usual world).
        n_patients: Patients to draw; None: `patient_count(n_claims)`.

    Returns:
        Table name -> frame for every table in `denial_ml.schemas.TABLES`, including `truth`.

    Raises:
        ValueError: when `n_claims` is not positive.
    """
    if n_claims < 1:
        raise ValueError(f"n_claims must be a positive number of claims, got {n_claims}")
    tl = timeline or WorldTimeline()
    step = progress or (lambda _name: None)
    pol = policies or default_policies()
    if not tl.rule_change_codes:  # `--no-rule-change`: no payer starts an unannounced requirement
        pol = pol.without(*(r.id for r in pol.unpublished_auths()))
    rng = np.random.default_rng(seed)

    step("entities")
    payers = entities.make_payers(pol)
    if providers is None:
        providers = entities.make_providers(rng, provider_count(n_claims))
    patients = entities.make_patients(rng, n_patients or patient_count(n_claims), tl)
    coverages = entities.make_coverages(rng, patients, tl)

    step("claims")
    head = claims.draw_headers(rng, n_claims, providers, patients, tl)
    head = claims.assign_payers(rng, head, coverages)
    head = claims.draw_submission(rng, head, providers, tl)
    head = claims.add_member_typos_and_missing_npi(rng, head, providers)

    step("lines")
    ln = lines.draw_lines(rng, head, providers)
    ln = lines.match_preventive_codes(rng, ln, head)
    ln = lines.add_modifiers(rng, ln, head, providers)
    head, ln = diagnoses.add_diagnoses(head, ln, diagnoses.draw_diagnoses(rng, ln, head, providers))

    step("authorizations")
    auth_table, head, ln = auths.make_authorizations(rng, head, ln, tl, pol)
    head = institutional.add_institutional_fields(head)
    ln = institutional.add_revenue_lines(seed, head, ln)
    head, resend = _resend_claims(rng, head, ln, tl)
    head, ln = _assign_ids(head, ln, resend)

    step("adjudication")
    H_claim = outcomes.claim_hazards(rng, head, providers)
    # Revenue-code-only 837I lines (`institutional`) carry no line hazard of their own: they are denied with
    # their claim. Leaving them out here keeps every draw of the adjudication as it was before they existed.
    priced = np.flatnonzero(ln["procedure_code"].notna().to_numpy())
    priced_lines = ln.iloc[priced]  # gathered once: a copy of every column of (nearly) every line
    H_line = outcomes.line_hazards(rng, priced_lines, head, providers)
    H_line = policy_rules.apply_cause_rules(H_line, priced_lines, head, patients, pol)
    line_claim = hidden(ln, "claim_lines", "_c").to_numpy()[priced]
    H_policy = policy_rules.policy_hazards(priced_lines, head, patients, pol)
    del priced_lines
    mechanisms = outcomes.MECHANISMS + policy_rules.policy_mechanisms(pol)
    if H_policy.shape[1]:  # only then: extra all-zero columns could change the floating-point row sums
        H_claim = np.hstack([H_claim, np.zeros((len(H_claim), H_policy.shape[1]))])
        H_line = np.hstack([H_line, H_policy])
    # `_make` takes any 4-tuple: a stand-in decision (the leakage test's) need not build `Denials` itself.
    decisions = Denials._make(outcomes.decide_denials(rng, H_claim, H_line, line_claim))
    line_row = np.where(decisions.line_row >= 0, priced[np.maximum(decisions.line_row, 0)], -1)
    decisions = decisions._replace(line_row=line_row)  # rows of the whole lines table
    head = add_hidden(head, "claims", _adj_date=outcomes.adjudication_dates(rng, head, tl))
    adjudicated = hidden(head, "claims", "_adj_date").notna().to_numpy()
    payer_side = remit.build_remittances(rng, head, ln, adjudicated, decisions.mech, decisions.line_row, mechanisms)

    step("appeals")
    likely = outcomes.likely_causes(H_claim, H_line, line_claim, mechanisms)
    adjudication = _Adjudication(decisions, adjudicated, payer_side.allowed_denied, mechanisms)
    truth, appeal_table = _truth_and_appeals(rng, head, ln, providers, adjudication, tl)
    n_builtin = len(outcomes.MECHANISMS)
    ruled = policy_rules.policy_truth(H_policy, line_claim, decisions.mech, n_builtin, pol)
    tables = {
        "payers": payers,
        "providers": public(providers, "providers"),
        "patients": public(patients, "patients"),
        "coverages": public(coverages, "coverages"),
        "claims": public(head, "claims"),
        "claim_lines": public(ln, "claim_lines"),
        "authorizations": auth_table,
        **payer_side.tables,
        "appeals": appeal_table,
        "truth": truth.assign(likely_cause=pd.array(likely, dtype=truth["denial_cause"].dtype), **str_frame(ruled)),
    }
    return {name: frame.reset_index(drop=True) for name, frame in tables.items()}


def provider_count(n_claims: int) -> int:
    """Rendering providers of a world of `n_claims` claims."""
    return int(np.clip(n_claims / 400, 12, 5000))


def patient_count(n_claims: int) -> int:
    """Patients of a world of `n_claims` claims."""
    return int(np.clip(n_claims / 6, 60, 400_000))


def reference_providers(n_claims: int, seed: int) -> pd.DataFrame:
    """The providers (hidden traits included) that `generate_world(n_claims, seed)` draws first from its stream."""
    return entities.make_providers(np.random.default_rng(seed), provider_count(n_claims))


@dataclass(frozen=True)
class _Resend:
    """Which rows become which, after re-sends: applied in one gather by `_assign_ids`."""

    source_row: np.ndarray  # per claim: the row whose claim content it carries (itself unless a re-send)
    line_rows: np.ndarray  # rows of the lines table that make up the new lines table
    line_claim: np.ndarray  # claim row of each of those lines


OWN_COLUMNS = ("submission_date", "claim_frequency_code", "_src", "_duplicate")  # a re-send's own facts


def _resend_claims(
    rng: np.random.Generator, head: pd.DataFrame, ln: pd.DataFrame, tl: WorldTimeline
) -> tuple[pd.DataFrame, _Resend]:
    """Turn some claims into re-sends of earlier ones: duplicates (denied) or replacements (frequency 7).

    Returns the headers with each re-send's own facts (`OWN_COLUMNS`) set, and the plan that copies the
    source claim's other columns and lines (lines are sorted by claim, so a source's lines are one range).
    """
    tgt, src, is_repl = claims.make_duplicates(rng, head)
    c = hidden(ln, "claim_lines", "_c").to_numpy()
    source_row = np.arange(len(head))
    source_row[tgt] = src  # targets are never sources, so one gather copies every target at once
    sub = head["submission_date"].to_numpy().astype("datetime64[D]").copy()
    if len(tgt):
        delay = rng.integers(15, 60, len(tgt)).astype("timedelta64[D]")
        sub[tgt] = np.minimum(sub[src] + delay, np.datetime64(tl.as_of, "D"))
    freq = np.full(len(head), "1", dtype=object)
    freq[tgt[is_repl]] = "7"
    dup = np.zeros(len(head), dtype=bool)
    dup[tgt[~is_repl]] = True
    src_of = np.full(len(head), -1)
    src_of[tgt[is_repl]] = src[is_repl]
    head = add_hidden(
        head.assign(submission_date=sub.astype("datetime64[ns]"), claim_frequency_code=freq),
        "claims",
        _src=src_of,
        _duplicate=dup,
    )
    start, end = np.searchsorted(c, src, "left"), np.searchsorted(c, src, "right")
    counts = end - start
    copy_rows = np.repeat(start, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    kept = np.flatnonzero(~np.isin(c, tgt))
    plan = _Resend(
        source_row=source_row,
        line_rows=np.concatenate([kept, copy_rows]),
        line_claim=np.concatenate([c[kept], np.repeat(tgt, counts)]),
    )
    return head, plan


def _assign_ids(head: pd.DataFrame, ln: pd.DataFrame, resend: _Resend) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the re-sends, number claims in submission order and renumber everything that points at them."""
    service = head["service_date_from"].to_numpy()[resend.source_row]
    order = np.lexsort((service, head["submission_date"].to_numpy()))
    new_pos = np.empty(len(head), dtype=np.int64)
    new_pos[order] = np.arange(len(head))
    content = resend.source_row[order]
    head = pd.DataFrame({c: head[c].array.take(order if c in OWN_COLUMNS else content) for c in head.columns})
    head["claim_id"] = number_ids("CLM", len(head), 9)
    src = hidden(head, "claims", "_src").to_numpy()
    original = np.full(len(head), None, dtype=object)
    replaced = np.flatnonzero(src >= 0)
    original[replaced] = head["claim_id"].array.take(new_pos[src[replaced]]).to_numpy()
    head["original_claim_id"] = original
    line_claim = new_pos[resend.line_claim]
    line_order = np.lexsort((ln["line_number"].to_numpy()[resend.line_rows], line_claim))
    ln = ln.iloc[resend.line_rows[line_order]].reset_index(drop=True)
    ln = add_hidden(ln, "claim_lines", _c=line_claim[line_order])
    ln["claim_id"] = head["claim_id"].array.take(line_claim[line_order])
    ln["line_control_number"] = join_columns(ln["claim_id"], ln["line_number"], "-")
    totals = np.bincount(line_claim[line_order], weights=ln["line_charge"].to_numpy(), minlength=len(head))
    head["total_charge"] = np.round(totals, 2)
    return head, ln


@dataclass(frozen=True)
class _Adjudication:
    """What the payer did with each claim, as the truth and appeals step reads it."""

    decisions: Denials
    adjudicated: np.ndarray  # a remittance exists by the end of history
    allowed_denied: np.ndarray  # expected payment of the denied part
    mechanisms: tuple[outcomes.Mechanism, ...]  # what `decisions.mech` indexes


def _truth_and_appeals(
    rng: np.random.Generator,
    head: pd.DataFrame,
    ln: pd.DataFrame,
    providers: pd.DataFrame,
    adjudication: _Adjudication,
    tl: WorldTimeline,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The truth table, and appeals on the denials staff chose."""
    prob, denied, mech, line_row = adjudication.decisions
    adjudicated = adjudication.adjudicated
    categories = np.array([m.category for m in adjudication.mechanisms])
    names = np.array([m.name for m in adjudication.mechanisms])
    cause = np.where(denied, categories[np.maximum(mech, 0)], "")
    charge = ln["line_charge"].to_numpy()
    denied_amount = np.where(line_row >= 0, charge[np.maximum(line_row, 0)], head["total_charge"].to_numpy())
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    doc = people["doc_quality"].to_numpy()[hidden(head, "claims", "_prov").to_numpy()]
    mech_name = np.where(denied, names[np.maximum(mech, 0)], "")
    rows = np.flatnonzero(denied)
    denials = pd.DataFrame(
        {
            "claim_id": head["claim_id"].array.take(rows),
            "category": cause[rows],
            "mechanism": mech_name[rows],
            "payer_id": head["payer_id"].array.take(rows),
            "denied_amount": denied_amount[rows],
            "adjudication_date": hidden(head, "claims", "_adj_date").to_numpy()[rows],
            "expected_payment": adjudication.allowed_denied[rows],
        }
    )
    p_over = np.full(len(head), np.nan)
    p_over[rows] = appeals_mod.overturn_probability(rng, denials, doc[rows])
    truth = str_frame(
        {
            "claim_id": head["claim_id"].array,
            "denial_probability": prob,
            "denial_cause": cause,
            "overturn_probability": p_over,
        }
    )
    eligible = adjudicated[rows]
    appeal_table = appeals_mod.draw_appeals(
        rng, denials[eligible].reset_index(drop=True), p_over[rows][eligible], doc[rows][eligible], tl
    )
    return truth, appeal_table
