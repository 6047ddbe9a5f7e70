"""`denial-ml --help` imports no heavy library: registering the commands must stay cheap (issues #17, #20).

The check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import denial_ml

HEAVY = (
    "pandas",
    "numpy",
    "sklearn",
    "lightgbm",
    "mlflow",
    "fastapi",
    "sqlalchemy",
    "pyarrow",
    "shap",
    "matplotlib",
)

# Registers every command as `main()` does, renders the top-level and every command's --help, and prints the
# heavy top-level modules that got imported on the way.
PROBE = """
import json, sys
import denial_ml.cli as cli
from typer.main import get_command
cli._register_all()
command = get_command(cli.app)
paths = [[]] + [[name] for name in command.commands]
paths += [[group, name] for group, sub in command.commands.items() for name in getattr(sub, "commands", {})]
for path in paths:
    try:
        cli.app(path + ["--help"], prog_name="denial-ml", standalone_mode=False)
    except SystemExit:
        pass
heavy = set(json.loads(sys.argv[1]))
loaded = sorted({name.split(".")[0] for name in sys.modules} & heavy)
print("\\nLOADED " + json.dumps({"loaded": loaded, "helps": len(paths)}))
"""


def run_probe() -> dict:
    """Run PROBE in a fresh interpreter and return what it reports."""
    src = str(Path(denial_ml.__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": src, "COLUMNS": "120"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.rsplit("\nLOADED ", 1)[1])


def test_help_of_every_command_imports_no_heavy_library() -> None:
    result = run_probe()
    assert result["helps"] > 20  # the top level, every command and every group's subcommands
    assert result["loaded"] == [], f"imported while showing --help: {', '.join(result['loaded'])}"


def test_option_defaults_copied_into_the_cli_match_the_library() -> None:
    from denial_ml.cli import promote
    from denial_ml.modeling.registry import CHAMPION
    from denial_ml.monitoring.comparison_window import MIN_WINDOW_CLAIMS

    assert (promote.CHAMPION, promote.MIN_WINDOW_CLAIMS) == (CHAMPION, MIN_WINDOW_CLAIMS)


# Runs one command as `main()` does and prints the heavy top-level modules it imported on the way.
RUN = """
import json, sys
heavy = set(json.loads(sys.argv[1]))
sys.argv = ["denial-ml", *sys.argv[2:]]
from denial_ml.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & heavy)
print("\\nLOADED " + json.dumps({"loaded": loaded, "code": code}))
"""


def run_command(*args: str) -> dict:
    """Run `denial-ml ARGS` in a fresh interpreter; its exit code and the heavy modules it imported."""
    src = str(Path(denial_ml.__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps([*HEAVY, "alembic"]), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": src},
        check=False,
    )
    return {**json.loads(done.stdout.rsplit("\nLOADED ", 1)[1]), "stdout": done.stdout}


def test_listing_a_claims_store_reads_its_manifest_without_pandas(tmp_path: Path) -> None:
    from denial_ml.data.claims_store import Manifest, commit_manifest

    commit_manifest(tmp_path, Manifest())
    result = run_command("ingest", "--list", "--out", str(tmp_path))
    assert result["code"] == 0, result["stdout"]
    assert f"{tmp_path}: empty store" in result["stdout"]
    assert result["loaded"] == [], f"imported to list the store: {', '.join(result['loaded'])}"


def test_showing_a_migrated_worklist_loads_neither_alembic_nor_pandas(tmp_path: Path) -> None:
    from denial_ml.store.migrate import upgrade_database

    url = f"sqlite:///{tmp_path / 'worklist.db'}"
    upgrade_database(url)
    result = run_command("worklist", "show", "--db", url)
    assert result["code"] == 0, result["stdout"]
    assert result["loaded"] == ["sqlalchemy"], f"imported to show the worklist: {', '.join(result['loaded'])}"
