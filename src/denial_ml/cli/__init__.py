"""The `denial-ml` command line: thin wrappers over library functions.

Each command group lives in its own module with a `register(app)` function, so that parts of the
project add commands without touching each other.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="denial-ml",
    help="Predict, explain and triage medical claim denials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules under denial_ml.cli that add commands; each has register(app: typer.Typer) -> None.
COMMAND_MODULES = ("world", "report", "worklist")


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"denial_ml.cli.{name}").register(app)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    _register_all()
    app(prog_name="denial-ml")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
