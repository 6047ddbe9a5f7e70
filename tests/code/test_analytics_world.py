"""A small hand-written world whose denial measures are worked out by hand, and checks of its per-claim facts.

Other analytics tests import `hand_world()` and `AS_OF` from here.

Payers: P1 commercial (appeal deadline 60 days), P2 medicare (120 days).
Providers: A = 1111111111, B = 2222222222; billing NPI of every claim: clinic 9999999999.

claim month   payer rend charge freq decision (adjudicated, days after submission)     denial (category, $)
C1    2024-01 P1    A     100   1    paid 80 + CO-45 20 (01-30, 20 d)                     -
C2    2024-01 P1    A     200   1    CLP 4, CO-197 200 (02-01, 20 d)                      authorization 200
C3    2024-01 P2    B     300   1    paid 100; line 2 paid 0 CO-50 200 (02-19, 30 d)      med. necessity 200
C4    2024-02 P1    B     150   1    paid 150 (02-25, 20 d), reversed (22), repaid 120    -
C5    2024-02 P1    A     120   1    pending: no remittance                               -
C6    2024-02 P1    A      80   1    CLP 4, CO-16 80 (03-05, 20 d); replaced by C7        missing info 80
C7    2024-02 P1    A      80   7    paid 80 (03-30, 20 d); replaces C6                   -
C8    2024-03 P1    B     250   1    CLP 4, CO-27 250 (03-13, 10 d)                       eligibility 250
C9    2024-03 P1    A      90   1    CLP 4, CO-96 90 (03-28, 20 d)                        non_covered 90
C10   2024-03 P1    A      60   1    paid 0, PR-1 60 deductible (03-22, 10 d)             -
C11   2024-01 P2    B      40   1    CLP 4, CO-18 40 (01-25, 10 d)                        duplicate 40
C12   2024-04 P2    -     500   1    CLP 4, CO-15 500 (04-23, 20 d); rendering empty      authorization 500

Appeals: A1 C2 filed 02-10 overturned 03-11 (30 d) recovered 150; A2 C3 filed 03-01 upheld 04-30 (60 d);
A3 C8 filed 06-01 upheld 06-21 (20 d) -- filed after its deadline 05-12; A4 C12 filed 05-01 pending.
As-of date = latest date in the tables = 2024-06-21.
"""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.analytics.facts import build_claim_facts, default_as_of
from denial_ml.labels import label_claims
from denial_ml.schemas import validate_table

AS_OF = pd.Timestamp("2024-06-21")
CLINIC, DR_A, DR_B = "9999999999", "1111111111", "2222222222"

# claim_id, payer, rendering, service date, submission date, charge, frequency, original, line-1 procedure
CLAIMS = [
    ("C1", "P1", DR_A, "2024-01-05", "2024-01-10", 100.0, "1", None, "99213"),
    ("C2", "P1", DR_A, "2024-01-08", "2024-01-12", 200.0, "1", None, "72148"),
    ("C3", "P2", DR_B, "2024-01-15", "2024-01-20", 300.0, "1", None, "99214"),
    ("C4", "P1", DR_B, "2024-02-03", "2024-02-05", 150.0, "1", None, "99213"),
    ("C5", "P1", DR_A, "2024-02-10", "2024-02-12", 120.0, "1", None, "99213"),
    ("C6", "P1", DR_A, "2024-02-12", "2024-02-14", 80.0, "1", None, "99212"),
    ("C7", "P1", DR_A, "2024-02-12", "2024-03-10", 80.0, "7", "C6", "99212"),
    ("C8", "P1", DR_B, "2024-03-01", "2024-03-03", 250.0, "1", None, "99215"),
    ("C9", "P1", DR_A, "2024-03-05", "2024-03-08", 90.0, "1", None, "97110"),
    ("C10", "P1", DR_A, "2024-03-10", "2024-03-12", 60.0, "1", None, "99213"),
    ("C11", "P2", DR_B, "2024-01-10", "2024-01-15", 40.0, "1", None, "99213"),
    ("C12", "P2", None, "2024-04-01", "2024-04-03", 500.0, "1", None, "72148"),
]
# remit_id, claim_id, CLP02, charge, paid, adjudication date, sequence
REMITS = [
    ("R1", "C1", "1", 100.0, 80.0, "2024-01-30", 1),
    ("R2", "C2", "4", 200.0, 0.0, "2024-02-01", 1),
    ("R3", "C3", "1", 300.0, 100.0, "2024-02-19", 1),
    ("R4a", "C4", "1", 150.0, 150.0, "2024-02-25", 1),
    ("R4b", "C4", "22", 150.0, -150.0, "2024-03-05", 2),
    ("R4c", "C4", "1", 150.0, 120.0, "2024-03-05", 3),
    ("R6", "C6", "4", 80.0, 0.0, "2024-03-05", 1),
    ("R7", "C7", "1", 80.0, 80.0, "2024-03-30", 1),
    ("R8", "C8", "4", 250.0, 0.0, "2024-03-13", 1),
    ("R9", "C9", "4", 90.0, 0.0, "2024-03-28", 1),
    ("R10", "C10", "1", 60.0, 0.0, "2024-03-22", 1),
    ("R11", "C11", "4", 40.0, 0.0, "2024-01-25", 1),
    ("R12", "C12", "4", 500.0, 0.0, "2024-04-23", 1),
]
# remit_id, claim_id, line (None: claim level), group, CARC, amount
ADJUSTMENTS = [
    ("R1", "C1", None, "CO", "45", 20.0),
    ("R2", "C2", None, "CO", "197", 200.0),
    ("R3", "C3", 2, "CO", "50", 200.0),
    ("R4c", "C4", None, "CO", "45", 30.0),
    ("R6", "C6", None, "CO", "16", 80.0),
    ("R8", "C8", None, "CO", "27", 250.0),
    ("R9", "C9", None, "CO", "96", 90.0),
    ("R10", "C10", None, "PR", "1", 60.0),
    ("R11", "C11", None, "CO", "18", 40.0),
    ("R12", "C12", None, "CO", "15", 500.0),
]
# appeal_id, claim_id, filed, outcome, recovered, decision date
APPEALS = [
    ("A1", "C2", "2024-02-10", "overturned", 150.0, "2024-03-11"),
    ("A2", "C3", "2024-03-01", "upheld", 0.0, "2024-04-30"),
    ("A3", "C8", "2024-06-01", "upheld", 0.0, "2024-06-21"),
    ("A4", "C12", "2024-05-01", "pending", 0.0, None),
]


def hand_world() -> dict[str, pd.DataFrame]:
    """The tables of the module docstring, validated against the project's schemas."""
    claims = pd.DataFrame(
        {
            "claim_id": [c[0] for c in CLAIMS],
            "patient_id": [f"PT{i}" for i in range(len(CLAIMS))],
            "member_id": [f"M{i}" for i in range(len(CLAIMS))],
            "payer_id": [c[1] for c in CLAIMS],
            "billing_provider_npi": CLINIC,
            "rendering_provider_npi": [c[2] for c in CLAIMS],
            "claim_type": "837P",
            "claim_frequency_code": [c[6] for c in CLAIMS],
            "place_of_service": "11",
            "service_date_from": [c[3] for c in CLAIMS],
            "service_date_to": [c[3] for c in CLAIMS],
            "submission_date": [c[4] for c in CLAIMS],
            "total_charge": [c[5] for c in CLAIMS],
            "diagnosis_codes": "M545",
            "prior_auth_number": None,
            "original_claim_id": [c[7] for c in CLAIMS],
            "eligibility_checked": True,
            "eligibility_check_date": None,
            "eligibility_status": "active",
        }
    )
    lines = [(c[0], 1, c[8], c[5], c[3]) for c in CLAIMS if c[0] != "C3"]
    lines += [("C3", 1, "99214", 100.0, "2024-01-15"), ("C3", 2, "93000", 200.0, "2024-01-15")]
    claim_lines = pd.DataFrame(
        {
            "claim_id": [x[0] for x in lines],
            "line_number": [x[1] for x in lines],
            "line_control_number": [f"{x[0]}-{x[1]}" for x in lines],
            "procedure_code": [x[2] for x in lines],
            "modifier_1": None,
            "modifier_2": None,
            "modifier_3": None,
            "modifier_4": None,
            "units": 1,
            "line_charge": [x[3] for x in lines],
            "diagnosis_pointers": "1",
            "service_date": [x[4] for x in lines],
            "revenue_code": None,
        }
    )
    tables = {
        "payers": pd.DataFrame(
            {
                "payer_id": ["P1", "P2"],
                "payer_name": ["Acme Health", "Medicare"],
                "payer_type": ["commercial", "medicare"],
                "timely_filing_days": [90, 365],
                "appeal_deadline_days": [60, 120],
                "auth_required_codes": ["72148", "72148"],
            }
        ),
        "providers": pd.DataFrame(
            {
                "provider_npi": [CLINIC, DR_A, DR_B],
                "provider_name": ["Clinic", "Dr A", "Dr B"],
                "entity_type": ["2", "1", "1"],
                "taxonomy_code": ["261QM1300X", "207Q00000X", "207R00000X"],
                "specialty": ["clinic", "family medicine", "internal medicine"],
            }
        ),
        "claims": claims,
        "claim_lines": claim_lines,
        "remittances": pd.DataFrame(
            {
                "remit_id": [r[0] for r in REMITS],
                "claim_id": [r[1] for r in REMITS],
                "claim_status_code": [r[2] for r in REMITS],
                "total_charge": [r[3] for r in REMITS],
                "paid_amount": [r[4] for r in REMITS],
                "patient_responsibility": [60.0 if r[0] == "R10" else 0.0 for r in REMITS],
                "payer_claim_id": [f"X{r[0]}" for r in REMITS],
                "payer_id": None,
                "adjudication_date": [r[5] for r in REMITS],
                "remit_sequence": [r[6] for r in REMITS],
            }
        ),
        "remittance_lines": pd.DataFrame(
            {
                "remit_id": ["R3", "R3"],
                "claim_id": ["C3", "C3"],
                "line_number": [1, 2],
                "claim_line_number": [1, 2],
                "line_control_number": ["C3-1", "C3-2"],
                "procedure_code": ["99214", "93000"],
                "modifiers": None,
                "line_charge": [100.0, 200.0],
                "paid_amount": [100.0, 0.0],
                "units": [1.0, 1.0],
                "service_date": ["2024-01-15", "2024-01-15"],
            }
        ),
        "adjustments": pd.DataFrame(
            {
                "remit_id": [a[0] for a in ADJUSTMENTS],
                "claim_id": [a[1] for a in ADJUSTMENTS],
                "line_number": pd.array([a[2] for a in ADJUSTMENTS], dtype="Int64"),
                "group_code": [a[3] for a in ADJUSTMENTS],
                "carc": [a[4] for a in ADJUSTMENTS],
                "amount": [a[5] for a in ADJUSTMENTS],
                "quantity": None,
            }
        ),
        "appeals": pd.DataFrame(
            {
                "appeal_id": [a[0] for a in APPEALS],
                "claim_id": [a[1] for a in APPEALS],
                "filed_date": [a[2] for a in APPEALS],
                "appeal_level": 1,
                "outcome": [a[3] for a in APPEALS],
                "recovered_amount": [a[4] for a in APPEALS],
                "decision_date": [a[5] for a in APPEALS],
            }
        ),
    }
    return {name: validate_table(name, frame) for name, frame in tables.items()}


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    tables = hand_world()
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    return build_claim_facts(tables, labels, AS_OF).set_index("claim_id")


def _ids(flags: pd.Series) -> list[str]:
    return sorted(flags.index[flags.astype(bool)], key=lambda c: int(c[1:]))


def test_as_of_is_latest_date_in_tables() -> None:
    assert default_as_of(hand_world()) == AS_OF  # A3's decision date


def test_denied_claims_follow_the_labelling_rule(facts: pd.DataFrame) -> None:
    # C3 is denied by its line 2 only; C4's reversal is not a denial; C10's deductible is not a denial.
    assert _ids(facts["denied"]) == ["C2", "C3", "C6", "C8", "C9", "C11", "C12"]
    assert _ids(facts["pending"]) == ["C5"]
    assert facts.loc["C3", "denied_amount"] == 200.0
    assert facts.loc["C3", "category"] == "medical_necessity"


def test_rework_flags(facts: pd.DataFrame) -> None:
    assert _ids(facts["reversed"]) == ["C4"]
    assert _ids(facts["replaced"]) == ["C6"]
    # Clean: original, adjudicated, not denied, not reversed, not replaced -> C1 and C10 (C4 reversed,
    # C7 is a replacement).
    assert _ids(facts["clean"]) == ["C1", "C10"]
    # First-pass paid: original, not denied, paid > 0 -> C1 and C4 (C10 paid $0 to the deductible).
    assert _ids(facts["first_pass_paid"]) == ["C1", "C4"]


def test_dimensions(facts: pd.DataFrame) -> None:
    assert facts.loc["C12", "provider_npi"] == CLINIC  # no rendering provider: billing NPI
    assert facts.loc["C3", "procedure_code"] == "99214"  # primary procedure = line 1
    assert facts.loc["C11", "month"] == "2024-01"
    assert facts.loc["C3", "payer_type"] == "medicare"


def test_deadlines_and_write_offs(facts: pd.DataFrame) -> None:
    # C8 appealed 06-01 after its deadline 03-13 + 60 d = 05-12; C9 never appealed, deadline 05-27 passed.
    # C11 is a duplicate (not appealable); C12's deadline 08-21 is still ahead; C6 was corrected (C7).
    assert _ids(facts["missed_deadline"]) == ["C8", "C9"]
    assert _ids(facts["late_appeals"]) == ["C8"]
    expected = {"C2": 50.0, "C3": 200.0, "C8": 250.0, "C9": 90.0, "C11": 40.0}  # C2: 200 - 150 recovered
    assert facts.loc[facts["write_off"] > 0, "write_off"].to_dict() == expected
    assert facts.loc["C12", "write_off"] == 0.0  # appeal still pending
