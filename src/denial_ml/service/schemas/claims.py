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

from denial_ml.schemas import NPI, PROCEDURE
from denial_ml.service.schemas.common import (
    ICD10,
    MAX_BATCH,
    Category,
    Day,
    Modifier,
    Money,
    Text,
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
    revenue_code: str | None = Field(None, pattern=r"^[0-9]{4}$", description="SV201 (837I only).")


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
    place_of_service: str = Field(pattern=r"^[0-9]{2}$")
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
    lines: list[LineIn] = Field(
        min_length=1, max_length=999, description="The claim's lines; each `line_number` once (a repeat is refused)."
    )


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
    """Risk before and after the edits."""

    claim_id: str
    model_version: str
    edits_applied: list[str]
    before: RiskView
    after: RiskView
    risk_change: float = Field(description="after.denial_risk - before.denial_risk")
    factor_changes: list[FactorChange]
