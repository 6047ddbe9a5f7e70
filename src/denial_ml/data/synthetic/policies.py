"""Payer policies as data: the schema of a world's policy file and its loader.

A policy file (YAML) lists each payer's rules (the kinds: `synthetic.policy_schema`). `authorization` rules are
the payers' prior-authorization requirements (the practice obtains authorizations for those it knows of, and the
authorization mechanisms deny what it misses); every other kind is applied by the generic rule engine
(`synthetic.policy_rules`), which adds the rule's hazard to the lines it hits and records it in the truth as
mechanism `policy:<rule id>`, or, for a rule with `cause:`, as that built-in mechanism. The format is documented
in docs/policies.md; the packaged `policies/default.yaml` holds every payer rule of the default world.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from denial_ml.data.synthetic.policy_schema import (
    ENGINE_KINDS,
    AgeEdit,
    AuthorizationRule,
    BaseRule,
    BundledPair,
    DiagnosisCoverage,
    FrequencyLimit,
    ModifierRequirement,
    NotCovered,
    PlaceOfServiceRule,
    Rule,
    SexEdit,
)

__all__ = [
    "ENGINE_KINDS",
    "AgeEdit",
    "AuthorizationRule",
    "BaseRule",
    "BundledPair",
    "DiagnosisCoverage",
    "FrequencyLimit",
    "ModifierRequirement",
    "NotCovered",
    "PlaceOfServiceRule",
    "Policies",
    "PolicyError",
    "Rule",
    "SexEdit",
    "applies_to",
    "default_policies",
    "load_policies",
    "parse_policies",
    "published_auth_codes",
]

DEFAULT_FILE = "default.yaml"


class PolicyError(ValueError):
    """A policy file cannot be read or breaks the schema (the message names the file, rule and field)."""


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
        """The published authorization lists, in file order."""
        return [r for r in self.rules if isinstance(r, AuthorizationRule) and r.published]

    def unpublished_auths(self) -> list[AuthorizationRule]:
        """The authorization requirements a payer starts without announcing them, in file order."""
        return [r for r in self.rules if isinstance(r, AuthorizationRule) and not r.published]

    def engine_rules(self) -> list[BaseRule]:
        """The rules recorded as their own mechanism `policy:<id>` (no `cause:`, not `authorization`)."""
        return [r for r in self.rules if not isinstance(r, AuthorizationRule) and not r.cause]

    def cause_rules(self) -> list[BaseRule]:
        """The rules that feed a built-in mechanism (`cause:`), in file order."""
        return [r for r in self.rules if not isinstance(r, AuthorizationRule) and r.cause]

    def without(self, *ids: str) -> Policies:
        """These policies less the rules with these ids (to build a world without them).

        Raises:
            KeyError: naming any id that is not a rule here.
        """
        unknown = sorted(set(ids) - {r.id for r in self.rules})
        if unknown:
            raise KeyError(f"no rule with id {', '.join(unknown)}")
        return Policies(rules=tuple(r for r in self.rules if r.id not in ids))


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


@cache
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
