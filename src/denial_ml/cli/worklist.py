"""`denial-ml worklist show|set|refresh` and `denial-ml keys create|list|revoke`: the appeal worklist from a terminal.

`worklist build` (scoring denials into the store) is added to `worklist_app` by the triage module and
writes through `denial_ml.store.upsert_items`.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# The store (sqlalchemy), the triage job (pandas) and rich's tables are imported inside the functions that use
# them: `denial-ml --help` and the other commands would otherwise pay for them at start-up.
if TYPE_CHECKING:
    from rich.table import Table

    from denial_ml.store import WorklistStore
    from denial_ml.store.models import WorklistItem
    from denial_ml.store.queries import Page

worklist_app = typer.Typer(help="The appeal worklist: ranked denials, their status and history.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of the worklist service.", no_args_is_help=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Worklist database URL (default: DENIAL_ML_WORKLIST_URL).")]


def open_store(db: str | None, create: bool) -> WorklistStore:
    """Open (and migrate) the worklist store; a missing SQLite file is an error unless `create`."""
    from sqlalchemy.engine import make_url

    from denial_ml.cli import fail  # late: the cli package imports this module while registering
    from denial_ml.config import get_settings
    from denial_ml.store import WorklistStore

    url = db or get_settings().worklist_url
    try:
        parsed = make_url(url)
    except Exception:
        raise fail(f"--db {url!r} is not a database URL (e.g. sqlite:///worklist.db)") from None
    path = parsed.database
    missing = parsed.get_backend_name() == "sqlite" and path not in (None, "", ":memory:")
    if missing and not create and not Path(str(path)).exists():
        raise fail(f"no worklist database at {path!r}; run `denial-ml worklist build` first")
    store = WorklistStore(url)
    try:
        store.migrate()
    except Exception as exc:
        store.close()
        raise fail(f"cannot open worklist database {parsed.render_as_string(hide_password=True)!r}: {exc}") from None
    return store


def render_page(page: Page, today: dt.date) -> Table:
    """A rich table of one worklist page, days left counted from `today`."""
    from rich.table import Table

    shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "0"
    table = Table(title=f"Worklist: items {shown} of {page.total}, by expected recovery")
    for name in ("#", "id", "claim", "payer", "category", "CARC", "denied", "P(overturn)", "exp. recovery"):
        table.add_column(name, justify="right" if name in ("#", "id", "denied", "exp. recovery") else "left")
    for name in ("route", "deadline", "days", "status", "assignee", "v"):
        table.add_column(name, justify="right" if name in ("days", "v") else "left")
    table.add_column("top reason", ratio=1, overflow="fold")
    for rank, item in enumerate(page.items, start=page.offset + 1):
        table.add_row(*_row(rank, item, today))
    return table


def _row(rank: int, item: WorklistItem, today: dt.date) -> list[str]:
    from denial_ml.jobs.worklist_text import format_money, top_reason

    days = "" if item.appeal_deadline is None else str((item.appeal_deadline - today).days)
    route = item.route if not item.route_reason else f"{item.route} ({item.route_reason})"
    return [
        str(rank),
        str(item.id),
        item.claim_id,
        item.payer_name or item.payer_id,
        item.category,
        item.carc or "",
        format_money(item.denied_amount),
        f"{item.p_overturn:.0%}",
        format_money(item.expected_recovery),
        route,
        "" if item.appeal_deadline is None else item.appeal_deadline.isoformat(),
        days,
        item.status,
        item.assignee or "",
        str(item.version),
        top_reason(item.factors),
    ]


@worklist_app.command("show")
def show(
    top: Annotated[int, typer.Option("--top", min=1, max=1000, help="Items to show.")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Items to skip (paging).")] = 0,
    payer: Annotated[str | None, typer.Option("--payer", help="Payer id or exact payer name.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Denial category key.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Workflow status.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Assigned biller.")] = None,
    route: Annotated[str | None, typer.Option("--route", help="appeal, resubmit or write_off.")] = None,
    min_recovery: Annotated[float | None, typer.Option("--min-recovery", help="Minimum expected $.")] = None,
    due_within: Annotated[int | None, typer.Option("--due-within", min=0, help="Deadline within N days.")] = None,
    db: DbOption = None,
) -> None:
    """Show the worklist, highest expected recovery first."""
    from rich.console import Console

    from denial_ml.cli import fail
    from denial_ml.store import StoreError
    from denial_ml.store.queries import ItemFilter

    store = open_store(db, create=False)
    item_filter = ItemFilter(payer, category, status, assignee, route, min_recovery, due_within)
    try:
        page = store.list_items(item_filter, offset=offset, limit=top)
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    Console(width=200).print(render_page(page, dt.date.today()))


@worklist_app.command("set")
def set_item(
    item_id: Annotated[int, typer.Argument(help="Item id (the `id` column of `worklist show`).")],
    status: Annotated[str | None, typer.Option("--status", help="New status.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="New assignee ('' unassigns).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the change.")] = None,
    amount: Annotated[float | None, typer.Option("--amount", help="$ recovered (overturned/upheld).")] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="Version you saw; refused if the item changed since.")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Who acts (default: login name).")] = None,
    db: DbOption = None,
) -> None:
    """Change an item's status, assignee or add a note; the change goes to its history."""
    from denial_ml.cli import fail
    from denial_ml.store import StoreError

    store = open_store(db, create=False)
    try:
        before = store.get_item(item_id)
        expected = version if version is not None else before.version
        item = store.update_item(item_id, expected, actor or getpass.getuser(), status, assignee, note, amount)
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    typer.echo(
        f"item {item.id} (claim {item.claim_id}): status {before.status} -> {item.status}, "
        f"assignee {before.assignee or '-'} -> {item.assignee or '-'}, version {item.version}"
    )


@worklist_app.command("refresh")
def refresh(
    today: Annotated[
        str | None, typer.Option("--today", help="Judge deadlines as of YYYY-MM-DD (default: today).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Route open appeals whose deadline has passed to write off (reason and history kept); run it daily."""
    from denial_ml.cli import fail

    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise fail(f"--today must be a date YYYY-MM-DD, got {today!r}") from None
    store = open_store(db, create=False)
    try:
        result = store.refresh_routes(day)
    finally:
        store.close()
    typer.echo(f"{len(result.rerouted):,} appeal(s) past their deadline on {day} routed to write off")


@keys_app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help="biller, appeals or admin.")],
    owner: Annotated[str, typer.Option("--owner", help="Person or service the key belongs to.")],
    db: DbOption = None,
) -> None:
    """Issue an API key and print it once; only its hash is stored."""
    from denial_ml.cli import fail
    from denial_ml.store import StoreError

    store = open_store(db, create=True)
    try:
        issued = store.create_key(owner, role)
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    typer.echo(f"key {issued.id} for {issued.owner} ({issued.role}); shown once, store it now:")
    typer.echo(issued.token)


@keys_app.command("list")
def list_keys(db: DbOption = None) -> None:
    """List API keys (ids, owners, roles, revocation); secrets are never shown."""
    store = open_store(db, create=False)
    try:
        keys = store.list_keys()
    finally:
        store.close()
    for key in keys:
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(f"{key.id}\t{key.owner}\t{key.role}\tcreated {key.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@keys_app.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="Key id from `keys list`.")], db: DbOption = None) -> None:
    """Revoke an API key at once."""
    from denial_ml.cli import fail
    from denial_ml.store import StoreError

    store = open_store(db, create=False)
    try:
        key = store.revoke_key(key_id)
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    typer.echo(f"key {key.id} of {key.owner} revoked")


def register(app: typer.Typer) -> None:
    """Add the `worklist` and `keys` command groups to `app`."""
    app.add_typer(worklist_app, name="worklist")
    app.add_typer(keys_app, name="keys")
