"""`denial-ml ingest` (X12 837/835 files) and `denial-ml ingest-csv` (billing-system exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from denial_ml.ingest.errors import Issue

MAX_SHOWN = 50


def register(app: typer.Typer) -> None:
    """Add the ingest commands to the CLI."""
    app.command("ingest")(ingest)
    app.command("ingest-csv")(ingest_csv)


def ingest(
    files: Annotated[list[Path], typer.Argument(help="X12 835 / 837P / 837I files.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet tables.")],
    lenient_counts: Annotated[
        bool,
        typer.Option("--lenient-counts", help="Keep transaction sets whose SE count is wrong (warn only)."),
    ] = False,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="Folder of reference Parquet tables X12 does not carry (payers, providers, patients, coverages, "
            "authorizations, eligibility_checks), written beside the ingested tables.",
        ),
    ] = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Also check each file with pyx12 (the 5010/4010 validator, slow: about 0.1 MB/s) and report "
            "its findings; they do not change what is ingested.",
        ),
    ] = False,
) -> None:
    """Read X12 files into the project's tables; every problem is reported with file and segment number."""
    from denial_ml.cli import fail
    from denial_ml.data.io import WorldIOError
    from denial_ml.ingest.files import ingest_x12, write_ingested
    from denial_ml.ingest.output import read_existing
    from denial_ml.ingest.reference import ReferenceError, apply_reference, read_reference

    try:
        known = read_reference(reference) if reference is not None else {}
        existing = read_existing(out)
    except (ReferenceError, WorldIOError) as exc:
        raise fail(str(exc)) from None
    result = ingest_x12(files, strict_counts=not lenient_counts, existing=existing)
    _report(result.issues)
    if known:
        result.tables = apply_reference(result.tables, known)
    if validate:
        _validate_files(files)
    try:
        write_ingested(result.tables, out)
    except (WorldIOError, ValueError) as exc:
        raise fail(str(exc)) from None
    counts = ", ".join(f"{t} {len(f)}" for t, f in result.tables.items())
    typer.echo(f"wrote {out}: {counts}")
    matches = result.tables.get("remittance_matches")
    unmatched = 0 if matches is None else int((matches["method"] == "unmatched").sum())
    if unmatched:
        typer.echo(
            f"{unmatched} remittances matched no claim of this ingest or of {out} "
            "(kept, method 'unmatched' in remittance_matches.parquet)"
        )
    if result.failed_files:
        raise fail(f"{len(result.failed_files)} file(s) gave nothing: {', '.join(result.failed_files)}", code=1)


def ingest_csv(
    file: Annotated[Path, typer.Argument(help="A billing-system CSV export.")],
    mapping: Annotated[Path | None, typer.Option("--mapping", help="YAML mapping: our column <- their column.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the Parquet tables.")] = None,
    suggest: Annotated[
        bool, typer.Option("--suggest", help="Print a draft mapping from the file's header and values, and stop.")
    ] = False,
) -> None:
    """Read a billing-system CSV export through a YAML column mapping into the project's tables."""
    from denial_ml.cli import fail
    from denial_ml.data.io import write_tables
    from denial_ml.ingest.csv_import import CsvMappingError, read_mapped_csv

    if suggest:
        from denial_ml.ingest.csv_suggest import suggest_mapping

        try:
            typer.echo(suggest_mapping(file), nl=False)
        except (OSError, ValueError) as exc:
            raise fail(f"CSV {str(file)!r} cannot be read: {exc}") from None
        return
    if mapping is None or out is None:
        raise fail("ingest-csv needs --mapping MAP and --out DIR (or --suggest to draft a mapping)")

    try:
        tables = read_mapped_csv(file, mapping)
        write_tables(tables, out)
    except (CsvMappingError, OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out}: " + ", ".join(f"{t} {len(f)}" for t, f in tables.items()))


def _validate_files(files: list[Path]) -> None:
    """Report pyx12's findings per file (an independent check of structure; nothing is left out for them)."""
    from denial_ml.cli import fail
    from denial_ml.ingest.validate import ValidatorMissingError, validate_x12

    flagged = 0
    for path in files:
        try:
            findings = validate_x12(path)
        except ValidatorMissingError as exc:
            raise fail(str(exc)) from None
        flagged += bool(findings)
        for finding in findings[:MAX_SHOWN]:
            typer.echo(f"pyx12: {finding}", err=True)
        if len(findings) > MAX_SHOWN:
            typer.echo(f"pyx12: {path}: ... and {len(findings) - MAX_SHOWN} more findings", err=True)
    typer.echo(f"pyx12: {len(files) - flagged} of {len(files)} files validate clean", err=True)


def _report(issues: list[Issue]) -> None:
    errors = [i for i in issues if i.is_error]
    warnings = [i for i in issues if not i.is_error]
    for issue in (errors + warnings)[:MAX_SHOWN]:
        kind = f"error ({issue.rejected} left out)" if issue.is_error else "warning"
        typer.echo(f"{kind}: {issue}", err=True)
    if len(issues) > MAX_SHOWN:
        typer.echo(f"... and {len(issues) - MAX_SHOWN} more problems", err=True)
    if issues:
        typer.echo(f"{len(errors)} errors, {len(warnings)} warnings", err=True)
