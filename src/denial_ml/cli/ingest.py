"""`denial-ml ingest` (X12 837/835 files into a claims store) and `denial-ml ingest-csv` (billing exports)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from denial_ml.data.claims_store import Manifest
    from denial_ml.ingest.errors import Issue
    from denial_ml.jobs.ingest import IngestOutcome

MAX_SHOWN = 50


def register(app: typer.Typer) -> None:
    """Add the ingest commands to the CLI."""
    app.command("ingest")(ingest)
    app.command("ingest-csv")(ingest_csv)


def ingest(
    out: Annotated[Path, typer.Option("--out", help="The claims store (a folder; created when missing).")],
    files: Annotated[list[Path] | None, typer.Argument(help="X12 835 / 837P / 837I files.")] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Refuse what a wrong SE/GE/IEA count or control number closes (else warn)."),
    ] = False,
    lenient_counts: Annotated[
        bool, typer.Option("--lenient-counts", hidden=True, help="Deprecated: lenient is the default now.")
    ] = False,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="Folder of reference Parquet tables X12 does not carry (payers, providers, patients, coverages, "
            "authorizations, eligibility_checks), added to the store with the run.",
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
    list_only: Annotated[bool, typer.Option("--list", help="List what the store holds, batch by batch.")] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local: read the files here; dask: read them in parallel on the cluster (the store is still "
            "written by this process, with the same result).",
        ),
    ] = "local",
) -> None:
    """Add X12 files to a claims store (append-only; files and interchanges taken before are skipped).

    Exit 0 when every claim of every file was taken, 3 when some were refused, 1 when nothing was taken.
    """
    from denial_ml.cli import fail
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine
    from denial_ml.jobs.ingest import list_ingested, run_ingest  # light: pandas & co. load once reading began

    if list_only:
        from denial_ml.data.claims_store import StoreError

        try:
            _print_listing(list_ingested(out), out)
        except StoreError as exc:
            raise fail(str(exc)) from None
        return
    if not files:
        raise fail("no files to ingest (give X12 files, or --list to see what the store holds)")
    if lenient_counts:
        typer.echo("warning: --lenient-counts is deprecated: wrong counts are warnings by default", err=True)
    try:
        on_cluster = check_engine(engine) == "dask"
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    try:
        if on_cluster:
            from denial_ml.config import get_settings
            from denial_ml.jobs.ingest import run_ingest_dask

            outcome = run_ingest_dask(get_settings(), files, out, strict=strict, reference=reference)
        else:
            outcome = run_ingest(files, out, strict=strict, reference=reference)
    except Exception as exc:
        from denial_ml.data.claims_store import StoreError
        from denial_ml.ingest.reference import ReferenceError

        if isinstance(exc, (StoreError, ReferenceError)):
            raise fail(str(exc)) from None
        raise
    _report(outcome.issues)
    if validate:
        _validate_files(files)
    _summarise(outcome, out)
    if outcome.exit_code:
        raise typer.Exit(outcome.exit_code)


def _summarise(outcome: IngestOutcome, out: Path) -> None:
    counts = ", ".join(f"{t} {n}" for t, n in outcome.added.items() if t != "rejections")
    typer.echo(f"batch {outcome.batch} added to {out}: {counts or 'nothing'}")
    for record in outcome.files:
        if record.status == "skipped":
            typer.echo(f"skipped {record.name}: {record.note}")
    if outcome.unmatched:
        typer.echo(
            f"{outcome.unmatched} remittances matched no claim of the store "
            "(kept, method 'unmatched' in remittance_matches)"
        )
    refused = outcome.refused
    if refused:
        scopes = Counter(i.rejected for i in refused)
        said = ", ".join(f"{n} {scope}{'s' if n > 1 else ''}" for scope, n in scopes.items())
        files = sum(1 for f in outcome.files if f.status in ("partial", "failed"))
        typer.echo(
            f"refused: {said} in {files} of {len(outcome.files)} files; every refused item is in the store's "
            f"rejections table (read_tables({str(out)!r}, ['rejections']))",
            err=True,
        )
        kind = "partial run" if outcome.exit_code == 3 else "nothing taken"
        typer.echo(f"{kind}: exit {outcome.exit_code}", err=True)


LISTED = ("claims", "remittances", "acknowledgements", "claim_events", "eligibility_responses")


def _print_listing(manifest: Manifest, out: Path) -> None:
    if not manifest.batches:
        typer.echo(f"{out}: empty store")
        return
    for batch in manifest.batches:
        rows = ", ".join(f"{t} {n}" for t, n in batch.rows.items() if t in (*LISTED, "rejections"))
        typer.echo(f"batch {batch.seq}  {batch.committed_at}  {batch.command}  {rows or 'no rows'}")
        for f in batch.files:
            controls = " ".join(f"{i['sender']}/{i['control']}" for i in f.interchanges) or "-"
            # The kinds a file gave (a 999 no claims), or claims and remittances as before.
            taken = ", ".join(f"{t} {n}" for t, n in f.taken.items() if t in LISTED[:2] or (t in LISTED and n))
            typer.echo(
                f"  {f.status:<8} {f.name}  sha256 {f.sha256[:12]}  ISA {controls}  {taken or '-'}"
                f"  refused {f.refused}{'  (' + f.note + ')' if f.note else ''}"
            )


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
        typer.echo(
            f"... and {len(issues) - MAX_SHOWN} more problems (all refused items: the rejections table)", err=True
        )
    if issues:
        typer.echo(f"{len(errors)} errors, {len(warnings)} warnings", err=True)
