"""Billing-system CSV exports -> the project's tables, through a YAML mapping.

Mapping format (see examples/csv_mapping.yaml)::

    tables:
      claims:                    # a table of denial_ml.schemas.TABLES
        key: [claim_id]          # optional: rows are de-duplicated on these columns (one CSV row per line)
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
        unknown = set(table.get("columns", {})) | set(table.get("constants", {}))
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
    out = {}
    for name, spec in tables.items():
        frame = map_frame(raw, name, spec, str(csv_path))
        try:
            out[name] = validate_table(name, frame)
        except TableValidationError as exc:
            raise CsvMappingError(f"CSV {str(csv_path)!r}: {exc}") from None
    return out


def map_frame(raw: pd.DataFrame, name: str, spec: dict[str, Any], file: str) -> pd.DataFrame:
    """Apply one table's mapping to the raw CSV frame (pure)."""
    columns: dict[str, str] = spec.get("columns", {})
    missing = [theirs for theirs in columns.values() if theirs not in raw.columns]
    if missing:
        raise CsvMappingError(f"CSV {file!r} has no column(s) {missing} needed by table {name!r}")
    frame = pd.DataFrame({ours: raw[theirs] for ours, theirs in columns.items()})
    for ours, value in spec.get("constants", {}).items():
        frame[ours] = value
    for ours, table in spec.get("values", {}).items():
        mapped = frame[ours].map({str(k): v for k, v in table.items()})
        frame[ours] = mapped.where(mapped.notna(), frame[ours])
    for ours, fmt in spec.get("dates", {}).items():
        text = frame[ours].astype(str).str.strip()
        dates = pd.to_datetime(text.where(text != "", None), format=fmt, errors="coerce")
        bad = dates.isna() & (text != "")
        if bad.any():
            row = int(bad.idxmax())
            where = f"CSV {file!r} row {row + 2} column {columns.get(ours, ours)!r}"
            raise CsvMappingError(f"{where}: {text[row]!r} does not match date format {fmt!r}")
        frame[ours] = dates
    frame = frame.replace({"": None})
    key = spec.get("key")
    return frame.drop_duplicates(key).reset_index(drop=True) if key else frame
