"""`/v1/outcomes`: appeal decisions and claim outcomes that update the worklist and its history (role appeals)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from denial_ml.api.deps import AppealsDep, StoreDep
from denial_ml.service.schemas import OutcomesRequest, OutcomesResponse, error_responses
from denial_ml.service.scoring import record_outcomes

router = APIRouter(prefix="/v1/outcomes", tags=["outcomes"])


@router.post("", response_model=OutcomesResponse, responses=error_responses(400, 401, 403), summary="Record outcomes")
def post_outcomes(caller: AppealsDep, store: StoreDep, body: OutcomesRequest) -> OutcomesResponse:
    """Record each outcome on its item (status, recovered amount, note); refused ones are listed with the reason.

    `overturned`/`upheld` need the item at `appealed`; `resubmitted`/`written_off` need `new` or `in_progress`.
    A 422 only when no outcome could be recorded.
    """
    result = record_outcomes(store, body.outcomes, caller.owner)
    if not result.recorded:
        raise RequestValidationError(
            [{"loc": ["body", "outcomes", r.index], "msg": r.error, "type": "value_error"} for r in result.rejected]
        )
    return result
