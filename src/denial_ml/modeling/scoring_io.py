"""Reading claims to score: Parquet or CSV, checked row by row so good rows are scored and bad ones listed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from denial_ml.data.io import read_parts, table_parts
from denial_ml.schemas import TABLES, TableValidationError, validate_table

DATE_COLUMNS = {
    "claims": ("service_date_from", "service_date_to", "submission_date", "eligibility_check_date"),
    "claim_lines": ("service_date",),
}


@dataclass
class ClaimBatch:
    """Valid claims with their lines, and the rows that were refused (with the reason)."""

    claims: pd.DataFrame
    lines: pd.DataFrame
    rejected: pd.DataFrame  # columns: claim_id, row, column, problem


def read_frame(path: Path) -> pd.DataFrame:
    """Read a Parquet or CSV file (CSV values are read as text; dates are parsed and checked later)."""
    if not path.exists():
        raise FileNotFoundError(f"file {str(path)!r} does not exist")
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    return pd.read_parquet(path)


def load_claim_batch(claims_path: Path, lines_path: Path | None, known_payers: set[str]) -> ClaimBatch:
    """Read claims (and lines), refusing bad rows with a message naming row, column and problem.

    A `claims_path` that is a folder is read as a world (claims.parquet and claim_lines.parquet).

    Raises:
        TableValidationError: when a required column is missing (nothing can be scored).
    """
    if claims_path.is_dir():
        claims, lines = read_world_frame(claims_path, "claims"), read_world_frame(claims_path, "claim_lines")
    elif lines_path is None:
        raise TableValidationError("claims need their lines: pass --lines FILE (or a world folder)")
    else:
        claims, lines = read_frame(claims_path), read_frame(lines_path)
    return check_claim_batch(claims, lines, known_payers)


def read_world_frame(folder: Path, name: str) -> pd.DataFrame:
    """A table of a world folder, single-file or partitioned (all its parts, in order)."""
    parts = table_parts(folder, name)
    if not parts:
        raise FileNotFoundError(f"file {str(folder / f'{name}.parquet')!r} does not exist")
    return read_parts(parts)


def check_claim_batch(claims: pd.DataFrame, lines: pd.DataFrame, known_payers: set[str]) -> ClaimBatch:
    """Split read claims and lines into the valid ones and the refused rows (row numbers of `claims`' index).

    Raises:
        TableValidationError: when a required column is missing (nothing can be scored).
    """
    _require_columns("claims", claims)
    _require_columns("claim_lines", lines)
    problems: list[dict] = []
    claims = _parse_dates("claims", claims, problems)
    lines = _parse_dates("claim_lines", lines, problems)
    for i in claims.index[~claims["payer_id"].isin(known_payers)]:
        problems.append(_problem(claims, i, "payer_id", f"unknown payer {claims.at[i, 'payer_id']!r}"))
    bad_rows = {p["row"] for p in problems if p["table"] == "claims"}
    problems += _schema_problems("claims", claims.drop(index=list(bad_rows)))
    bad_ids = {p["claim_id"] for p in problems}
    line_problems = _schema_problems("claim_lines", lines[~lines["claim_id"].isin(bad_ids)])
    problems += line_problems
    bad_ids |= {p["claim_id"] for p in line_problems}
    good = claims[~claims["claim_id"].isin(bad_ids)]
    no_lines = ~good["claim_id"].isin(lines["claim_id"])
    for i in good.index[no_lines]:
        problems.append(_problem(good, i, "claim_id", "claim has no lines"))
    good = good[~no_lines]
    rejected = pd.DataFrame(problems, columns=["table", "claim_id", "row", "column", "problem"])
    return ClaimBatch(
        claims=validate_table("claims", good.reset_index(drop=True)),
        lines=validate_table("claim_lines", lines[lines["claim_id"].isin(good["claim_id"])].reset_index(drop=True)),
        rejected=rejected,
    )


def _require_columns(table: str, frame: pd.DataFrame) -> None:
    missing = [c for c, col in TABLES[table].columns.items() if c not in frame.columns and not col.nullable]
    if missing:
        raise TableValidationError(f"{table} file is missing required column(s): {', '.join(missing)}")
    for c in TABLES[table].columns:
        if c not in frame.columns:
            frame[c] = None


def _parse_dates(table: str, frame: pd.DataFrame, problems: list[dict]) -> pd.DataFrame:
    frame = frame.copy()
    for col in DATE_COLUMNS[table]:
        raw = frame[col]
        parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
        bad = raw.notna() & parsed.isna()
        for i in frame.index[bad]:
            problems.append(_problem(frame, i, col, f"malformed date {raw[i]!r}", table))
        frame[col] = parsed
    return frame


def _schema_problems(table: str, frame: pd.DataFrame) -> list[dict]:
    import pandera.pandas as pa

    try:
        TABLES[table].validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        out = []
        for case in exc.failure_cases.itertuples():
            if case.index is None or case.index != case.index or case.index not in frame.index:
                raise TableValidationError(f"{table}: {case.check} on column {case.column!r}") from None
            out.append(_problem(frame, case.index, case.column, f"{case.check} (got {case.failure_case!r})", table))
        return out


def _problem(frame: pd.DataFrame, i, column: str, problem: str, table: str = "claims") -> dict:
    return {
        "table": table,
        "claim_id": frame.at[i, "claim_id"],
        "row": int(i),
        "column": column,
        "problem": problem,
    }
