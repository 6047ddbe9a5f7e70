"""The `denial-ml` command line: thin wrappers over library functions.

Each command group lives in its own module with a `register(app)` function, so that parts of the
project add commands without touching each other.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer
from typer.exceptions import TyperException

app = typer.Typer(
    name="denial-ml",
    help="Predict, explain and triage medical claim denials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules under denial_ml.cli that add commands; each has register(app: typer.Typer) -> None.
COMMAND_MODULES = (
    "world",
    "model",
    "explain",
    "report",
    "worklist",
    "ingest",
    "triage",
    "serve",
    "promote",
    "drift",
    "appeals",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"denial_ml.cli.{name}").register(app)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def world_argument(data: str | None, default: Path, engine: str) -> Path | str:
    """The world a command reads: `--data` (a folder, or an fsspec URL with --engine dask) or the configured folder.

    Raises:
        typer.Exit: an unknown or unavailable engine, or a URL without --engine dask.
    """
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine
    from denial_ml.engine.paths import as_world, is_url

    try:
        check_engine(engine)
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    world = as_world(data) if data else default
    if is_url(world) and engine != "dask":
        raise fail(f"--data {world!r} is a URL: the workers read URLs, add --engine dask (or give a local folder)")
    return world


def main() -> None:
    """Console-script entry point; usage errors come out as one line, not a usage screen."""
    from denial_ml.engine.cluster import WorkerLostError
    from denial_ml.engine.threads import set_passive_waiting

    set_passive_waiting()  # before anything imports LightGBM (its OpenMP runtime reads it once, when loaded)
    _register_all()
    try:
        code = app(prog_name="denial-ml", standalone_mode=False)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except WorkerLostError as exc:  # any --engine dask command: say what to change, not a traceback
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"error: {message} (see denial-ml --help)", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
