"""`validate_schema`: an empty frame's validation is answered from a cache, as pandera would answer it."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from denial_ml.schemas import TABLES, TableValidationError, validate_schema, validate_table

SCHEMA = pa.DataFrameSchema(
    {"claim_id": pa.Column(str, coerce=True), "amount": pa.Column(float, coerce=True)}, strict=True
)


def empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def test_an_empty_frame_validates_as_pandera_validates_it_and_each_call_gets_its_own_copy() -> None:
    frame = empty({"claim_id": "object", "amount": "object"})
    first = validate_schema(SCHEMA, frame)
    expected = SCHEMA.validate(frame)
    pd.testing.assert_frame_equal(first, expected)
    assert str(first["amount"].dtype) == "float64"  # coerced
    first["extra"] = 1.0  # a caller changing its frame does not change the next caller's
    second = validate_schema(SCHEMA, frame)
    pd.testing.assert_frame_equal(second, expected)
    assert second is not first


def test_other_columns_or_dtypes_are_validated_afresh() -> None:
    as_text = validate_schema(SCHEMA, empty({"claim_id": "object", "amount": "object"}))
    as_number = validate_schema(SCHEMA, empty({"claim_id": "object", "amount": "int64"}))
    assert list(as_text.columns) == list(as_number.columns) == ["claim_id", "amount"]
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors), match="extra"):
        validate_schema(SCHEMA, empty({"claim_id": "object", "amount": "object", "extra": "object"}))


def test_a_failure_is_raised_every_time_and_never_cached() -> None:
    missing = empty({"claim_id": "object"})
    for _ in range(2):
        with pytest.raises(pa.errors.SchemaError, match="amount"):
            validate_schema(SCHEMA, missing)
    lines = empty({c: "object" for c in TABLES["claim_lines"].columns if c != "claim_id"})
    for _ in range(2):
        with pytest.raises(TableValidationError, match="column 'claim_id' is missing"):
            validate_table("claim_lines", lines)


def test_frames_with_rows_are_always_validated() -> None:
    good = pd.DataFrame({"claim_id": ["C1"], "amount": ["12.5"]})
    assert validate_schema(SCHEMA, good)["amount"].tolist() == [12.5]
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors), match="amount"):
        validate_schema(SCHEMA, pd.DataFrame({"claim_id": ["C2"], "amount": ["x"]}))
