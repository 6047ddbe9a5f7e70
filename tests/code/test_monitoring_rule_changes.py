"""The payer rule-change watch on made-up daily outcomes: silent without a change, quick and specific with one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.monitoring.rule_changes import detect_rule_changes, first_alarm

START = pd.Timestamp("2024-01-01")
CHANGE_DAY = 300


def make_obs(seed: int, jump: dict | None = None, co_billed: float = 0.0, days: int = 420) -> pd.DataFrame:
    """Claims of 4 payers x 6 codes, 2 per cell-day at rate 0.1; `jump` = {(payer, code): rate after CHANGE_DAY}.

    With `co_billed`, that share of the claims holding a jumped code also carry code "C5" (one claim, two rows).
    """
    rng = np.random.default_rng(seed)
    rows = []
    claim = 0
    for payer in ("P0", "P1", "P2", "P3"):
        for code in ("C0", "C1", "C2", "C3", "C4", "C5"):
            counts = rng.poisson(2.0, days)
            for day, count in enumerate(counts):
                for _ in range(count):
                    rate = 0.1
                    if jump and (payer, code) in jump and day >= CHANGE_DAY:
                        rate = jump[(payer, code)]
                    denied = bool(rng.random() < rate)
                    when = START + pd.Timedelta(days=day)
                    rows.append((f"K{claim}", payer, code, when, denied, "authorization" if denied else ""))
                    if jump and (payer, code) in jump and rng.random() < co_billed:
                        rows.append((f"K{claim}", payer, "C5", when, denied, "authorization" if denied else ""))
                    claim += 1
    return pd.DataFrame(rows, columns=["claim_id", "payer_id", "procedure_code", "day", "denied", "denial_category"])


@pytest.mark.parametrize("seed", range(4))
def test_no_change_flags_nothing(seed: int) -> None:
    report = detect_rule_changes(make_obs(seed), since=START + pd.Timedelta(days=200))
    assert report.flags.empty, report.flags
    assert report.start_points == 24 * 365  # cells with history x the planned horizon
    assert report.threshold == pytest.approx(np.log(report.start_points / 0.05))


def test_a_jump_is_flagged_soon_with_its_size_and_certainty() -> None:
    obs = make_obs(7, jump={("P1", "C2"): 0.6})
    report = detect_rule_changes(obs, since=START + pd.Timedelta(days=200))
    assert list(zip(report.flags["payer_id"], report.flags["procedure_code"], strict=True)) == [("P1", "C2")]
    flag = report.flags.iloc[0]
    change = START + pd.Timedelta(days=CHANGE_DAY)
    assert change <= flag["first_alarm"] <= change + pd.Timedelta(days=14)
    assert abs((flag["change_start"] - change).days) <= 7
    assert flag["jump_low"] <= flag["jump"] <= flag["jump_high"]
    assert 0.4 < flag["jump"] < 0.6
    assert flag["p_rate_rose"] > 0.999
    assert flag["false_flag_bound"] < 1e-6
    assert flag["main_category"] == "authorization"


def test_as_of_uses_only_outcomes_known_by_then() -> None:
    obs = make_obs(7, jump={("P1", "C2"): 0.6})
    since = START + pd.Timedelta(days=200)
    alarm = first_alarm(detect_rule_changes(obs, since=since), "P1", "C2")
    assert alarm is not None
    assert detect_rule_changes(obs, since=since, as_of=alarm - pd.Timedelta(days=1)).flags.empty
    assert first_alarm(detect_rule_changes(obs, since=since, as_of=alarm), "P1", "C2") == alarm
    assert first_alarm(detect_rule_changes(obs, since=since), "P0", "C0") is None


def test_a_code_billed_with_the_changed_code_is_explained_not_flagged() -> None:
    obs = make_obs(11, jump={("P2", "C1"): 0.7}, co_billed=0.8)
    report = detect_rule_changes(obs, since=START + pd.Timedelta(days=200))
    assert list(report.flags["procedure_code"]) == ["C1"]
    explained = report.explained.set_index("procedure_code")
    assert explained.loc["C5", "explained_by"] == "C1"


def test_bad_periods_are_named() -> None:
    obs = make_obs(1, days=60)
    with pytest.raises(ValueError, match="no outcomes before since"):
        detect_rule_changes(obs, since=START)
    with pytest.raises(ValueError, match="is after the last outcome used"):
        detect_rule_changes(obs, since=START + pd.Timedelta(days=30), as_of=START + pd.Timedelta(days=10))
