"""The denial rule of DOMAIN.md on hand-written remittances whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.labels import isin, label_claims, map_keys


def _remit(rid, claim, status, paid, day="2025-01-10", seq=1, charge=100.0):
    return dict(
        remit_id=rid,
        claim_id=claim,
        claim_status_code=status,
        total_charge=charge,
        paid_amount=paid,
        patient_responsibility=0.0,
        payer_claim_id=None,
        payer_id="P",
        adjudication_date=pd.Timestamp(day),
        remit_sequence=seq,
    )


def _line(rid, claim, n, paid, charge=50.0):
    return dict(
        remit_id=rid,
        claim_id=claim,
        line_number=n,
        claim_line_number=n,
        line_control_number=None,
        procedure_code="99213",
        modifiers=None,
        line_charge=charge,
        paid_amount=paid,
        units=1.0,
        service_date=pd.Timestamp("2025-01-01"),
    )


def _adj(rid, claim, line, group, carc, amount):
    return dict(
        remit_id=rid,
        claim_id=claim,
        line_number=line,
        group_code=group,
        carc=carc,
        amount=amount,
        quantity=None,
    )


def _tables():
    remits = pd.DataFrame(
        [
            _remit("r1", "denied_clp4", "4", 0.0),
            _remit("r2", "paid_clean", "1", 60.0),
            _remit("r3", "zero_paid_co197", "1", 0.0),
            _remit("r4", "partial_line", "1", 40.0),
            _remit("r5", "reversed", "1", 70.0, day="2025-01-05"),
            _remit("r6", "reversed", "22", -70.0, day="2025-02-01", seq=2),
            _remit("r7", "reversed", "1", 72.0, day="2025-02-01", seq=3),
            _remit("r8", "deductible_only", "1", 0.0),
            _remit("r9", "two_reasons", "4", 0.0),
        ]
    )
    lines = pd.DataFrame(
        [
            _line("r4", "partial_line", 1, 40.0),
            _line("r4", "partial_line", 2, 0.0),
            _line("r8", "deductible_only", 1, 0.0),
        ]
    )
    adj = pd.DataFrame(
        [
            _adj("r1", "denied_clp4", None, "CO", "27", 100.0),
            _adj("r2", "paid_clean", None, "CO", "45", 40.0),
            _adj("r3", "zero_paid_co197", None, "CO", "197", 100.0),
            _adj("r4", "partial_line", 2, "CO", "97", 50.0),
            _adj("r4", "partial_line", 1, "CO", "45", 10.0),
            _adj("r6", "reversed", None, "CR", "45", -30.0),
            _adj("r7", "reversed", None, "CO", "45", 28.0),
            _adj("r8", "deductible_only", 1, "PR", "1", 50.0),
            _adj("r9", "two_reasons", None, "CO", "16", 20.0),
            _adj("r9", "two_reasons", None, "CO", "50", 80.0),
        ]
    )
    adj["line_number"] = adj["line_number"].astype("Int64")
    return remits, lines, adj


def test_denial_rule_on_known_cases():
    labels = label_claims(*_tables()).set_index("claim_id")
    assert len(labels) == 7  # one row per adjudicated claim, reversal pair included once
    assert labels.loc["denied_clp4", "denied"] and labels.loc["denied_clp4", "denial_category"] == "eligibility"
    assert not labels.loc["paid_clean", "denied"]  # CO-45 is a contractual write-down, not a denial
    assert labels.loc["zero_paid_co197", "denied"]
    assert labels.loc["zero_paid_co197", "denial_category"] == "authorization"
    partial = labels.loc["partial_line"]
    assert partial["denied"] and not partial["claim_level_denial"] and partial["denied_lines"] == 1
    assert partial["denial_category"] == "coding" and partial["denial_carc"] == "97"
    assert partial["denied_amount"] == 50.0
    assert not labels.loc["reversed", "denied"]  # a reversal with its correction is not a denial
    assert labels.loc["reversed", "remit_id"] == "r5"
    assert not labels.loc["deductible_only", "denied"]  # PR-1 is patient responsibility
    # The category follows the largest denial amount.
    assert labels.loc["two_reasons", "denial_category"] == "medical_necessity"
    assert labels.loc["two_reasons", "denied_amount"] == 100.0
    assert labels.loc["paid_clean", "denial_category"] == ""


def test_pending_claims_get_no_label():
    remits, lines, adj = _tables()
    labels = label_claims(remits[remits["claim_id"] != "denied_clp4"], lines, adj)
    assert "denied_clp4" not in set(labels["claim_id"])


def test_isin_on_string_ids_is_pandas_isin():
    column = pd.Series(["R1", "R2", None, "R3", "R2"], dtype="str", index=[10, 11, 12, 13, 14])
    for values in (
        pd.Series(["R2", "R9"], dtype="str"),
        pd.Series(["R3", None], dtype="str"),
        pd.Series([], dtype="str"),
    ):
        assert isin(column, values).tolist() == column.isin(values).tolist()
    assert isin(column, pd.Series(["R2"], dtype="str")).tolist() == [False, True, False, False, True]
    numbers = pd.Series([1, 2, 3])
    assert isin(numbers, pd.Series([2])).tolist() == [False, True, False]


def test_map_keys_is_series_map_through_a_keyed_series():
    values = pd.Series(["C2", "C9", None, "C1", "C2"], dtype="str", index=[4, 5, 6, 7, 8])
    keys = pd.Series(["C1", "C2", "C3"], dtype="str")
    for targets in (pd.Series([0.5, 0.25, 1.0]), pd.Series(["medicare", "commercial", "tricare"], dtype="str")):
        expected = values.map(pd.Series(targets.to_numpy(), index=keys))
        pd.testing.assert_series_equal(map_keys(values, keys, targets), expected)
    assert map_keys(values, keys, pd.Series([0.5, 0.25, 1.0])).tolist()[:2] == [
        0.25,
        pytest.approx(float("nan"), nan_ok=True),
    ]
