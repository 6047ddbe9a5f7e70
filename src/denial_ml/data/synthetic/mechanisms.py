"""The generator's denial mechanisms: each a way a claim gets denied, with the codes the payer sends for it.

Kept apart from `outcomes` (which computes their hazards) so the policy schema can check a rule's `cause:`
against them without importing the generator's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mechanism:
    """A way a claim gets denied, with the codes the payer sends for it."""

    name: str
    category: str
    level: str  # "claim" or "line"
    carc: str
    rarc: str = ""
    group: str = "CO"


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("elig_inactive", "eligibility", "claim", "27", "N30"),
    Mechanism("elig_typo", "eligibility", "claim", "31"),
    Mechanism("elig_base", "eligibility", "claim", "27"),
    Mechanism("auth_missing", "authorization", "claim", "197"),
    Mechanism("auth_expired", "authorization", "claim", "197", "N54"),
    Mechanism("auth_base", "authorization", "claim", "197"),
    Mechanism("auth_wrong_code", "authorization", "line", "197", "N54"),
    Mechanism("auth_units", "authorization", "line", "198", "N54"),
    Mechanism("coding_misfit", "coding", "claim", "11"),
    Mechanism("coding_inactive_dx", "coding", "claim", "146", "M76"),
    Mechanism("coding_base", "coding", "line", "4"),
    Mechanism("coding_missing25", "coding", "line", "97", "M15"),
    Mechanism("coding_telehealth", "coding", "line", "5"),
    Mechanism("coding_missing_gp", "coding", "line", "4"),
    Mechanism("coding_bad_modifier", "coding", "line", "4"),
    Mechanism("coding_bundled59", "coding", "line", "97", "M15"),
    Mechanism("missing_npi", "missing_information", "claim", "16", "N290"),
    Mechanism("missing_base", "missing_information", "claim", "16", "MA130"),
    Mechanism("missing_pointer", "missing_information", "line", "16", "M76"),
    Mechanism("necessity", "medical_necessity", "line", "50", "N115"),
    Mechanism("noncovered", "non_covered", "line", "96", "N130"),
    Mechanism("noncovered_plan", "non_covered", "line", "204"),
    Mechanism("timely", "timely_filing", "claim", "29"),
    Mechanism("duplicate", "duplicate", "claim", "18", "", "OA"),
)
MECH_INDEX = {m.name: i for i, m in enumerate(MECHANISMS)}
