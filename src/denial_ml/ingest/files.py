"""Reading X12 files into the project's tables: the orchestration of envelope, mappers and matching.

Pure apart from reading the input files (streaming, chunk by chunk: `stream`, `reading`) and, when a `spool`
is given, writing the 835 rows to it in batches. `denial_ml.jobs.ingest` adds a run to a claims store; `write_ingested`
writes plain tables (all-or-nothing, after each file's tables were validated on their own, so one bad file never
keeps the good ones out). Claims sent more than once (an original and its replacement, frequency 7, or void, 8,
under one CLM01) are versions: `Ingested.versions` keeps them all, `tables` the current one. Remittances are
matched to the claims of the same run, or, when the run reads no 837, to the claims an earlier run left in
the output folder (`existing`), so ingesting 837s then 835s in two runs gives the tables one run would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store import FileRecord, StoreError
from denial_ml.data.claims_store.view import VERSION, current_claims, number_versions, sequence_remittances
from denial_ml.ingest import frontend
from denial_ml.ingest.errors import Issue, X12Error
from denial_ml.ingest.frames import REMIT_FRAMES, empty_table, table_frames, validate_ingested
from denial_ml.ingest.interchanges import Key, interchange_key
from denial_ml.ingest.matching import match_remittances
from denial_ml.ingest.output import write_ingested
from denial_ml.ingest.reading import SetMapper, read_file_sets
from denial_ml.ingest.records import describe_file
from denial_ml.ingest.spool import Spool
from denial_ml.ingest.stream import BATCH_ROWS, CHUNK_SIZE, FileScan, scan_file
from denial_ml.ingest.tokens import paused_gc
from denial_ml.ingest.x835 import Remit835
from denial_ml.ingest.x837 import Claims837
from denial_ml.schemas import TableValidationError, validate_table

__all__ = [
    "Ingested",
    "empty_table",
    "validate_ingested",
    "ingest_x12",
    "parse_x12_file",
    "read_x12_file",
    "write_ingested",
]

# parse_x12_file's signature: (path, scan, stem, strict_counts, taken, chunk_size, spool, batch_rows) -> Ingested
FileReader = Callable[[Path, FileScan, str, bool, Mapping[Key, str], int, "Spool | None", int], "Ingested"]
CLAIM_TABLES = ("claims", "claim_lines", "patients", "providers")
REMIT_TABLES = (*REMIT_FRAMES, "remittance_matches")


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
    chunk_size: int = CHUNK_SIZE,
) -> Ingested:
    """Read one X12 file (835 and/or 837 transaction sets) into tables, streaming it chunk by chunk.

    Args:
        path: The file.
        strict_counts: Refuse what a wrong trailer count or control number closes (else keep it, warning).
        stem: Prefix of the file's remit ids (default: the file name without extension).
        taken: Interchanges already taken, (ISA06, ISA13, content SHA-256) -> where; they are skipped.
        chunk_size: Bytes read at a time (the result does not depend on it).

    Returns:
        The file's tables (validated) and issues.

    Raises:
        X12Error: when the file cannot be read, is not X12, or gives no usable transaction set.
    """
    name = str(path)
    try:
        scan = scan_file(Path(path), chunk_size)
        with paused_gc():
            return _read_x12(Path(path), scan, name, strict_counts, stem or Path(path).stem, taken, chunk_size)
    except OSError as exc:
        raise X12Error(name, 0, f"cannot read the file: {exc.strerror or exc}") from None


def _read_x12(
    path: Path,
    scan: FileScan,
    name: str,
    strict_counts: bool,
    stem: str,
    taken: Mapping[Key, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    spool: Spool | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Ingested:
    mapper = SetMapper(stem, spool.spill, spool.cut, batch_rows) if spool is not None else SetMapper(stem)
    try:
        read = read_file_sets(path, scan, name, mapper, strict_counts, dict(taken or {}), chunk_size)
    except TableValidationError as exc:
        raise X12Error(name, 0, f"mapped rows break the data model: {exc}") from None
    remits, claims, issues = read.mapper.remits, read.mapper.claims, read.issues
    if not read.mapper.count:
        errors = [i for i in issues if i.is_error]
        if read.interchanges and not any(i["taken"] for i in read.interchanges):
            return Ingested(table_frames(Remit835(), Claims837()), issues, interchanges=read.interchanges)
        if not errors:
            raise X12Error(name, 0, "nothing usable in the file: no transaction set")
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise X12Error(name, errors[0].segment, f"nothing usable in the file: {errors[0].problem}{more}")
    try:
        tables, versions, duplicates = _versions(table_frames(remits, claims), name)
        tables = {t: validate_ingested(t, frame) for t, frame in tables.items()} | read.mapper.front.frames(name)
    except TableValidationError as exc:
        raise X12Error(name, 0, f"mapped rows break the data model: {exc}") from None
    return Ingested(tables, issues + duplicates, kinds=read.kinds, versions=versions, interchanges=read.interchanges)


def ingest_x12(
    paths: Iterable[Path | str],
    strict_counts: bool = False,
    existing: Mapping[str, pd.DataFrame] | None = None,
    taken_files: Mapping[str, str] | None = None,
    taken_interchanges: Mapping[Key, str] | None = None,
    used_stems: Iterable[str] = (),
    chunk_size: int = CHUNK_SIZE,
    scans: Mapping[Path, FileScan] | None = None,
    spool: Spool | None = None,
    batch_rows: int = BATCH_ROWS,
    read_file: FileReader | None = None,
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
        chunk_size: Bytes read at a time (the result does not depend on it).
        scans: First passes over files (`stream.scan_file`) made already, by path.
        spool: Where the 835 rows go every `batch_rows` remittances (their tables in the result are then
            empty; see `spool`); None keeps them in the result.
        batch_rows: Remittances held in memory before they are spilled.
        read_file: Reads one file (`parse_x12_file`'s arguments and result); default `parse_x12_file`. The
            run's order, skipping and numbering stay here, whoever reads the files.
    """
    parts, result, stems = [], Ingested(), set(used_stems)
    hashes, taken = dict(taken_files or {}), dict(taken_interchanges or {})
    for path in paths:
        scan = (scans or {}).get(Path(path))
        part = _read_one(
            Path(path), strict_counts, stems, hashes, taken, chunk_size, spool, batch_rows, scan, read_file
        )
        result.files.append(part.files[0])
        result.issues.extend(part.issues)
        if part.failed_files:
            result.failed_files.append(str(path))
            continue
        if part.versions:
            parts.append({**part.tables, **part.versions})
        result.kinds |= part.kinds
    names = list(table_frames(Remit835(), Claims837()))
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
    path: Path,
    strict_counts: bool,
    stems: set[str],
    hashes: dict[str, str],
    taken: dict[Key, str],
    chunk_size: int = CHUNK_SIZE,
    spool: Spool | None = None,
    batch_rows: int = BATCH_ROWS,
    scan: FileScan | None = None,
    read_file: FileReader | None = None,
) -> Ingested:
    """Read one file of a run unless its content was taken before; its record says what came of it.

    `stems`, `hashes` and `taken` are the run's state: what this file takes is added to them for the next files.
    `read_file` reads the file (default `parse_x12_file`; the dask engine's returns what a worker read).
    """
    stem = file_stem(path, stems)
    try:
        scan = scan or scan_file(path, chunk_size)
    except OSError as exc:
        issue = X12Error(str(path), 0, f"cannot read the file: {exc.strerror or exc}").issue
        return Ingested(issues=[issue], failed_files=[str(path)], files=[FileRecord(str(path), "", 0, status="failed")])
    if scan.sha256 in hashes:
        record = FileRecord(str(path), scan.sha256, scan.size, stem)
        record.status, record.note = "skipped", f"same content as a file already taken ({hashes[scan.sha256]})"
        return Ingested(issues=[Issue(str(path), 0, record.note + "; skipped", "none")], files=[record])
    part = (read_file or parse_x12_file)(path, scan, stem, strict_counts, taken, chunk_size, spool, batch_rows)
    if part.failed_files:
        return part
    if part.files[0].status != "skipped":
        stems.add(stem)
        hashes[scan.sha256] = f"earlier in this run: {path}"
    for interchange in part.interchanges:
        if interchange["taken"]:
            taken.setdefault(interchange_key(interchange), f"earlier in this run: {path}")
    return part


def file_stem(path: Path, stems: set[str]) -> str:
    """The prefix of a file's remit ids: its name without extension, made unique among `stems` (same stem in two
    folders or two runs: keep remit ids unique)."""
    stem = path.stem
    while stem in stems:
        stem += "+"
    return stem


def parse_x12_file(
    path: Path,
    scan: FileScan,
    stem: str,
    strict_counts: bool,
    taken: Mapping[Key, str],
    chunk_size: int = CHUNK_SIZE,
    spool: Spool | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Ingested:
    """Read one file of a run into its tables and record (`files[0]`); a file that gives nothing is `failed_files`.

    Depends only on its arguments (and the file): of `taken`, only the keys of this file's interchanges (and
    their sender and control number) matter. Its 835 rows go to `spool` when given (chunks of its own: a failed
    file's are discarded).
    """
    record = FileRecord(str(path), scan.sha256, scan.size, stem)
    if spool is not None:
        spool.start_file()
    try:
        with paused_gc():
            part = _read_x12(path, scan, str(path), strict_counts, stem, taken, chunk_size, spool, batch_rows)
    except StoreError:
        raise  # the spool could not be written: the run fails, not the file
    except (OSError, X12Error) as exc:
        record.status = "failed"
        if spool is not None:
            spool.discard_file()
        if isinstance(exc, OSError):
            exc = X12Error(str(path), 0, f"cannot read the file: {exc.strerror or exc}")
        return Ingested(issues=[exc.issue], failed_files=[str(path)], files=[record])
    describe_file(record, part.interchanges, part.issues, {**part.tables, **part.versions})
    if spool is not None and record.taken:
        for table, rows in spool.file_rows().items():
            if table in record.taken:
                record.taken[table] += rows
    part.files = [record]
    return part


def _side(
    combined: dict[str, pd.DataFrame], existing: Mapping[str, pd.DataFrame] | None, read: bool, names: tuple
) -> dict[str, pd.DataFrame]:
    """This run's tables of one kind when it read that kind, else the output folder's (or empty ones)."""
    if read or not existing or any(n not in existing for n in names):
        return {n: combined[n] for n in names}
    return {n: existing[n] for n in names}


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
