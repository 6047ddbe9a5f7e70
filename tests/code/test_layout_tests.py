"""Test files are findable by the code they cover: `tests/<tier>/test_<package>_<module>.py`.

The word after `test_` must be a package or module of `src/denial_ml` (`store`, `api`, `labels`, ...) or, for a
subpackage, its own name (`synthetic`); what follows names the module or subject (`test_store_items.py` covers
`src/denial_ml/store/items.py`). A few files cover something outside `src/` and are listed in `NOT_IN_SRC`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
PACKAGE = ROOT / "src" / "denial_ml"
TIERS = ("code", "data", "model")

# Subjects that are not Python code under src/denial_ml, with what the file covers instead.
NOT_IN_SRC = {
    "notebooks": "the notebooks in notebooks/",
    "layout": "the layout of the repository itself (this file)",
}


def subjects() -> set[str]:
    """Top-level packages and modules of denial_ml, and the name of every subpackage at any depth."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    names |= {p.parent.name for p in PACKAGE.glob("*/**/__init__.py")}
    return names


def all_test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py"))


def test_the_subjects_are_found() -> None:
    assert {"store", "api", "web", "ingest", "features", "modeling", "triage", "cli", "labels"} <= subjects()


def test_every_test_file_names_a_package_or_module_of_denial_ml() -> None:
    known = subjects() | set(NOT_IN_SRC)
    offenders = []
    for path in all_test_files():
        words = path.stem.removeprefix("test_").split("_")
        # A subject may itself hold underscores (rule_changes, auth_practice): try every prefix.
        if not any("_".join(words[:n]) in known for n in range(1, len(words) + 1)):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], (
        "These test files do not start with test_<package or module of src/denial_ml>_...; rename them "
        f"(git mv) after the code they cover, e.g. tests/code/test_store_items.py for store/items.py: {offenders}"
    )


def test_test_files_live_in_a_tier_folder_and_have_distinct_names() -> None:
    files = all_test_files()
    outside = [str(p.relative_to(ROOT)) for p in files if p.parent.parent != TESTS or p.parent.name not in TIERS]
    assert outside == [], f"Test files belong in tests/code, tests/data or tests/model: {outside}"
    # The tiers have no __init__.py, so pytest imports test files by their base name: two equal names collide.
    twice = sorted(name for name, count in Counter(p.name for p in files).items() if count > 1)
    assert twice == [], f"Test file names used in more than one tier folder: {twice}"


def test_python_files_under_tests_are_tests_or_conftest() -> None:
    # Shared helpers (builders of test input) are fine; a file holding test functions under another name is not,
    # since pytest would silently never run them.
    stray = [
        str(p.relative_to(ROOT))
        for p in TESTS.rglob("*.py")
        if not p.name.startswith("test_") and p.name != "conftest.py" and "\ndef test_" in p.read_text()
    ]
    assert stray == [], f"Test functions in files pytest will not collect (name them test_*.py): {stray}"
