"""`denial-ml appeals draft`: appeal packets (DOCX to edit, HTML to print) for worklist items."""

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
    top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="How many top open appeals.")] = 20,
    db: Annotated[
        str | None, typer.Option("--db", help="Worklist database URL (default: DENIAL_ML_WORKLIST_URL).")
    ] = None,
) -> None:
    """Draft a letter per item from its claim, remittance codes and the payer's appeal contact; items whose
    remarks carry no appeal rights get the route to take instead of a letter."""
    from denial_ml.cli import fail
    from denial_ml.cli.worklist import open_store
    from denial_ml.jobs.appeals import draft_packets
    from denial_ml.store import StoreError

    store = open_store(db, create=False)
    try:
        result = draft_packets(store, out, item or [], top)
    except StoreError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write to {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        store.close()
    typer.echo(f"{len(result.letters)} letter(s) written to {out}")
    for claim, reason in result.no_appeal.items():
        typer.echo(f"no letter for claim {claim}: {reason}")
    if result.without_detail:
        typer.echo(f"{len(result.without_detail)} item(s) have no claim detail: rebuild the worklist (worklist build)")


def register(app: typer.Typer) -> None:
    """Add the `appeals` command group to the CLI."""
    app.add_typer(appeals_app, name="appeals")
