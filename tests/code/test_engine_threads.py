"""LightGBM's OpenMP threads wait passively: set by the CLI before LightGBM loads, never over a user's choice."""

from __future__ import annotations

import os
import subprocess
import sys

from denial_ml.engine.threads import PASSIVE, WAIT_POLICY, set_passive_waiting


def test_passive_unless_the_environment_chose() -> None:
    env: dict[str, str] = {}
    assert set_passive_waiting(env) == PASSIVE and env == {WAIT_POLICY: PASSIVE}
    chosen = {WAIT_POLICY: "ACTIVE"}
    assert set_passive_waiting(chosen) == "ACTIVE" and chosen == {WAIT_POLICY: "ACTIVE"}


def test_cli_sets_it_before_lightgbm_is_imported() -> None:
    code = (
        "import os, sys\n"
        "import denial_ml.cli as cli\n"
        "def registering():\n"
        "    print(os.environ.get('OMP_WAIT_POLICY'), 'lightgbm' in sys.modules)\n"
        "    raise SystemExit(0)\n"
        "cli._register_all = registering\n"
        "cli.main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != WAIT_POLICY}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split()[-2:] == [PASSIVE, "False"]
