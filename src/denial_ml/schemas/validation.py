"""Validating a table against its schema, with errors that name the table, the column, the row and the problem."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from denial_ml.schemas.frontend import OPTIONAL_TABLES
from denial_ml.schemas.world import TABLES

# Validated empty frames by schema, then by the frame's columns and dtypes. Reading one X12 file validates a dozen
# tables, most of them empty (an 837 has no 835 or front-end rows): pandera spent ~54 ms on each empty one, two
# thirds of reading a small world's files. An empty frame's outcome depends only on its columns and dtypes.
_EMPTY_VALIDATED: dict[int, tuple[pa.DataFrameSchema, dict[tuple, pd.DataFrame]]] = {}


def validate_schema(schema: pa.DataFrameSchema, df: pd.DataFrame, lazy: bool = False) -> pd.DataFrame:
    """`schema.validate(df, lazy=lazy)`, answered from a cache for an empty frame seen before.

    Args:
        schema: The pandera schema.
        df: The frame.
        lazy: Collect every failure before raising (pandera's `lazy`).

    Returns:
        The validated frame, dtypes coerced (a new copy for an empty frame).

    Raises:
        pandera.errors.SchemaError | pandera.errors.SchemaErrors: as `schema.validate`; failures are never cached.
    """
    if len(df):
        return schema.validate(df, lazy=lazy)
    entry = _EMPTY_VALIDATED.get(id(schema))
    if entry is None or entry[0] is not schema:  # keeps the schema alive, so its id is not reused
        entry = _EMPTY_VALIDATED[id(schema)] = (schema, {})
    key = (tuple(df.columns), tuple(str(d) for d in df.dtypes), type(df.index).__name__, str(df.index.dtype))
    validated = entry[1].get(key)
    if validated is None:
        validated = entry[1][key] = schema.validate(df, lazy=lazy)
    return validated.copy()


class TableValidationError(ValueError):
    """A table broke its schema; the message names the table, the columns, the rows and the problems."""


def validate_table(name: str, df: pd.DataFrame, max_cases: int = 5) -> pd.DataFrame:
    """Validate (and coerce) one table against its schema.

    Args:
        name: Table name, a key of `TABLES` or `OPTIONAL_TABLES`.
        df: The table.
        max_cases: How many failing cases to quote in the message.

    Returns:
        The validated frame, with dtypes coerced.

    Raises:
        TableValidationError: naming the table, the column, the row and the problem.
    """
    try:
        return validate_schema(TABLES.get(name) or OPTIONAL_TABLES[name], df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = _failure_cases(exc.failure_cases)
        cases = failures.head(max_cases)
        parts = [_describe_failure(row) for row in cases.itertuples()]
        more = len(failures) - len(cases)
        suffix = f"; and {more} more" if more > 0 else ""
        raise TableValidationError(f"table {name!r}: " + "; ".join(parts) + suffix) from None


STRUCTURAL_CHECKS = ("column_in_dataframe", "column_in_schema")


def _failure_cases(failures: pd.DataFrame) -> pd.DataFrame:
    """One case per failing column value; a whole-row check (reported for every column) once per row."""
    # A missing or unexpected column is a table-level case too, but one per column: keep those apart.
    structural = failures["check"].astype(str).isin(STRUCTURAL_CHECKS)
    whole_row = (failures["schema_context"].astype(str) == "DataFrameSchema") & ~structural
    rows = failures[whole_row].drop_duplicates(["index", "check"]).assign(column=None)
    return pd.concat([failures[~whole_row], rows]) if len(rows) else failures


def _describe_failure(row: object) -> str:
    """One failing case: a column's check with the value, or a whole-row check with its name."""
    column, index, check, value = (getattr(row, k) for k in ("column", "index", "check", "failure_case"))
    if check == "column_in_dataframe":
        return f"column {value!r} is missing"
    if check == "column_in_schema":
        return f"column {value!r} is not in the data model"
    if column is None:
        return f"row {index}: {check}"
    return f"column {column!r} row {index}: {check} (got {value!r})"
