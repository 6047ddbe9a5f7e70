"""The `denial-ml` command line: thin wrappers over library functions.

Each command group lives in its own module with a `register(app)` function, so that parts of the
project add commands without touching each other.
"""

from __future__ import annotations

import importlib
import sys

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


def main() -> None:
    """Console-script entry point; usage errors come out as one line, not a usage screen."""
    _register_all()
    try:
        code = app(prog_name="denial-ml", standalone_mode=False)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"error: {message} (see denial-ml --help)", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
