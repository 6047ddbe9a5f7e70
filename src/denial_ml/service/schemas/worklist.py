"""Bodies of the worklist routes: items, pages, notes, history, updates and recorded outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from denial_ml.service.schemas.common import (
    MULTILINE,
    ONE_LINE,
    Category,
    Money,
    Name,
    Note,
    OneLine,
    Route,
    Status,
    Text,
    Version,
)
from denial_ml.store.queries import SORTS, VIEWS
from denial_ml.store.status import STATUSES

View = Literal[tuple(VIEWS)]  # type: ignore[valid-type]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]


class WorklistItemOut(BaseModel):
    """A denied claim on the appeal worklist."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: str
    payer_id: str
    payer_name: str | None
    category: str
    carc: str | None
    denied_amount: float
    expected_payment: float
    p_overturn: float
    expected_recovery: float
    priority: float
    route: str
    route_reason: str | None
    appeal_deadline: dt.date | None
    days_left: int | None
    status: str
    assignee: str | None
    version: int = Field(description="Send it back with PATCH; a changed item answers 409.")
    created_at: dt.datetime
    updated_at: dt.datetime
    model_version: str | None
    appealed_at: dt.datetime | None
    decided_at: dt.datetime | None
    recovered_amount: float | None
    ranked_at: dt.datetime | None = Field(None, description="When a worklist build last scored and routed it.")


class WorklistQuery(BaseModel):
    """Filters and paging of the worklist; an unknown parameter is refused (a typo must not widen the list)."""

    model_config = ConfigDict(extra="forbid")

    payer: Annotated[str, OneLine] | None = Field(
        None, max_length=200, json_schema_extra={"pattern": ONE_LINE}, description="Payer id or exact payer name."
    )
    category: Category | None = None
    status: Status | None = None
    assignee: Name | None = None
    route: Route | None = None
    min_expected_recovery: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    deadline_within_days: int | None = Field(
        None, ge=0, le=3650, description="Appeal deadline between today and today + N days."
    )
    search: Annotated[str, OneLine] | None = Field(
        None, max_length=64, json_schema_extra={"pattern": ONE_LINE}, description="Part of a claim id, any case."
    )
    view: View | None = Field(  # type: ignore[valid-type]
        None,
        description="open_work: open appeal and resubmit items; open: every open item; all (the default here).",
    )
    sort: Sort = Field("recovery", description="Sort key; every sort ends with the item id.")  # type: ignore[valid-type]
    order: Literal["asc", "desc"] | None = Field(None, description="Direction; the sort key's natural one if unset.")
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=1000)


class WorklistPage(BaseModel):
    """A page of the worklist, highest expected recovery first."""

    items: list[WorklistItemOut]
    total: int
    offset: int
    limit: int


class NoteOut(BaseModel):
    """A note on an item."""

    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    actor: str
    text: str


class HistoryOut(BaseModel):
    """One change of one field, with who made it."""

    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    actor: str
    field: str
    old: str | None
    new: str | None
    note: str | None


class ItemExplanation(BaseModel):
    """Why the item is routed and ranked as it is."""

    route: str
    route_reason: str | None
    factors: list[dict[str, Any]] = Field(
        description="Top recovery-model factors, largest |contribution| first: {factor, label, contribution "
        "(TreeSHAP, log-odds of overturn), direction ('raises' or 'lowers'), sentence}."
    )


class WorklistItemDetail(WorklistItemOut):
    """An item with its explanation, notes and history."""

    explanation: ItemExplanation
    notes: list[NoteOut]
    history: list[HistoryOut]


class WorklistPatch(BaseModel):
    """A change to an item, made only if it is still at `version`."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"version": 1, "status": "in_progress", "assignee": "jlee"}],
            # At least one change besides the version (the service refuses a PATCH with nothing to change).
            "anyOf": [{"required": ["status"]}, {"required": ["assignee"]}, {"required": ["note"]}],
        },
    )

    version: Version
    # Null is accepted as "not given" but not advertised (it changes nothing): the schemas name the type alone.
    status: Annotated[Status | None, WithJsonSchema({"enum": list(STATUSES), "type": "string"})] = None
    assignee: Annotated[
        Name | None,
        WithJsonSchema({"type": "string", "maxLength": 100, "pattern": ONE_LINE, "description": '"" unassigns.'}),
    ] = None
    note: Annotated[
        Note | None, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 4000, "pattern": MULTILINE})
    ] = None

    @model_validator(mode="after")
    def _one_change(self) -> WorklistPatch:
        if self.status is None and self.assignee is None and self.note is None:
            raise ValueError("nothing to change: give a status, an assignee or a note besides the version")
        return self


class OutcomeIn(BaseModel):
    """A recorded outcome: the payer's appeal decision, or what became of the denied claim.

    Recorded only if the item is still at `version` (else 409). A re-send with the same `idempotency_key`
    returns the first result and changes nothing. A final item (overturned, upheld, resubmitted, written off)
    takes no new outcome; a decided appeal is changed only with `correction: true` and a `note` saying why.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    claim_id: Text
    version: Version = Field(description="The item's version you read (GET /v1/worklist).")
    outcome: Literal["overturned", "upheld", "resubmitted", "written_off"]
    recovered_amount: Money | None = Field(None, description="Dollars recovered; with overturned/upheld only.")
    note: Note | None = None
    idempotency_key: str | None = Field(
        None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="Your id of this outcome."
    )
    correction: bool = Field(False, description="Correct the outcome of a decided appeal (needs a note).")


# The example's claim is a current denial (denied, no appeal on file) of the demo's world (200,000 claims,
# seed 7) and of the tests' (30,000, seed 11): sent to a fresh demo worklist, it is recorded (a test sends it).
EXAMPLE_OUTCOME_CLAIM = "CLM000000158"


class OutcomesRequest(BaseModel):
    """Outcomes to record, each applied on its own."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "outcomes": [
                        {
                            "claim_id": EXAMPLE_OUTCOME_CLAIM,
                            "version": 1,
                            "outcome": "written_off",
                            "note": "past the payer's appeal window",
                            "idempotency_key": "feed-2026-05-01-0001",
                        }
                    ]
                }
            ]
        },
    )

    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=1000)


class OutcomeRecorded(BaseModel):
    """An outcome written to the item and its history."""

    claim_id: str
    item_id: int
    status: str
    version: int
    replayed: bool = Field(False, description="Recorded before under the same idempotency key; not applied again.")


class OutcomeRejected(BaseModel):
    """An outcome that could not be recorded."""

    index: int
    claim_id: str
    error: str
    status: int = Field(description="404 unknown claim, 409 stale version or refused move, 422 invalid outcome.")


class OutcomesResponse(BaseModel):
    """What was recorded and what was refused."""

    recorded: list[OutcomeRecorded]
    rejected: list[OutcomeRejected]
