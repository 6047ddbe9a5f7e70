"""`/v1/claims`: denial risk of claims before submission, and what edits would change it (role biller)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from denial_ml.api.deps import ScoringDep
from denial_ml.service.schemas import (
    FieldError,
    RejectedClaim,
    ScoreRequest,
    ScoreResponse,
    WhatIfRequest,
    WhatIfResponse,
    error_responses,
)
from denial_ml.service.scoring import NothingValid, score_claims, what_if

T = TypeVar("T")
router = APIRouter(prefix="/v1/claims", tags=["claims"])
# Up to this many claims are scored on the event loop: handing a few milliseconds of work to a thread costs more
# than the work (the GIL hand-over waits up to its 5 ms switch interval); bigger batches go to the thread pool so
# health checks and small requests are not held up behind them.
INLINE_CLAIMS = 50


def json_response(body: BaseModel) -> Response:
    """The body as JSON, serialized once: FastAPI would otherwise check it against `response_model` again
    (the route's `response_model` still documents it; tests check the two agree)."""
    return Response(body.model_dump_json(), media_type="application/json")


async def run_scoring(n_claims: int, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` inline for a few claims, in the thread pool for many."""
    if n_claims <= INLINE_CLAIMS:
        return func(*args)
    return await run_in_threadpool(func, *args)


def invalid(rejected: list[RejectedClaim]) -> RequestValidationError:
    """A 422 listing every field error of every refused claim of a batch (`loc` ends with the claim's field)."""
    errors = []
    for r in rejected:
        errors += [{"loc": ["body", "claims", r.index, e.field], "msg": e.message, "type": e.type} for e in r.errors]
    return RequestValidationError(errors)


@router.post(
    "/score",
    response_model=ScoreResponse,
    responses=error_responses(400, 401, 403, 503),
    summary="Denial risk of one claim or a batch (up to 10,000)",
)
async def score(scoring: ScoringDep, body: ScoreRequest) -> Response:
    """Risk, category probabilities, factors and findings of each valid claim.

    Claims are checked one by one: the valid ones are scored and the others come back in `rejected` with
    their field errors, also when none is valid (`scored` then empty): a claim that matches the `ClaimIn` schema
    but breaks a rule no schema states (a payer unknown to the model, a repeated line number or claim id) is a
    row of the batch, not an error of the request. Only when nothing was scored and some claim does not match
    the schema is the answer a 422.
    """
    model, services = scoring.model, scoring.services
    try:
        result = await run_scoring(len(body.claims), score_claims, model, body.claims)
    except NothingValid as exc:
        if exc.malformed:
            services.metrics.count_scores(0, len(exc.rejected))
            raise invalid(exc.rejected) from None
        result = ScoreResponse(model_version=model.version, scored=[], rejected=exc.rejected)
    services.metrics.count_scores(len(result.scored), len(result.rejected))
    return json_response(result)


@router.post(
    "/what-if",
    response_model=WhatIfResponse,
    responses=error_responses(400, 401, 403, 503),
    summary="Risk of a claim before and after edits",
)
async def what_if_edits(scoring: ScoringDep, body: WhatIfRequest) -> Response:
    """Re-score the claim with a prior authorization number, other line modifiers or another submission date.

    A request that matches the schema is answered 200. When the claim or the edits break a rule no schema states
    (a payer unknown to the model, a repeated line number, an edit of a line the claim lacks), `before`, `after`
    and `risk_change` are null and `errors` names each field and problem, as a batch lists its refused claims.
    """
    model, services = scoring.model, scoring.services
    try:
        result = await run_scoring(2, what_if, model, body.claim, body.edits)
    except NothingValid as exc:
        errors = [e.model_copy(update={"field": f"claim.{e.field}"}) for r in exc.rejected for e in r.errors]
        return json_response(not_scored(model.version, body, errors))
    except ValueError as exc:
        error = FieldError(field="edits.line_modifiers", message=str(exc), type="value_error")
        return json_response(not_scored(model.version, body, [error]))
    services.metrics.count_scores(2, 0)
    return json_response(result)


def not_scored(version: str, body: WhatIfRequest, errors: list[FieldError]) -> WhatIfResponse:
    """The what-if answer for a claim or edits that could not be scored: the errors, no risks."""
    return WhatIfResponse(
        claim_id=body.claim.claim_id,
        model_version=version,
        edits_applied=[],
        before=None,
        after=None,
        risk_change=None,
        factor_changes=[],
        errors=errors,
    )
