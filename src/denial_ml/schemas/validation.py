"""Validating a table against its schema, with errors that name the table, the column, the row and the problem."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from denial_ml.schemas.frontend import OPTIONAL_TABLES
from denial_ml.schemas.world import TABLES


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
        return (TABLES.get(name) or OPTIONAL_TABLES[name]).validate(df, lazy=True)
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
