"""The synthetic world's physics, as data: payers, specialties and the rates of each denial mechanism.

Figures are chosen so that the world lands in DOMAIN.md's ranges (overall denial rate 10-15 %, Medicare FFS
lowest, Medicare Advantage and commercial highest) and so that part of each mechanism stays hidden (latent
documentation quality, payer examiners' noise), which keeps the truth's own ROC-AUC in 0.82-0.92.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from denial_ml.data.synthetic.policies import AuthorizationRule, default_policies


@dataclass(frozen=True)
class PayerSpec:
    """A payer with its deadlines, strictness and fee level (its rules are in the policy file, `policies.py`)."""

    payer_id: str
    name: str
    payer_type: str
    share: float  # share of patients covered
    timely_filing_days: int
    appeal_deadline_days: int
    strictness: float  # multiplies discretionary denial rates (medical necessity, coding, base noise)
    allowed_ratio: float  # allowed amount / charge
    adjudication_days: int  # median days from submission to remittance
    eligibility_check_rate: float  # share of claims whose eligibility the practice verifies


PAYERS: tuple[PayerSpec, ...] = (
    PayerSpec("MCR01", "Medicare Part B (MAC J-H)", "medicare", 0.20, 365, 120, 0.40, 0.50, 14, 0.80),
    PayerSpec("MA001", "Summit Advantage", "medicare_advantage", 0.10, 180, 60, 1.50, 0.52, 21, 0.72),
    PayerSpec("MA002", "Keystone Medicare Plus", "medicare_advantage", 0.07, 365, 65, 1.40, 0.50, 25, 0.70),
    PayerSpec("MCD01", "State Medicaid FFS", "medicaid", 0.10, 365, 90, 0.85, 0.40, 35, 0.66),
    PayerSpec("MCD02", "Bluewater Medicaid Managed Care", "medicaid", 0.08, 180, 60, 1.35, 0.42, 30, 0.62),
    PayerSpec("COM01", "Northstar Health", "commercial", 0.15, 90, 180, 1.30, 0.72, 18, 0.72),
    PayerSpec("COM02", "Pinnacle Insurance", "commercial", 0.12, 180, 180, 1.20, 0.68, 22, 0.74),
    PayerSpec("COM03", "Harbor Mutual", "commercial", 0.07, 120, 65, 1.10, 0.75, 20, 0.70),
    PayerSpec("COM04", "Evergreen Benefit Plans", "commercial", 0.05, 90, 90, 1.55, 0.65, 28, 0.68),
    PayerSpec("TRI01", "Tricare East", "tricare", 0.06, 365, 90, 0.80, 0.50, 20, 0.80),
)


@dataclass(frozen=True)
class SpecialtySpec:
    """How a specialty bills: its share of claims, first-line codes, add-on codes and line counts."""

    share: float
    primary: dict[str, float]
    addons: dict[str, float]
    extra_lines: tuple[float, ...]  # probabilities of 0, 1, 2, ... add-on lines
    pos: dict[str, float]
    age_bands: tuple[float, float, float]  # child, adult, senior
    claim_type_837i: float = 0.0


SPECIALTIES: dict[str, SpecialtySpec] = {
    "primary_care": SpecialtySpec(
        0.30,
        {
            "99213": 0.36,
            "99214": 0.30,
            "99215": 0.06,
            "99203": 0.06,
            "99202": 0.03,
            "99396": 0.10,
            "G0439": 0.09,
        },
        {
            "36415": 0.28,
            "80053": 0.18,
            "83036": 0.14,
            "80061": 0.14,
            "90471": 0.08,
            "90686": 0.06,
            "93000": 0.06,
            "20610": 0.03,
            "11102": 0.03,
        },
        (0.45, 0.25, 0.18, 0.12),
        {"11": 0.95, "02": 0.02, "10": 0.03},
        (0.12, 0.50, 0.38),
    ),
    "physical_therapy": SpecialtySpec(
        0.16,
        {"97110": 0.62, "97161": 0.12, "97112": 0.10, "97530": 0.16},
        {"97140": 0.45, "97530": 0.30, "97112": 0.12, "G0283": 0.13},
        (0.20, 0.45, 0.35),
        {"11": 0.97, "12": 0.03},
        (0.05, 0.55, 0.40),
    ),
    "behavioral_health": SpecialtySpec(
        0.18,
        {
            "97153": 0.30,
            "97155": 0.10,
            "97151": 0.04,
            "97156": 0.04,
            "90834": 0.22,
            "90837": 0.20,
            "90791": 0.06,
            "90847": 0.04,
        },
        {"97155": 0.70, "97156": 0.30},
        (0.80, 0.15, 0.05),
        {"11": 0.55, "02": 0.15, "10": 0.22, "12": 0.08},
        (0.38, 0.55, 0.07),
    ),
    "radiology": SpecialtySpec(
        0.10,
        {"71046": 0.38, "72148": 0.18, "73721": 0.14, "70450": 0.16, "74177": 0.14},
        {},
        (1.0,),
        {"11": 0.35, "22": 0.45, "19": 0.20},
        (0.05, 0.55, 0.40),
        claim_type_837i=0.15,
    ),
    "cardiology": SpecialtySpec(
        0.08,
        {"99214": 0.34, "93306": 0.26, "93015": 0.20, "93000": 0.20},
        {"93000": 0.6, "36415": 0.4},
        (0.6, 0.3, 0.1),
        {"11": 0.75, "22": 0.25},
        (0.0, 0.45, 0.55),
        claim_type_837i=0.10,
    ),
    "orthopedics": SpecialtySpec(
        0.10,
        {"99213": 0.28, "99214": 0.18, "20610": 0.30, "29881": 0.12, "27447": 0.06, "E0114": 0.06},
        {"20610": 0.45, "J3301": 0.40, "E0114": 0.15},
        (0.55, 0.30, 0.15),
        {"11": 0.78, "24": 0.12, "22": 0.10},
        (0.04, 0.52, 0.44),
        claim_type_837i=0.18,
    ),
    "dermatology": SpecialtySpec(
        0.08,
        {"99213": 0.30, "11102": 0.26, "17000": 0.24, "17110": 0.14, "15823": 0.06},
        {"17000": 0.45, "11102": 0.35, "17110": 0.20},
        (0.55, 0.35, 0.10),
        {"11": 0.92, "24": 0.08},
        (0.06, 0.54, 0.40),
        claim_type_837i=0.05,
    ),
}

EM_CODES = frozenset({"99202", "99203", "99213", "99214", "99215"})
THERAPY_CODES = frozenset({"97110", "97140", "97530", "97112", "97161", "G0283"})
TELEHEALTH_POS = frozenset({"02", "10"})
GP_REQUIRED_PAYER_TYPES = frozenset({"medicare", "medicare_advantage", "tricare"})
HOSPITAL_POS = frozenset({"19", "21", "22"})


def _unannounced_rule() -> AuthorizationRule:
    """The default policy file's first unpublished authorization rule (COM01's therapy authorizations)."""
    return default_policies().unpublished_auths()[0]


def _unannounced_codes() -> tuple[str, ...]:
    return tuple(_unannounced_rule().codes)


@dataclass(frozen=True)
class WorldTimeline:
    """Dates of the world: history span and the changes that happen in it.

    The payer rule that starts mid-history (COM01 requires authorization for 97110/97530 from 2025-03-10 without
    announcing it; the practice learns it 120 days later) is in the policy file; `rule_change_*` describe the
    default file's rule for readers, and `rule_change_codes=()` (`--no-rule-change`) builds the world without
    any unpublished authorization rule.
    """

    start: dt.date = dt.date(2024, 1, 1)
    days: int = 731  # two full years of service dates
    rule_change_codes: tuple[str, ...] = field(default_factory=_unannounced_codes)
    # The practice fixes its authorization process on this date.
    auth_fix_date: dt.date = dt.date(2024, 10, 1)

    @property
    def rule_change_payer(self) -> str:
        """The payer of the default policy file's unannounced authorization rule."""
        return str(_unannounced_rule().payers[0])

    @property
    def rule_change_start(self) -> dt.date | None:
        """The first service date that rule applies to."""
        return _unannounced_rule().effective_from

    @property
    def practice_learns_after_days(self) -> int | None:
        """How long after its start the practice begins getting those authorizations (None: never)."""
        return _unannounced_rule().learned_after_days

    @property
    def end(self) -> dt.date:
        """Last service date of the world."""
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def as_of(self) -> dt.date:
        """The world's snapshot date: nothing is submitted, paid or decided after it."""
        return self.end + dt.timedelta(days=60)


# Payers pay from their fee schedule, not from the practice's charge: the allowed amount is the procedure's
# list charge x the payer's allowed ratio x this factor (capped at the billed charge), whatever the provider
# charged. Chargemasters mark imaging and surgery up far more than visits and therapy, so the billed amount
# overstates what an overturned big-ticket denial brings back.
ALLOWED_FACTOR: dict[str, float] = {
    **dict.fromkeys(("99202", "99203", "99213", "99214", "99215", "99396", "G0439"), 1.15),
    **dict.fromkeys(("97161", "97110", "97140", "97530", "97112", "G0283"), 1.2),
    **dict.fromkeys(("97151", "97153", "97155", "97156"), 1.25),
    **dict.fromkeys(("90791", "90834", "90837", "90847"), 1.2),
    **dict.fromkeys(("36415", "80053", "83036", "80061"), 0.7),
    **dict.fromkeys(("70450", "72148", "73721", "74177"), 0.55),
    "71046": 0.8,
    "93306": 0.65,
    "93015": 0.65,
    "29881": 0.6,
    "27447": 0.45,
    "15823": 0.7,
    "J3301": 0.8,
    "93000": 0.9,
}

# Mechanism rates. "hit" = probability of denial when the defect is present.
RATES = {
    "elig_inactive_hit": 0.93,
    "elig_typo_hit": 0.85,
    "elig_base": 0.0035,
    "auth_missing_hit": 0.88,
    "auth_expired_hit": 0.85,
    "auth_wrong_code_hit": 0.80,
    "auth_units_hit": 0.70,
    "auth_base": 0.0018,
    "coding_bad_modifier_hit": 0.75,
    "coding_dx_misfit_hit": 0.55,
    "coding_inactive_dx_hit": 0.90,
    "coding_base": 0.010,
    "missing_npi_hit": 0.80,
    "missing_pointer_hit": 0.70,
    "missing_base": 0.006,
    "necessity_prone_base": 0.045,
    "necessity_base": 0.0035,
    "noncovered_base": 0.003,
    "timely_hit": 0.96,
    "timely_edge": 0.04,
    "duplicate_hit": 0.92,
    "duplicate_base": 0.0015,
}
