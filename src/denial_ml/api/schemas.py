"""Request and response bodies of the service (pydantic), with the examples shown in the OpenAPI schema.

Claim fields follow the data model (`denial_ml.schemas`, `docs/data-model.md`) and reuse its code patterns, so
a claim the API accepts is a claim the pandera schema accepts (a test checks the two agree). Lists replace the
data model's space-separated strings (diagnosis codes, pointers) and numbered columns (modifiers).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    model_validator,
)
from pydantic_core import core_schema

from denial_ml.domain.denials import CATEGORIES
from denial_ml.schemas import NPI, PROCEDURE
from denial_ml.store.status import ROUTES, STATUSES

MAX_BATCH = 10_000
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
ICD10 = r"^[A-Z][0-9][0-9A-Z]{1,5}$"  # ICD-10-CM without the dot
MODIFIER_CODE = r"^[A-Z0-9]{2}$"  # the data model's MODIFIER minus its empty alternative
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Route = Literal[ROUTES]  # type: ignore[valid-type]


def _in_range(day: dt.date) -> dt.date:
    # The feature pipeline holds dates as datetime64[ns]; keep them far inside its range.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def _iso_text(value: Any) -> Any:
    # Input models are strict (JSON types only: no "5" for 5, no 0 for a date); dates come as ISO text.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


Day = Annotated[dt.date, Strict(False), BeforeValidator(_iso_text), AfterValidator(_in_range)]
Money = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1, max_length=64)]
Modifier = Annotated[str, Field(pattern=MODIFIER_CODE)]

EXAMPLE_CLAIM: dict[str, Any] = {
    "claim_id": "CLM-2026-000123",
    "patient_id": "P0004776",
    "member_id": "HUN511227441",
    "payer_id": "MCD02",
    "billing_provider_npi": "1283664446",
    "rendering_provider_npi": "1054798030",
    "claim_type": "837P",
    "claim_frequency_code": "1",
    "place_of_service": "11",
    "service_date_from": "2026-02-10",
    "service_date_to": "2026-02-10",
    "submission_date": "2026-02-12",
    "total_charge": 494.97,
    "diagnosis_codes": ["F840", "E119"],
    "prior_auth_number": None,
    "eligibility_checked": True,
    "eligibility_check_date": "2026-02-09",
    "eligibility_status": "active",
    "lines": [
        {
            "line_number": 1,
            "procedure_code": "97155",
            "modifiers": ["HO"],
            "units": 4,
            "line_charge": 494.97,
            "diagnosis_pointers": [1],
            "service_date": "2026-02-10",
        }
    ],
}


class LineIn(BaseModel):
    """One service line (837 loop 2400)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    line_number: int = Field(ge=1, le=999, description="LX01, unique within the claim.")
    line_control_number: str | None = Field(
        None, max_length=64, description="REF*6R; default `<claim_id>-<line_number>`."
    )
    procedure_code: str = Field(pattern=PROCEDURE, description="CPT/HCPCS code (SV101-2 / SV202-2).")
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4, description="Up to four modifiers.")
    units: int = Field(ge=1, le=9999)
    line_charge: Money
    diagnosis_pointers: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        None, max_length=4, description="1-based indexes into the claim's diagnosis_codes (SV107)."
    )
    service_date: Day
    revenue_code: str | None = Field(None, pattern=r"^\d{4}$", description="SV201 (837I only).")


class ClaimIn(BaseModel):
    """A claim before submission: header fields (837 loop 2300) and its lines. No names or birth dates."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE_CLAIM]})

    claim_id: Text = Field(description="CLM01 patient control number.")
    patient_id: Text
    member_id: str | None = Field(None, max_length=64, description="NM109 subscriber id; never logged.")
    payer_id: Text = Field(description="A payer the model knows (see GET /v1/models).")
    billing_provider_npi: str = Field(pattern=NPI)
    rendering_provider_npi: str | None = Field(None, pattern=NPI)
    claim_type: Literal["837P", "837I"]
    claim_frequency_code: Literal["1", "7", "8"] = "1"
    place_of_service: str = Field(pattern=r"^\d{2}$")
    service_date_from: Day
    service_date_to: Day
    submission_date: Day = Field(description="The day the claim leaves (or would leave) the practice.")
    total_charge: Money
    diagnosis_codes: list[Annotated[str, Field(pattern=ICD10)]] = Field(
        min_length=1, max_length=12, description="ICD-10-CM codes without dots, principal first."
    )
    prior_auth_number: str | None = Field(None, max_length=50)
    original_claim_id: str | None = Field(None, max_length=64)
    eligibility_checked: bool = False
    eligibility_check_date: Day | None = None
    eligibility_status: Literal["active", "inactive", "unknown"] = "unknown"
    lines: list[LineIn] = Field(min_length=1, max_length=999)


class _ClaimObject:
    """Any JSON object, checked claim by claim later (a bad claim must not sink its batch); documented as
    `ClaimIn` in the OpenAPI schema."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema())

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        return handler(ClaimIn.__pydantic_core_schema__)


class ScoreRequest(BaseModel):
    """One claim or a batch of claims to score."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"claims": [EXAMPLE_CLAIM]}]}
    )

    claims: list[_ClaimObject] = Field(min_length=1, max_length=MAX_BATCH)  # type: ignore[valid-type]


class Factor(BaseModel):
    """One reason behind a score, in words, with what to change."""

    factor: str
    category: str
    contribution: float = Field(description="Contribution to the risk (log-odds), positive raises it.")
    sentence: str
    fix: str | None = None


class Finding(BaseModel):
    """A pre-submission check that failed."""

    code: str
    severity: Literal["error", "warning", "info"]
    field: str | None = None
    message: str
    fix: str | None = None


class RiskView(BaseModel):
    """Denial risk, the likely reason and the factors behind it."""

    denial_risk: float = Field(ge=0, le=1, description="Calibrated probability that the payer denies the claim.")
    likely_category: Category
    category_probabilities: dict[str, float] = Field(description="P(denied for this reason); sums to the risk.")
    factors: list[Factor]
    findings: list[Finding]


class ClaimScore(RiskView):
    """The score of one claim."""

    claim_id: str
    model_version: str


class FieldError(BaseModel):
    """What is wrong with one field of a claim (`lines[0].procedure_code`; `""` for the whole claim)."""

    field: str
    message: str
    type: str


class RejectedClaim(BaseModel):
    """A claim of the batch that was not scored."""

    index: int = Field(description="Position in the request's `claims`.")
    claim_id: str | None
    errors: list[FieldError]


class ScoreResponse(BaseModel):
    """Scores of the valid claims (in request order) and the refused ones with their errors."""

    model_version: str
    scored: list[ClaimScore]
    rejected: list[RejectedClaim]


class LineModifiers(BaseModel):
    """The modifiers a line would carry instead of its current ones."""

    model_config = ConfigDict(extra="forbid", strict=True)

    line_number: int = Field(ge=1, le=999)
    modifiers: list[Modifier] = Field(max_length=4)


class ClaimEdits(BaseModel):
    """Changes to try; a field left out is not changed (`prior_auth_number: null` removes the number)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    prior_auth_number: str | None = Field(None, min_length=1, max_length=50)
    line_modifiers: list[LineModifiers] = Field(default_factory=list, max_length=999)
    submission_date: Day | None = None

    @model_validator(mode="after")
    def _something(self) -> ClaimEdits:
        if not self.model_fields_set & {"prior_auth_number", "line_modifiers", "submission_date"}:
            raise ValueError("edits are empty: give prior_auth_number, line_modifiers or submission_date")
        return self


class WhatIfRequest(BaseModel):
    """A claim and the edits to try on it."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "claim": EXAMPLE_CLAIM,
                    "edits": {
                        "prior_auth_number": "AUTH00002926",
                        "line_modifiers": [{"line_number": 1, "modifiers": ["HO", "GP"]}],
                    },
                }
            ]
        },
    )

    claim: ClaimIn
    edits: ClaimEdits


class FactorChange(BaseModel):
    """How one factor's contribution moved with the edits."""

    factor: str
    before: float | None
    after: float | None


class WhatIfResponse(BaseModel):
    """Risk before and after the edits."""

    claim_id: str
    model_version: str
    edits_applied: list[str]
    before: RiskView
    after: RiskView
    risk_change: float = Field(description="after.denial_risk - before.denial_risk")
    factor_changes: list[FactorChange]


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


class WorklistQuery(BaseModel):
    """Filters and paging of the worklist; an unknown parameter is refused (a typo must not widen the list)."""

    model_config = ConfigDict(extra="forbid")

    payer: str | None = Field(None, max_length=200, description="Payer id or exact payer name.")
    category: Category | None = None
    status: Status | None = None
    assignee: str | None = Field(None, max_length=100)
    route: Route | None = None
    min_expected_recovery: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    deadline_within_days: int | None = Field(
        None, ge=0, le=3650, description="Appeal deadline between today and today + N days."
    )
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
        json_schema_extra={"examples": [{"version": 1, "status": "in_progress", "assignee": "jlee"}]},
    )

    version: int = Field(ge=1)
    status: Status | None = None
    assignee: str | None = Field(None, max_length=100, description='"" unassigns.')
    note: str | None = Field(None, min_length=1, max_length=4000)


class OutcomeIn(BaseModel):
    """A recorded outcome: the payer's appeal decision, or what became of the denied claim."""

    model_config = ConfigDict(extra="forbid", strict=True)

    claim_id: Text
    outcome: Literal["overturned", "upheld", "resubmitted", "written_off"]
    recovered_amount: Money | None = Field(None, description="Dollars recovered; with overturned/upheld only.")
    note: str | None = Field(None, min_length=1, max_length=4000)


class OutcomesRequest(BaseModel):
    """Outcomes to record, each applied on its own."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"outcomes": [{"claim_id": "CLM000012345", "outcome": "overturned", "recovered_amount": 312.5}]}
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


class OutcomeRejected(BaseModel):
    """An outcome that could not be recorded."""

    index: int
    claim_id: str
    error: str


class OutcomesResponse(BaseModel):
    """What was recorded and what was refused."""

    recorded: list[OutcomeRecorded]
    rejected: list[OutcomeRejected]


class ModelInfo(BaseModel):
    """A model the service is serving."""

    name: str
    kind: str
    version: str
    source: str
    loaded_at: dt.datetime
    training_period: list[str] | None
    n_claims: int | None
    payers: list[str] = Field(description="Payer ids the model knows.")
    test_metrics: dict[str, float]


class ModelsResponse(BaseModel):
    """The active models."""

    models: list[ModelInfo]


class ReloadResponse(BaseModel):
    """The outcome of a reload."""

    previous_version: str | None
    version: str
    changed: bool


class LiveResponse(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class ReadyResponse(BaseModel):
    """Whether the service can score and read the worklist."""

    status: Literal["ready", "not_ready"]
    model_version: str | None
    model_loaded: bool
    store_reachable: bool


class ErrorOut(BaseModel):
    """An error with a message that names the problem."""

    detail: str


ERROR_TEXT = {
    400: "The body is not valid JSON.",
    401: "Missing, wrong or revoked API key.",
    403: "The key's role may not do this.",
    404: "No such item.",
    409: "Conflict: the item changed since it was read, or the change is not allowed from its status.",
    503: "No model is loaded yet.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (all with an `ErrorOut` body)."""
    return {code: {"model": ErrorOut, "description": ERROR_TEXT[code]} for code in codes}
