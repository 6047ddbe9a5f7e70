"""`denial-ml appeals draft`: appeal packets (DOCX to edit, HTML to print) for worklist items, and corrected
claims (837, frequency 7) for items routed to resubmit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

appeals_app = typer.Typer(help="Appeal packets drafted from the facts on file.", no_args_is_help=True)


@appeals_app.command("draft")
def draft(
    out: Annotated[Path, typer.Option("--out", help="Folder for <claim>.docx and <claim>.html.")],
    item: Annotated[
        list[int] | None, typer.Option("--item", help="Item id (repeat); default: the top open appeals.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="How many top open items.")] = 20,
    route: Annotated[
        str, typer.Option("--route", help="Without --item: the open items of this route (appeal or resubmit).")
    ] = "appeal",
    data: Annotated[
        Path | None,
        typer.Option("--data", help="The claims on file, for corrected claims (default: DENIAL_ML_DATA_DIR)."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Worklist database URL (default: DENIAL_ML_WORKLIST_URL).")
    ] = None,
) -> None:
    """Draft a letter per item from its claim, remittance codes and the payer's appeal contact; items whose
    remarks carry no appeal rights get the route to take instead of a letter. A resubmit item gets
    <claim>.837, the corrected claim (frequency 7, the payer's claim number, the fix on file), or the reason
    there is none."""
    from denial_ml.cli import fail
    from denial_ml.cli.worklist import open_store
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.ingest.x12_segments import X12WriteError
    from denial_ml.jobs.appeals import draft_packets
    from denial_ml.store import StoreError

    if route not in ("appeal", "resubmit"):
        raise fail(f"--route must be appeal or resubmit, not {route!r}")
    store = open_store(db, create=False)
    try:
        data_dir = data or get_settings().data_dir
        result = draft_packets(store, out, item or [], top, data_dir=data_dir, route=route)
    except (StoreError, WorldIOError, X12WriteError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write to {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        store.close()
    typer.echo(f"{len(result.letters)} letter(s) written to {out}")
    for claim, reason in result.no_appeal.items():
        typer.echo(f"no letter for claim {claim}: {reason}")
    if result.corrected:
        typer.echo(f"{len(result.corrected)} corrected claim(s) (837, frequency 7) written to {out}")
    for claim, reason in result.not_corrected.items():
        typer.echo(f"no corrected claim for claim {claim}: {reason}")
    if result.without_detail:
        typer.echo(f"{len(result.without_detail)} item(s) have no claim detail: rebuild the worklist (worklist build)")


def register(app: typer.Typer) -> None:
    """Add the `appeals` command group to the CLI."""
    app.add_typer(appeals_app, name="appeals")
