"""What the routes do: score claims, try edits, record outcomes. Plain functions over the model and the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TypeVar

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.explainer import Explainer
from denial_ml.modeling.bundle import Scorer
from denial_ml.service.few_claims import FEW_CLAIMS, explain_few
from denial_ml.service.schemas import (
    ClaimEdits,
    ClaimIn,
    ClaimScore,
    Factor,
    FactorChange,
    Finding,
    OutcomeIn,
    OutcomeRecorded,
    OutcomeRejected,
    OutcomesResponse,
    RejectedClaim,
    RiskView,
    ScoreResponse,
    WhatIfResponse,
)
from denial_ml.service.serving import ServedModel
from denial_ml.service.validation import check_claims, claim_problems, claim_records, line_records
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem, WorklistStore
from denial_ml.store.outcomes import Outcome


class NothingValid(ValueError):  # noqa: N818 (reads as the condition)
    """Every claim of a request was refused (`malformed`: some of them do not match the claim schema)."""

    def __init__(self, rejected: list[RejectedClaim], malformed: bool = False) -> None:
        super().__init__(f"none of the {len(rejected)} claims is valid")
        self.rejected = rejected
        self.malformed = malformed


def explain_scores(scorer: Scorer, claims: Sequence[ClaimIn]) -> list[dict[str, Any]]:
    """One explanation per claim, in order (risk, category probabilities, factors, findings): the single place
    where the service asks `denial_ml.explain` for factors (SHAP, grouped, with sentences and fixes) and
    pre-submission findings. The request goes straight to dicts and the feature matrix (no DataFrame: for one
    claim, building frames cost more than its features); its risk is the scorer's. A request of a few claims
    builds each row with the one-claim code (`few_claims`: the same rows and answers, a fraction of the CPU)."""
    explainer, records, lines = explainer_for(scorer), claim_records(claims), line_records(claims)
    if len(records) <= FEW_CLAIMS:
        return explain_few(explainer, records, lines)
    return explainer.explain_records(records, lines)


_EXPLAINERS: dict[int, tuple[Scorer, Explainer]] = {}


def explainer_for(scorer: Scorer) -> Explainer:
    """The explainer of a loaded model, built once per model (it precomputes the factor grouping)."""
    held = _EXPLAINERS.get(id(scorer))
    if held is None or held[0] is not scorer:
        if len(_EXPLAINERS) > 4:  # reloads replace models; keep only a few
            _EXPLAINERS.clear()
        held = _EXPLAINERS[id(scorer)] = (scorer, Explainer(scorer))
    return held[1]


View = TypeVar("View", bound=RiskView)


def risk_view(explained: dict[str, Any], view_type: type[View], **fields: Any) -> View:
    """One claim's explanation as the service shows it (a `RiskView`, or a `ClaimScore` given its other `fields`);
    category probabilities are joint (risk x P(category | denied)). Built straight from the explanation's floats:
    a DataFrame, or a view dumped and validated again, cost more than a claim's features (issue #20)."""
    risk = float(explained["denial_risk"])
    conditional = explained["category_probabilities"]
    return view_type(
        **fields,
        denial_risk=risk,
        likely_category=str(explained["likely_category"]),
        category_probabilities={c: risk * float(conditional[c]) for c in CATEGORIES},
        factors=[Factor(**f) for f in explained["factors"]],
        findings=[Finding(**f) for f in explained["findings"]],
    )


def assess(scorer: Scorer, claims: Sequence[ClaimIn]) -> list[RiskView]:
    """Risk, likely category, factors and findings of valid claims, in their order."""
    return [risk_view(e, RiskView) for e in explain_scores(scorer, claims)]


def score_claims(model: ServedModel, raw_claims: Sequence[Any]) -> ScoreResponse:
    """Score the valid claims of a request and list the refused ones with their field errors.

    Raises:
        NothingValid: when no claim is valid.
    """
    checked = check_claims(raw_claims, model.payers)
    if not checked.valid:
        raise NothingValid(checked.rejected, malformed=checked.malformed > 0)
    explained = explain_scores(model.scorer, checked.valid)
    scored = [
        risk_view(e, ClaimScore, claim_id=claim.claim_id, model_version=model.version)
        for claim, e in zip(checked.valid, explained, strict=True)
    ]
    return ScoreResponse(model_version=model.version, scored=scored, rejected=checked.rejected)


def apply_edits(claim: ClaimIn, edits: ClaimEdits) -> tuple[ClaimIn, list[str]]:
    """The claim with the edits applied, and a description of each edit.

    Raises:
        ValueError: for an edit of a line the claim does not have (message names the line).
    """
    changed: dict[str, Any] = {}
    applied: list[str] = []
    if "prior_auth_number" in edits.model_fields_set:
        changed["prior_auth_number"] = edits.prior_auth_number
        applied.append("prior_auth_number " + ("removed" if edits.prior_auth_number is None else "set"))
    if edits.submission_date is not None:
        changed["submission_date"] = edits.submission_date
        applied.append(f"submission_date {edits.submission_date.isoformat()}")
    if edits.line_modifiers:
        lines = {line.line_number: line for line in claim.lines}
        for edit in edits.line_modifiers:
            if edit.line_number not in lines:
                raise ValueError(f"edits.line_modifiers: the claim has no line {edit.line_number}")
            lines[edit.line_number] = lines[edit.line_number].model_copy(update={"modifiers": edit.modifiers})
            applied.append(f"line {edit.line_number} modifiers {' '.join(edit.modifiers) or '(none)'}")
        changed["lines"] = [lines[line.line_number] for line in claim.lines]
    return claim.model_copy(update=changed), applied


def factor_changes(before: RiskView, after: RiskView) -> list[FactorChange]:
    """Factors whose contribution differs between the two views (largest change first)."""
    old = {f.factor: f.contribution for f in before.factors}
    new = {f.factor: f.contribution for f in after.factors}
    names = [n for n in {**old, **new} if old.get(n) != new.get(n)]
    names.sort(key=lambda n: -abs((new.get(n) or 0.0) - (old.get(n) or 0.0)))
    return [FactorChange(factor=n, before=old.get(n), after=new.get(n)) for n in names]


def what_if(model: ServedModel, claim: ClaimIn, edits: ClaimEdits) -> WhatIfResponse:
    """Score the claim as it is and with the edits.

    Raises:
        ValueError: for an edit that does not fit the claim.
        NothingValid: when the claim's payer is unknown to the model.
    """
    problems = claim_problems(claim, model.payers)
    if problems:
        raise NothingValid([RejectedClaim(index=0, claim_id=claim.claim_id, errors=problems)])
    edited, applied = apply_edits(claim, edits)
    before, after = assess(model.scorer, [claim, edited.model_copy(update={"claim_id": claim.claim_id + "~"})])
    held = hold_reason(edited, before, after)
    if held is not None:
        after = after.model_copy(update={"denial_risk": before.denial_risk})
    return WhatIfResponse(
        claim_id=claim.claim_id,
        model_version=model.version,
        edits_applied=applied,
        before=before,
        after=after,
        risk_change=after.denial_risk - before.denial_risk,
        factor_changes=factor_changes(before, after),
        held=held,
    )


def hold_reason(edited: ClaimIn, before: RiskView, after: RiskView) -> str | None:
    """Why the edited claim's lower risk must not be shown: its authorization number is not on file.

    The model learnt from claims whose numbers were real; a number typed in a what-if that no authorization on
    file carries would otherwise lower the risk of a claim the payer will still deny (issue #21).
    """
    not_found = any(f.code == "AUTH_NOT_FOUND" for f in after.findings)
    if not (not_found and edited.prior_auth_number and after.denial_risk < before.denial_risk):
        return None
    return (
        f"Authorization {edited.prior_auth_number} is not on file for this patient and payer, so the risk stays at "
        f"{before.denial_risk:.1%} (the model alone would say {after.denial_risk:.1%}). Record the authorization, "
        "or check the number, to lower it."
    )


def _rejection_status(exc: StoreError) -> int:
    if isinstance(exc, UnknownItem):
        return 404
    return 409 if isinstance(exc, StaleVersion | IllegalTransition) else 422


def record_outcome(store: WorklistStore, outcome: OutcomeIn, actor: str) -> OutcomeRecorded:
    """Apply one outcome to the claim's item (status, amount, note) with a history row per change.

    Raises:
        StoreError: unknown claim, a stale version, a status change the machine refuses, or a bad amount.
    """
    fields = outcome.model_dump(exclude={"version"})
    result = store.record(Outcome(**fields, expected_version=outcome.version), actor)
    return OutcomeRecorded(**asdict(result))


def record_outcomes(store: WorklistStore, outcomes: Sequence[OutcomeIn], actor: str) -> OutcomesResponse:
    """Record each outcome on its own; one that is refused does not stop the others."""
    recorded, rejected = [], []
    for index, outcome in enumerate(outcomes):
        try:
            recorded.append(record_outcome(store, outcome, actor))
        except StoreError as exc:
            status = _rejection_status(exc)
            rejected.append(OutcomeRejected(index=index, claim_id=outcome.claim_id, error=str(exc), status=status))
    return OutcomesResponse(recorded=recorded, rejected=rejected)
