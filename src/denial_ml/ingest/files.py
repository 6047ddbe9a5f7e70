"""Reading X12 files into the project's tables: the orchestration of envelope, mappers and matching.

Pure apart from reading the input files. `denial_ml.jobs.ingest` adds a run to a claims store; `write_ingested`
writes plain tables (all-or-nothing, after each file's tables were validated on their own, so one bad file never
keeps the good ones out). Claims sent more than once (an original and its replacement, frequency 7, or void, 8,
under one CLM01) are versions: `Ingested.versions` keeps them all, `tables` the current one. Remittances are
matched to the claims of the same run, or, when the run reads no 837, to the claims an earlier run left in
the output folder (`existing`), so ingesting 837s then 835s in two runs gives the tables one run would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store import FileRecord
from denial_ml.data.claims_store.view import VERSION, current_claims, number_versions, sequence_remittances
from denial_ml.ingest import frontend
from denial_ml.ingest.columns import to_dates
from denial_ml.ingest.envelope import read_envelope
from denial_ml.ingest.errors import Issue, X12Error
from denial_ml.ingest.interchanges import Key, interchange_key
from denial_ml.ingest.matching import match_remittances
from denial_ml.ingest.output import write_ingested
from denial_ml.ingest.records import describe_file
from denial_ml.ingest.schemas_extra import EXTRA_TABLES
from denial_ml.ingest.tokens import paused_gc
from denial_ml.ingest.x835 import Remit835, map_835
from denial_ml.ingest.x837 import Claims837, map_837
from denial_ml.schemas import TableValidationError, validate_table

__all__ = ["Ingested", "empty_table", "validate_ingested", "ingest_x12", "read_x12_file", "write_ingested"]

CLAIM_TABLES = ("claims", "claim_lines", "patients", "providers")
REMIT_TABLES = (
    "remittances",
    "remittance_lines",
    "adjustments",
    "remarks",
    "provider_adjustments",
    "remittance_payments",
    "remittance_matches",
)
DATE_COLUMNS = {
    "claims": ("service_date_from", "service_date_to", "submission_date", "eligibility_check_date"),
    "claim_lines": ("service_date",),
    "patients": ("birth_date",),
    "remittances": ("adjudication_date",),
    "remittance_lines": ("service_date",),
    "provider_adjustments": ("fiscal_period_date",),
    "remittance_payments": ("payment_date", "production_date"),
}


@dataclass
class Ingested:
    """Tables read from X12 files, the problems found, and the files that gave nothing.

    Attributes:
        tables: The current view (one row per claim id: its last version; voided claims left out).
        issues: Every problem, warnings included.
        failed_files: Files that gave nothing.
        kinds: Transaction sets read: "835", "837".
        versions: `claims` and `claim_lines` with every version (column `claim_version`, 1 = first sent).
        files: One record per input file: hash, control numbers, status, counts (for a claims store).
        interchanges: The envelope's interchange records (see `envelope.Envelope`), of a single file.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    versions: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[FileRecord] = field(default_factory=list)
    interchanges: list[dict] = field(default_factory=list)


def read_x12_file(
    path: Path | str,
    strict_counts: bool = False,
    stem: str | None = None,
    taken: Mapping[Key, str] | None = None,
) -> Ingested:
    """Read one X12 file (835 and/or 837 transaction sets) into tables.

    Args:
        path: The file.
        strict_counts: Refuse what a wrong trailer count or control number closes (else keep it, warning).
        stem: Prefix of the file's remit ids (default: the file name without extension).
        taken: Interchanges already taken, (ISA06, ISA13, content SHA-256) -> where; they are skipped.

    Returns:
        The file's tables (validated) and issues.

    Raises:
        X12Error: when the file cannot be read, is not X12, or gives no usable transaction set.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise X12Error(name, 0, f"cannot read the file: {exc.strerror or exc}") from None
    with paused_gc():
        return _read_x12(data, name, strict_counts, stem or Path(path).stem, taken)


def _read_x12(
    data: bytes, name: str, strict_counts: bool, stem: str, taken: Mapping[Key, str] | None = None
) -> Ingested:
    envelope = read_envelope(data, name, strict_counts, taken)
    remits, claims, front = Remit835(), Claims837(), frontend.FrontEndRows()
    seen: dict[str, int] = {}
    for ts in envelope.sets:
        seen[ts.control] = seen.get(ts.control, 0) + 1
        control = ts.control if seen[ts.control] == 1 else f"{ts.control}.{seen[ts.control]}"
        if ts.kind in frontend.FRONT_END_READERS:
            frontend.FRONT_END_READERS[ts.kind](ts, f"{stem}/{control}", front)
        elif ts.kind == "835":
            map_835(ts, f"{stem}/{control}", remits)
        else:
            map_837(ts, claims)
    issues = envelope.issues + remits.issues + claims.issues + front.issues
    if not envelope.sets:
        errors = [i for i in issues if i.is_error]
        if envelope.interchanges and not any(i["taken"] for i in envelope.interchanges):
            return Ingested(_frames(Remit835(), Claims837()), issues, interchanges=envelope.interchanges)
        if not errors:
            raise X12Error(name, 0, "nothing usable in the file: no transaction set")
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise X12Error(name, errors[0].segment, f"nothing usable in the file: {errors[0].problem}{more}")
    try:
        tables, versions, duplicates = _versions(_frames(remits, claims), name)
        tables = {t: validate_ingested(t, frame) for t, frame in tables.items()} | front.frames(name)
    except TableValidationError as exc:
        raise X12Error(name, 0, f"mapped rows break the data model: {exc}") from None
    kinds = {ts.kind for ts in envelope.sets}
    return Ingested(tables, issues + duplicates, kinds=kinds, versions=versions, interchanges=envelope.interchanges)


def ingest_x12(
    paths: Iterable[Path | str],
    strict_counts: bool = False,
    existing: Mapping[str, pd.DataFrame] | None = None,
    taken_files: Mapping[str, str] | None = None,
    taken_interchanges: Mapping[Key, str] | None = None,
    used_stems: Iterable[str] = (),
) -> Ingested:
    """Read many X12 files, keep every file's good results, then match remittances to claims.

    A file that fails entirely is listed in `failed_files` with its error in `issues`; nothing of it is kept.
    A file whose content (SHA-256) or an interchange whose sender, ISA13 and content were taken before (in
    `taken_*`, or earlier in this call) is skipped with a warning, never read twice. Claims sent more than once
    under one CLM01 are versions: the last is current (a void, frequency 8, removes the claim from `tables`).

    Args:
        paths: The X12 files.
        strict_counts: Refuse what a wrong trailer count or control number closes (else keep it, warning).
        existing: Tables already in the output folder (`claims`, `claim_lines`, `remittances`,
            `remittance_lines`; see `output.read_existing`). A run without 837s matches its remittances to the
            existing claims; a run with 837s but no 835 re-matches the existing remittances to its claims and
            returns their `remittance_lines` and `remittance_matches` too.
        taken_files: SHA-256 of files taken before -> where (e.g. "batch 2").
        taken_interchanges: (ISA06 sender, ISA13 control, content SHA-256) taken before -> where.
        used_stems: Remit-id prefixes already used (a file with the same name gets another).
    """
    parts, result, stems = [], Ingested(), set(used_stems)
    hashes, taken = dict(taken_files or {}), dict(taken_interchanges or {})
    for path in paths:
        part = _read_one(Path(path), strict_counts, stems, hashes, taken)
        result.files.append(part.files[0])
        result.issues.extend(part.issues)
        if part.failed_files:
            result.failed_files.append(str(path))
            continue
        if part.versions:
            parts.append({**part.tables, **part.versions})
        result.kinds |= part.kinds
    names = list(_frames(Remit835(), Claims837()))
    combined = {t: pd.concat([p[t] for p in parts], ignore_index=True) if parts else empty_table(t) for t in names}
    combined["claims"] = combined["claims"].drop(columns=VERSION, errors="ignore")
    combined["claim_lines"] = combined["claim_lines"].drop(columns=VERSION, errors="ignore")
    combined, result.versions, duplicates = _versions(combined, "(all files)")
    result.issues.extend(duplicates)
    # Claims in id order: the tables (and a model trained on them) do not depend on the order of the files.
    combined["claims"] = combined["claims"].sort_values("claim_id", kind="stable", ignore_index=True)
    combined["claim_lines"] = combined["claim_lines"].sort_values(
        ["claim_id", "line_number"], kind="stable", ignore_index=True
    )
    combined["remittances"] = sequence_remittances(combined["remittances"])
    # Only the tables of the kinds read: an 835-only run must not overwrite claims ingested earlier.
    wanted = (CLAIM_TABLES if "837" in result.kinds else ()) + (REMIT_TABLES if "835" in result.kinds else ())
    claims = _side(combined, existing, "837" in result.kinds, ("claims", "claim_lines"))
    remits = _side(combined, existing, "835" in result.kinds, ("remittances", "remittance_lines"))
    if "835" not in result.kinds and "837" in result.kinds and len(remits["remittances"]):
        wanted += ("remittance_lines", "remittance_matches")  # earlier remittances, matched to the new claims
    matches, lines = match_remittances(
        claims["claims"], claims["claim_lines"], remits["remittances"], remits["remittance_lines"]
    )
    combined["remittance_lines"], combined["remittance_matches"] = lines, matches
    if result.kinds & frontend.FRONT_END_KINDS:
        combined, wanted = combined | frontend.combine_front_end(parts), wanted + frontend.FRONT_END_TABLES
    result.tables = {t: validate_ingested(t, frame) for t, frame in combined.items() if t in wanted}
    return result


def _read_one(
    path: Path, strict_counts: bool, stems: set[str], hashes: dict[str, str], taken: dict[Key, str]
) -> Ingested:
    """Read one file of a run unless its content was taken before; its record says what came of it."""
    stem = path.stem
    while stem in stems:  # same stem in two folders or two runs: keep remit ids unique
        stem += "+"
    try:
        data = path.read_bytes()
    except OSError as exc:
        issue = X12Error(str(path), 0, f"cannot read the file: {exc.strerror or exc}").issue
        return Ingested(issues=[issue], failed_files=[str(path)], files=[FileRecord(str(path), "", 0, status="failed")])
    digest = hashlib.sha256(data).hexdigest()
    record = FileRecord(str(path), digest, len(data), stem)
    if digest in hashes:
        record.status, record.note = "skipped", f"same content as a file already taken ({hashes[digest]})"
        return Ingested(issues=[Issue(str(path), 0, record.note + "; skipped", "none")], files=[record])
    try:
        with paused_gc():
            part = _read_x12(data, str(path), strict_counts, stem, taken)
    except X12Error as exc:
        record.status = "failed"
        return Ingested(issues=[exc.issue], failed_files=[str(path)], files=[record])
    describe_file(record, part.interchanges, part.issues, {**part.tables, **part.versions})
    if record.status != "skipped":
        stems.add(stem)
        hashes[digest] = f"earlier in this run: {path}"
    for interchange in part.interchanges:
        if interchange["taken"]:
            taken.setdefault(interchange_key(interchange), f"earlier in this run: {path}")
    part.files = [record]
    return part


def _side(
    combined: dict[str, pd.DataFrame], existing: Mapping[str, pd.DataFrame] | None, read: bool, names: tuple
) -> dict[str, pd.DataFrame]:
    """This run's tables of one kind when it read that kind, else the output folder's (or empty ones)."""
    if read or not existing or any(n not in existing for n in names):
        return {n: combined[n] for n in names}
    return {n: existing[n] for n in names}


def _frames(remits: Remit835, claims: Claims837) -> dict[str, pd.DataFrame]:
    frames = {
        "claims": claims.claims.frame(),
        "claim_lines": claims.lines.frame(),
        "patients": claims.patients.frame().drop_duplicates("patient_id"),
        "providers": claims.providers.frame().drop_duplicates("provider_npi"),
        "remittances": remits.remittances.frame().assign(remit_sequence=1),
        "remittance_lines": remits.lines.frame(),
        "adjustments": remits.adjustments.frame(),
        "remarks": remits.remarks.frame(),
        "provider_adjustments": remits.provider_adjustments.frame(),
        "remittance_payments": remits.payments.frame(),
    }
    lines = frames["remittance_lines"]
    frames["remittance_lines"] = lines.assign(claim_line_number=pd.array([pd.NA] * len(lines), dtype="Int64"))
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            frames[table][column] = to_dates(frames[table][column].astype(object).fillna(""))
    return frames


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame of one of the tables X12 gives, with its columns."""
    if table == "remittance_matches":  # made by matching, not by the mappers
        return pd.DataFrame({name: pd.Series(dtype=object) for name in EXTRA_TABLES[table].columns})
    return _frames(Remit835(), Claims837())[table]


def validate_ingested(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate (and coerce) one ingested table: a world table or an ingest-only one."""
    if table in EXTRA_TABLES:
        return EXTRA_TABLES[table].validate(frame)
    return validate_table(table, frame)


def _versions(
    tables: dict[str, pd.DataFrame], file: str
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], list[Issue]]:
    """Number every claim's versions; `tables` gets the current ones, the versions are returned apart."""
    claims, lines = number_versions(tables["claims"], tables["claim_lines"])
    repeats = claims[(claims[VERSION] > 1) & (claims["claim_frequency_code"].astype(str) == "1")]
    issues = [
        Issue(file, 0, f"claim {cid} was sent more than once as an original; the last one sent is current", "none", cid)
        for cid in repeats["claim_id"].unique()
    ]
    current, current_lines = current_claims(claims, lines, [VERSION])
    versions = {"claims": _validate_versions("claims", claims), "claim_lines": _validate_versions("claim_lines", lines)}
    tables["claims"], tables["claim_lines"] = current.drop(columns=VERSION), current_lines.drop(columns=VERSION)
    for table, key in (("patients", "patient_id"), ("providers", "provider_npi")):
        tables[table] = tables[table].drop_duplicates(key).reset_index(drop=True)
    return tables, versions, issues


def _validate_versions(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate all versions of claims or lines: one version number at a time (ids are unique within it)."""
    if frame.empty:
        return validate_table(table, frame.drop(columns=VERSION)).assign(**{VERSION: frame[VERSION].astype("int64")})
    slices = [
        validate_table(table, rows.drop(columns=VERSION)).assign(**{VERSION: number})
        for number, rows in frame.groupby(VERSION, sort=True)
    ]
    return pd.concat(slices).sort_index().astype({VERSION: "int64"})
