"""The rule kinds of a policy file (pydantic models); `synthetic.policies` loads files of them.

Every rule says who it applies to (`payers`, `payer_types`), which lines it looks at (`codes`, and optionally
`places_of_service`, `line_modifiers`, `billed_with`), when (`effective_from`/`effective_to`), how strongly it
denies (`strength`, optionally scaled by the payer's strictness) and what the payer sends (`carc`, `rarc`,
`group`, `category`). Its `kind` adds the condition that decides which of those lines it denies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from denial_ml.data.synthetic.mechanisms import MECHANISMS

CATEGORY = Literal["authorization", "coding", "medical_necessity", "non_covered", "eligibility", "missing_information"]
Carc = Annotated[str, Field(pattern=r"^[A-Z]?\d{1,3}$")]  # a claim adjustment reason code: 4, 197, P14
# The generator's line-level mechanisms a rule may feed (`cause:`), with the codes and category they send.
LINE_CAUSES = {m.name: m for m in MECHANISMS if m.level == "line"}


class BaseRule(BaseModel):
    """Fields every rule has: who it applies to, what, when, and what the payer sends when it denies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=60)]
    description: str = ""
    payers: tuple[str, ...] = ()  # payer ids; empty with empty payer_types: every payer
    payer_types: tuple[str, ...] = ()
    codes: tuple[str, ...] = Field(min_length=1)  # procedure codes the rule applies to (a frequency limit's family)
    places_of_service: tuple[str, ...] = ()  # only claims billed at one of these (empty: any)
    line_modifiers: tuple[str, ...] = ()  # only lines carrying one of these modifiers (empty: any)
    billed_with: tuple[str, ...] = ()  # only claims that also bill one of these codes (empty: any)
    effective_from: dt.date | None = None  # first service date the rule applies to
    effective_to: dt.date | None = None  # last service date it applies to
    strength: Annotated[float, Field(gt=0, lt=1)] = 0.8  # denial probability the rule adds on the lines it hits
    scale_by_strictness: bool = False  # multiply `strength` by the payer's strictness (examiners' discretion)
    carc: Carc = "96"
    rarc: Annotated[str, Field(pattern=r"^([A-Z]{1,2}\d{1,4})?$")] = ""
    group: Literal["CO", "PR", "OA", "PI"] = "CO"
    category: CATEGORY = "non_covered"
    cause: str = ""  # a built-in mechanism this rule's denials are recorded as (default: `policy:<id>`)

    @model_validator(mode="after")
    def _check_dates(self) -> BaseRule:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} is before effective_from {self.effective_from}")
        return self

    @model_validator(mode="after")
    def _check_cause(self) -> BaseRule:
        # A rule recorded as a built-in mechanism shares that mechanism's hazard column, so it must send what the
        # mechanism sends (the 835 and the truth read them from the mechanism).
        if not self.cause:
            return self
        m = LINE_CAUSES.get(self.cause)
        if m is None:
            raise ValueError(f"cause {self.cause!r} is not one of the line-level mechanisms {sorted(LINE_CAUSES)}")
        ours, theirs = (self.carc, self.rarc, self.group, self.category), (m.carc, m.rarc, m.group, m.category)
        if ours != theirs:
            raise ValueError(
                f"cause {m.name!r} sends carc {m.carc!r}, rarc {m.rarc!r}, group {m.group!r}, category "
                f"{m.category!r}; the rule gives {ours[0]!r}, {ours[1]!r}, {ours[2]!r}, {ours[3]!r}"
            )
        return self


class AuthorizationRule(BaseRule):
    """A prior-authorization requirement: the codes need an authorization on file at these payers.

    A published list is known to the practice from its start; an unpublished one (`published: false`) only
    after `learned_after_days` (never, when that is not given).
    """

    kind: Literal["authorization"]
    category: CATEGORY = "authorization"
    carc: Carc = "197"
    published: bool = True
    learned_after_days: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _no_strength(self) -> AuthorizationRule:
        # A missing authorization is denied by the authorization mechanisms (their rates and CARC 197), so these
        # fields given here would silently do nothing.
        unused = {"strength", "carc", "rarc", "group", "category", "cause", "scale_by_strictness"}
        unused |= {"places_of_service", "line_modifiers", "billed_with"}
        given = sorted(self.model_fields_set & unused)
        if given:
            raise ValueError(
                f"an authorization rule takes no {', '.join(given)} (the authorization mechanisms decide its denials)"
            )
        if self.learned_after_days is not None and self.published:
            raise ValueError("learned_after_days is for an unpublished rule (published: false)")
        if not self.published and self.effective_from is None:
            raise ValueError("an unpublished rule needs effective_from (the practice learns it from then on)")
        return self


class FrequencyLimit(BaseRule):
    """At most `max_services` visits with any of `codes` per patient at the payer per period; later ones deny."""

    kind: Literal["frequency_limit"]
    max_services: Annotated[int, Field(ge=1)]
    period: Literal["calendar_year", "rolling_12_months"] = "calendar_year"
    carc: Carc = "119"  # benefit maximum for this time period or occurrence has been reached


class AgeEdit(BaseRule):
    """The codes are covered only for patients aged `min_age`..`max_age` (inclusive) on the service date."""

    kind: Literal["age"]
    min_age: Annotated[int, Field(ge=0, le=130)] = 0
    max_age: Annotated[int, Field(ge=0, le=130)] = 130
    carc: Carc = "6"  # the procedure is inconsistent with the patient's age

    @model_validator(mode="after")
    def _check_band(self) -> AgeEdit:
        if self.max_age < self.min_age:
            raise ValueError(f"max_age {self.max_age} is below min_age {self.min_age}")
        return self


class SexEdit(BaseRule):
    """The codes are covered only for patients of `allowed_sex`."""

    kind: Literal["sex"]
    allowed_sex: tuple[Literal["F", "M", "U"], ...] = Field(min_length=1)
    carc: Carc = "7"  # the procedure is inconsistent with the patient's gender


class PlaceOfServiceRule(BaseRule):
    """The codes deny at `denied_pos` places of service, or anywhere outside `allowed_pos` (telehealth: 02, 10)."""

    kind: Literal["place_of_service"]
    denied_pos: tuple[str, ...] = ()
    allowed_pos: tuple[str, ...] = ()
    carc: Carc = "58"  # treatment was deemed by the payer to have been rendered in an inappropriate place

    @model_validator(mode="after")
    def _check_one_list(self) -> PlaceOfServiceRule:
        if bool(self.denied_pos) == bool(self.allowed_pos):
            raise ValueError("give exactly one of denied_pos or allowed_pos")
        return self


class DiagnosisCoverage(BaseRule):
    """The codes are covered only when the claim carries one of `covered_diagnoses` (exact ICD-10 codes)."""

    kind: Literal["diagnosis_coverage"]
    covered_diagnoses: tuple[str, ...] = Field(min_length=1)
    carc: Carc = "11"  # the diagnosis is inconsistent with the procedure
    category: CATEGORY = "medical_necessity"

    @field_validator("covered_diagnoses")
    @classmethod
    def _undot(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.replace(".", "").upper() for c in codes)  # claims carry ICD-10 codes without the dot


class BundledPair(BaseRule):
    """`codes` (column 2) deny when billed on a claim with one of `with_codes` (column 1), unless the line
    carries one of `bypass_modifiers`."""

    kind: Literal["bundled_pair"]
    with_codes: tuple[str, ...] = Field(min_length=1)
    bypass_modifiers: tuple[str, ...] = ()
    carc: Carc = "97"
    category: CATEGORY = "coding"


class ModifierRequirement(BaseRule):
    """The codes deny unless the line carries one of `modifiers`."""

    kind: Literal["modifier_required"]
    modifiers: tuple[str, ...] = Field(min_length=1)
    carc: Carc = "4"
    category: CATEGORY = "coding"


class NotCovered(BaseRule):
    """The codes are not covered at these payers: every line the rule looks at is denied (at `strength`)."""

    kind: Literal["not_covered"]


Rule = Annotated[
    AuthorizationRule
    | FrequencyLimit
    | AgeEdit
    | SexEdit
    | PlaceOfServiceRule
    | DiagnosisCoverage
    | BundledPair
    | ModifierRequirement
    | NotCovered,
    Field(discriminator="kind"),
]
ENGINE_KINDS = (
    "frequency_limit",
    "age",
    "sex",
    "place_of_service",
    "diagnosis_coverage",
    "bundled_pair",
    "modifier_required",
    "not_covered",
)
