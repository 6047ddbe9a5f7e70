"""`python -m denial_ml.cli` runs the CLI (used by tests and when the console script is not on PATH)."""

from denial_ml.cli import main

main()
