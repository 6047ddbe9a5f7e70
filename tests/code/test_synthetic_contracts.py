"""The generator's hidden-state contract: declared hidden columns, loud errors naming a missing or stray one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic import outcomes
from denial_ml.data.synthetic.hidden import (
    HIDDEN,
    ClaimDefects,
    HiddenStateError,
    LineDefects,
    add_hidden,
    hidden,
    public,
)
from denial_ml.schemas import TABLES


def test_hidden_columns_never_shadow_a_written_column():
    for table, declared in HIDDEN.items():
        assert not set(declared) & set(TABLES[table].columns), table


def test_defects_read_underscored_declared_columns():
    for cls, table in ((ClaimDefects, "claims"), (LineDefects, "claim_lines")):
        for field in dataclasses.fields(cls):
            assert f"_{field.name}" in HIDDEN[table], field.name


def test_adding_an_undeclared_hidden_column_names_it():
    with pytest.raises(HiddenStateError, match="_auth_wrng"):
        add_hidden(pd.DataFrame({"claim_id": ["C1"]}), "claims", _auth_wrng=[True])


def test_reading_a_missing_hidden_column_names_it_and_its_stage():
    frame = pd.DataFrame({"claim_id": ["C1"]})
    with pytest.raises(HiddenStateError, match=r"'_dx_misfit' is missing: diagnoses.add_diagnoses adds it"):
        hidden(frame, "claims", "_dx_misfit")
    with pytest.raises(HiddenStateError, match="not a declared hidden claims column"):
        hidden(frame, "claims", "_misfit")


def test_claim_defects_name_the_first_missing_defect():
    frame = add_hidden(pd.DataFrame({"claim_id": ["C1"]}), "claims", _coverage_inactive=[False])
    with pytest.raises(HiddenStateError, match="_member_typo"):
        ClaimDefects.of(frame)


def test_public_drops_declared_hidden_columns_and_refuses_stray_ones():
    columns = list(TABLES["coverages"].columns)
    frame = pd.DataFrame({c: ["x"] for c in columns}).assign(_patient=[0])
    assert list(public(frame, "coverages").columns) == columns
    with pytest.raises(HiddenStateError, match="_latent"):
        public(frame.assign(_latent=[1]), "coverages")


def test_decisions_are_named():
    rng = np.random.default_rng(0)
    decisions = outcomes.decide_denials(
        rng, np.full((3, len(outcomes.MECHANISMS)), 0.1), np.zeros((0, len(outcomes.MECHANISMS))), np.zeros(0, int)
    )
    assert isinstance(decisions, outcomes.Denials) and decisions.prob.shape == (3,)
    assert (decisions.mech[~decisions.denied] == -1).all()
