"""Bodies of the claim routes: claims in, scores, explanations and checks out, what-if edits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic_core import core_schema

from denial_ml.domain.claim_fields import ClaimField, claim_field, line_field
from denial_ml.service.schemas.common import (
    MAX_BATCH,
    Category,
    Day,
    Modifier,
    Money,
    Text,
    Whole,
)

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


# The Python type of each field stays written in the classes below, because type checkers read them there (a
# `create_model` class is an opaque `type[BaseModel]` to mypy); a test checks each agrees with its description.
def _described(field: ClaimField) -> Any:
    """The pydantic field of a described claim field: default, constraints on the value (or on the list, for list
    kinds, whose item constraints are in the annotation), title, description and example."""
    # The claim's own example shows whole lines; a line list's example would repeat it.
    example = None if field.kind == "lines" else [field.example]
    kwargs: dict[str, Any] = {"title": field.label, "description": field.description, "examples": example}
    if field.kind in ("text", "code"):
        kwargs.update(pattern=field.pattern)
    if field.kind == "count":
        kwargs.update(ge=field.minimum, le=field.maximum)
    kwargs.update(min_length=field.min_length, max_length=field.max_length)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if field.required:
        return Field(**kwargs)
    if field.default == ():
        return Field(default_factory=list, **kwargs)
    return Field(default=field.default, **kwargs)


def _claim(name: str) -> Any:
    return _described(claim_field(name))


def _line(name: str) -> Any:
    return _described(line_field(name))


DiagnosisCode = Annotated[str, Field(pattern=claim_field("diagnosis_codes").pattern)]
LineModifier = Annotated[str, Field(pattern=line_field("modifiers").pattern)]
_POINTER = line_field("diagnosis_pointers")
Pointer = Annotated[Whole, Field(ge=_POINTER.minimum, le=_POINTER.maximum)]


class LineIn(BaseModel):
    """One service line (837 loop 2400)."""

    # Fields described in `denial_ml.domain.claim_fields`; a test checks the two list the same fields.

    model_config = ConfigDict(extra="forbid", strict=True)

    line_number: Whole = _line("line_number")
    line_control_number: str | None = _line("line_control_number")
    procedure_code: str | None = _line("procedure_code")
    modifiers: list[LineModifier] = _line("modifiers")
    units: Whole = _line("units")
    line_charge: Money = _line("line_charge")
    diagnosis_pointers: list[Pointer] | None = _line("diagnosis_pointers")
    service_date: Day = _line("service_date")
    revenue_code: str | None = _line("revenue_code")


class ClaimIn(BaseModel):
    """A claim before submission: header fields (837 loop 2300) and its lines. No names or birth dates."""

    # Fields described in `denial_ml.domain.claim_fields`; a test checks the two list the same fields.

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE_CLAIM]})

    claim_id: Text = _claim("claim_id")  # the stores' text policy too
    patient_id: Text = _claim("patient_id")  # the stores' text policy too
    member_id: str | None = _claim("member_id")
    payer_id: Text = _claim("payer_id")  # the stores' text policy too
    billing_provider_npi: str = _claim("billing_provider_npi")
    rendering_provider_npi: str | None = _claim("rendering_provider_npi")
    claim_type: Literal["837P", "837I"] = _claim("claim_type")
    claim_frequency_code: Literal["1", "7", "8", "2", "3", "4", "5", "0"] = _claim("claim_frequency_code")
    place_of_service: str = _claim("place_of_service")
    service_date_from: Day = _claim("service_date_from")
    service_date_to: Day = _claim("service_date_to")
    submission_date: Day = _claim("submission_date")
    total_charge: Money = _claim("total_charge")
    diagnosis_codes: list[DiagnosisCode] = _claim("diagnosis_codes")
    prior_auth_number: str | None = _claim("prior_auth_number")
    original_claim_id: str | None = _claim("original_claim_id")
    eligibility_checked: bool = _claim("eligibility_checked")
    eligibility_check_date: Day | None = _claim("eligibility_check_date")
    eligibility_status: Literal["active", "inactive", "unknown"] = _claim("eligibility_status")
    facility_type_code: str | None = _claim("facility_type_code")
    admission_date: Day | None = _claim("admission_date")
    admission_type_code: str | None = _claim("admission_type_code")
    admission_source_code: str | None = _claim("admission_source_code")
    lines: list[LineIn] = _claim("lines")


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

    line_number: Whole = Field(ge=1, le=999)
    modifiers: list[Modifier] = Field(max_length=4)


class ClaimEdits(BaseModel):
    """Changes to try; a field left out is not changed (`prior_auth_number: null` removes the number)."""

    # At least one edit: the schema says so as the validator below does.
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})

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
    """Risk before and after the edits; or, for a claim or edits that break a rule the schema cannot state,
    the errors (the risks then null)."""

    claim_id: str
    model_version: str
    edits_applied: list[str]
    before: RiskView | None = Field(description="Null when `errors` is not empty.")
    after: RiskView | None = Field(description="Null when `errors` is not empty.")
    risk_change: float | None = Field(description="after.denial_risk - before.denial_risk; null with `errors`.")
    factor_changes: list[FactorChange]
    held: str | None = Field(
        default=None,
        description="Why the risk after the edits is held at the risk before (an authorization number not on file "
        "cannot lower it); the model's own figure is in the text.",
    )
    errors: list[FieldError] = Field(
        default_factory=list,
        description="Why the claim was not scored: `claim.payer_id` unknown to the model, a repeated "
        "`claim.lines[i].line_number`, an `edits.line_modifiers` line the claim lacks. Empty when scored.",
    )
