"""`transform_in_chunks`: the very feature matrix of one pass, whatever the chunk size and the lines' order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.chunks import transform_array_in_chunks, transform_in_chunks


@pytest.fixture(scope="module")
def fitted() -> tuple[FeatureBuilder, dict[str, pd.DataFrame]]:
    tables = generate_world(3_000, seed=5)
    return FeatureBuilder().fit(tables), tables


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns) and a.shape == b.shape
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("rows", [97, 1000, 2999])
def test_chunks_equal_one_pass(fitted, rows: int) -> None:
    builder, tables = fitted
    claims, lines = tables["claims"], tables["claim_lines"]
    whole = builder.transform(claims, lines)
    assert whole["n_lines"].gt(1).any()  # claims with several lines cross no chunk boundary
    _assert_same(transform_in_chunks(builder, claims, lines, rows=rows), whole)


def test_chunks_take_lines_in_any_order_and_drop_lines_of_other_claims(fitted) -> None:
    builder, tables = fitted
    claims, lines = tables["claims"].iloc[:1200], tables["claim_lines"]
    shuffled = lines.sample(frac=1.0, random_state=3)  # lines of claims 1200+ are in it: no claim here has them
    # A claim's first line names its primary procedure: the chunks keep each claim's lines in their given order.
    whole = builder.transform(claims, shuffled)
    assert not whole["primary_procedure"].equals(builder.transform(claims, lines)["primary_procedure"])
    _assert_same(transform_in_chunks(builder, claims, shuffled, rows=250), whole)
    assert len(whole) == 1200


def test_duplicate_claim_ids_take_one_pass(fitted) -> None:
    builder, tables = fitted
    claims = pd.concat([tables["claims"].iloc[:50]] * 2, ignore_index=True)
    got = transform_in_chunks(builder, claims, tables["claim_lines"], rows=30)
    _assert_same(got, builder.transform(claims, tables["claim_lines"]))
    assert np.isfinite(got["n_lines"]).all()


def test_array_chunks_call_the_builder_once_per_chunk(fitted, monkeypatch) -> None:
    builder, tables = fitted
    calls: list[int] = []
    transform = FeatureBuilder.transform_array
    monkeypatch.setattr(FeatureBuilder, "transform_array", lambda b, c, ln: calls.append(len(c)) or transform(b, c, ln))
    got = transform_array_in_chunks(builder, tables["claims"], tables["claim_lines"], rows=1100)
    assert calls == [1100, 1100, 800]
    np.testing.assert_array_equal(got, transform(builder, tables["claims"], tables["claim_lines"]))
