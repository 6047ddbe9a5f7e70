"""Billing-system CSV exports -> the project's tables, through a YAML mapping.

Only `claims` and `claim_lines` are required, and of their columns only the facts an export has; everything
else is derived or defaulted by `denial_ml.ingest.csv_complete` (see there), and every table of the data
model is written (absent ones empty). Remittance facts (status, paid, denial reason) may come on the same rows.

Mapping format (see examples/one_row_per_claim.yaml and examples/one_row_per_line.yaml)::

    tables:
      claims:                    # a table of denial_ml.schemas.TABLES
        key: [claim_id]          # optional: rows are de-duplicated on these columns (claims always are)
        columns:                 # our column <- their column
          claim_id: Claim No
        constants:               # our column <- a fixed value
          eligibility_status: unknown
        dates:                   # our column -> strptime format of their column
          service_date_from: "%m/%d/%Y"
        values:                  # our column -> {their value: our value}
          claim_type: {PROF: 837P, INST: 837I}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from denial_ml.ingest.csv_checks import check_forms, clean_values, to_numbers
from denial_ml.ingest.csv_complete import complete_export
from denial_ml.schemas import TABLES, TableValidationError, validate_table


class CsvMappingError(ValueError):
    """The mapping or the CSV cannot be used; the message names the file, table, column and row."""


def read_mapping(path: Path | str) -> dict[str, dict[str, Any]]:
    """Load and check a YAML mapping file; returns table name -> table mapping."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CsvMappingError(f"mapping {str(path)!r} cannot be read: {exc}") from None
    tables = spec.get("tables") if isinstance(spec, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise CsvMappingError(f"mapping {str(path)!r}: needs a 'tables' section with at least one table")
    for name, table in tables.items():
        if name not in TABLES:
            raise CsvMappingError(f"mapping {str(path)!r}: unknown table {name!r}; known: {', '.join(TABLES)}")
        table = table or {}
        tables[name] = table
        unknown = set(table.get("columns") or {}) | set(table.get("constants") or {})
        unknown -= set(TABLES[name].columns)
        if unknown:
            raise CsvMappingError(f"mapping {str(path)!r}: table {name!r} has no column(s) {sorted(unknown)}")
    return tables


def read_mapped_csv(csv_path: Path | str, mapping_path: Path | str) -> dict[str, pd.DataFrame]:
    """Read a CSV export into validated tables as the mapping says.

    Raises:
        CsvMappingError: naming the file, table, column and (for bad values) the CSV row.
    """
    tables = read_mapping(mapping_path)
    try:
        raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise CsvMappingError(f"CSV {str(csv_path)!r} cannot be read: {exc}") from None
    mapped = {name: map_frame(raw, name, spec, str(csv_path)) for name, spec in tables.items()}
    try:
        completed = complete_export(mapped)
    except ValueError as exc:
        raise CsvMappingError(f"mapping {str(mapping_path)!r}: {exc}") from None
    out = {}
    for name, frame in completed.items():
        try:
            out[name] = validate_table(name, frame)
        except TableValidationError as exc:
            raise CsvMappingError(f"CSV {str(csv_path)!r}: {exc}") from None
    return out


def map_frame(raw: pd.DataFrame, name: str, spec: dict[str, Any], file: str) -> pd.DataFrame:
    """Apply one table's mapping to the raw CSV frame (pure)."""
    columns: dict[str, str] = spec.get("columns") or {}
    missing = [theirs for theirs in columns.values() if theirs not in raw.columns]
    if missing:
        raise CsvMappingError(f"CSV {file!r} has no column(s) {missing} needed by table {name!r}")
    frame = pd.DataFrame({ours: raw[theirs] for ours, theirs in columns.items()})
    for ours, value in (spec.get("constants") or {}).items():
        frame[ours] = None if value == "" else value  # an empty constant is an empty column
    for ours, table in (spec.get("values") or {}).items():
        # Their value -> ours; a value mapped to null (e.g. a "Pending" status) becomes empty; others stay.
        lookup = {str(k): v for k, v in table.items()}
        frame[ours] = frame[ours].map(lambda v, t=lookup: t.get(v, v))
    for ours, fmt in spec.get("dates", {}).items():
        text = frame[ours].astype(str).str.strip()
        dates = pd.to_datetime(text.where(text != "", None), format=fmt, errors="coerce")
        bad = dates.isna() & (text != "")
        if bad.any():
            row = int(bad.idxmax())
            where = f"CSV {file!r} row {row + 2} column {columns.get(ours, ours)!r}"
            raise CsvMappingError(f"{where}: {text[row]!r} does not match date format {fmt!r}")
        frame[ours] = dates
    frame = clean_values(frame.replace({"": None}))
    try:
        check_forms(frame, name, columns, file)
    except ValueError as exc:
        raise CsvMappingError(str(exc)) from None
    key = spec.get("key")
    frame = to_numbers(frame)
    return frame.drop_duplicates(key) if key else frame
