"""Payer policies as data: the schema of a world's policy file and its loader.

A policy file (YAML) lists each payer's rules. `authorization` rules are the payers' published prior-authorization
lists (the practice obtains authorizations for them, and the authorization mechanisms deny what it misses); every
other kind is applied by the generic rule engine (`synthetic.policy_rules`), which adds the rule's hazard to the
lines it hits and records it in the truth as mechanism `policy:<rule id>`. The format is documented in
docs/policies.md; the packaged `policies/default.yaml` holds the default world's payer rules.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CATEGORY = Literal["authorization", "coding", "medical_necessity", "non_covered", "eligibility", "missing_information"]
Carc = Annotated[str, Field(pattern=r"^[A-Z]?\d{1,3}$")]  # a claim adjustment reason code: 4, 197, P14
DEFAULT_FILE = "default.yaml"


class PolicyError(ValueError):
    """A policy file cannot be read or breaks the schema (the message names the file, rule and field)."""


class BaseRule(BaseModel):
    """Fields every rule has: who it applies to, what, when, and what the payer sends when it denies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=60)]
    description: str = ""
    payers: tuple[str, ...] = ()  # payer ids; empty with empty payer_types: every payer
    payer_types: tuple[str, ...] = ()
    codes: tuple[str, ...] = Field(min_length=1)  # procedure codes the rule applies to (a frequency limit's family)
    effective_from: dt.date | None = None  # first service date the rule applies to
    effective_to: dt.date | None = None  # last service date it applies to
    strength: Annotated[float, Field(gt=0, lt=1)] = 0.8  # denial probability the rule adds on the lines it hits
    carc: Carc = "96"
    rarc: Annotated[str, Field(pattern=r"^([A-Z]{1,2}\d{1,4})?$")] = ""
    group: Literal["CO", "PR", "OA", "PI"] = "CO"
    category: CATEGORY = "non_covered"

    @model_validator(mode="after")
    def _check_dates(self) -> BaseRule:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} is before effective_from {self.effective_from}")
        return self


class AuthorizationRule(BaseRule):
    """A published prior-authorization list: the codes need an authorization on file at these payers."""

    kind: Literal["authorization"]
    category: CATEGORY = "authorization"
    carc: Carc = "197"

    @model_validator(mode="after")
    def _no_strength(self) -> AuthorizationRule:
        # A missing authorization is denied by the authorization mechanisms (their rates and CARC 197), so a
        # strength or codes given here would silently do nothing.
        given = sorted(self.model_fields_set & {"strength", "carc", "rarc", "group", "category"})
        if given:
            raise ValueError(
                f"an authorization list takes no {', '.join(given)} (the authorization mechanisms decide its denials)"
            )
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


Rule = Annotated[
    AuthorizationRule
    | FrequencyLimit
    | AgeEdit
    | SexEdit
    | PlaceOfServiceRule
    | DiagnosisCoverage
    | BundledPair
    | ModifierRequirement,
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
)


class Policies(BaseModel):
    """A world's payer policies: its rules in file order (`extends: default` puts the default's rules first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Policies:
        ids = [r.id for r in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(repeated)}")
        return self

    def auth_lists(self) -> list[AuthorizationRule]:
        """The authorization rules, in file order."""
        return [r for r in self.rules if isinstance(r, AuthorizationRule)]

    def engine_rules(self) -> list[BaseRule]:
        """The rules the generic engine applies (every kind but `authorization`), in file order."""
        return [r for r in self.rules if not isinstance(r, AuthorizationRule)]


def parse_policies(data: Any, source: str = "policies") -> Policies:
    """Validate parsed YAML (a mapping with `rules:` and optionally `extends: default`) into `Policies`.

    Raises:
        PolicyError: naming `source`, the rule (by id or position) and the field of every problem.
    """
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: the file must be a mapping with a `rules:` list, got {type(data).__name__}")
    data = dict(data)
    extends = data.pop("extends", None)
    if extends not in (None, "default"):
        raise PolicyError(f"{source}: extends: only `default` can be extended, got {extends!r}")
    base = list(default_policies().rules) if extends == "default" else []
    try:
        own = Policies.model_validate(data)
        return Policies(rules=tuple(base) + own.rules)
    except ValidationError as exc:
        raise PolicyError(f"{source}: " + "; ".join(_describe(e, data) for e in exc.errors())) from None


def _describe(error: Any, data: dict) -> str:
    """One validation error as `rule <id> (#n) field: message`."""
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") or []
        raw = rules[loc[1]] if loc[1] < len(rules) else {}
        rid = raw.get("id", "?") if isinstance(raw, dict) else "?"
        rest = [str(x) for x in loc[2:] if not _is_kind_tag(x, raw)]
        field = ".".join(rest) or "rule"
        return f"rule {rid!r} (#{loc[1] + 1}) {field}: {error['msg']}"
    return f"{'.'.join(map(str, loc)) or 'file'}: {error['msg']}"


def _is_kind_tag(part: Any, raw: Any) -> bool:
    """Pydantic puts the discriminator's value in an error's location; the user never wrote it as a field."""
    return isinstance(raw, dict) and part == raw.get("kind")


def load_policies(path: Path) -> Policies:
    """Read and validate a policy file (YAML, read with `yaml.safe_load`).

    Raises:
        PolicyError: the file is missing, is not YAML, or breaks the schema.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    return parse_policies(data, str(path))


def default_policies() -> Policies:
    """The default world's payer policies (the packaged `policies/default.yaml`)."""
    text = resources.files("denial_ml.data.synthetic").joinpath("policies", DEFAULT_FILE).read_text("utf-8")
    return parse_policies(yaml.safe_load(text), DEFAULT_FILE)


def published_auth_codes(policies: Policies, payer_id: str, payer_type: str) -> tuple[str, ...]:
    """The codes on a payer's published authorization lists, in file order without repeats."""
    codes: list[str] = []
    for rule in policies.auth_lists():
        if applies_to(rule, payer_id, payer_type):
            codes += [c for c in rule.codes if c not in codes]
    return tuple(codes)


def applies_to(rule: BaseRule, payer_id: str, payer_type: str) -> bool:
    """Whether `rule` names this payer (by id or type; a rule naming neither applies to every payer)."""
    if not rule.payers and not rule.payer_types:
        return True
    return payer_id in rule.payers or payer_type in rule.payer_types
