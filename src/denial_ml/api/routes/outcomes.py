"""`/v1/outcomes`: appeal decisions and claim outcomes that update the worklist and its history (role appeals)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError

from denial_ml.api.deps import AppealsDep, StoreDep
from denial_ml.service.schemas import OutcomesRequest, OutcomesResponse, error_responses
from denial_ml.service.scoring import record_outcomes

router = APIRouter(prefix="/v1/outcomes", tags=["outcomes"])


@router.post(
    "", response_model=OutcomesResponse, responses=error_responses(400, 401, 403, 404, 409), summary="Record outcomes"
)
def post_outcomes(caller: AppealsDep, store: StoreDep, body: OutcomesRequest) -> OutcomesResponse:
    """Record each outcome on its item (status, recovered amount, note); refused ones are listed with the reason.

    `overturned`/`upheld` need the item at `appealed`; `resubmitted`/`written_off` need `new` or `in_progress`.
    Each outcome names the item's `version` you read; a stale one is refused (409), and of several outcomes
    sent at once for one item only the first is recorded. A re-send with the same `idempotency_key` answers
    `replayed: true` and changes nothing. A final item takes no new outcome; a decided appeal is changed only with
    `correction: true` and a note saying why (written to the history).

    When no outcome could be recorded: 409 if one was refused for a stale version or a refused move, 404 if
    every one names a claim not on the worklist, else 422.
    """
    result = record_outcomes(store, body.outcomes, caller.owner)
    if result.recorded:
        return result
    listed = "; ".join(f"outcome {r.index}: {r.error}" for r in result.rejected)
    if any(r.status == status.HTTP_409_CONFLICT for r in result.rejected):
        raise HTTPException(status.HTTP_409_CONFLICT, listed)
    if all(r.status == status.HTTP_404_NOT_FOUND for r in result.rejected):
        raise HTTPException(status.HTTP_404_NOT_FOUND, listed)
    raise RequestValidationError(
        [{"loc": ["body", "outcomes", r.index], "msg": r.error, "type": "value_error"} for r in result.rejected]
    )
