"""The bundle folder every model is saved as: its files, a SHA-256 manifest and a format number in metadata.json.

A bundle never holds a pickle: models are LightGBM's own text format, everything else JSON, Parquet or npz
(read with `allow_pickle=False`). A bundle is written whole in a staging folder next to its target and renamed
into place, so a crash never leaves half a bundle; reading checks the format, the model kind and every file's
checksum, so a half-copied, edited or outdated bundle is refused with a message that says what to do.

What differs between model kinds (kind name, required files, the command that retrains one) is data: a
`BundleSpec` declared by each model package.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = 2  # 2: one manifest key and `kind` for every model; 1 / unnumbered: the per-model layouts before it
METADATA = "metadata.json"
CHECKSUMS = "sha256"  # metadata key of the manifest: file path (relative, '/'-separated) -> hex SHA-256


class BundleError(ValueError):
    """A bundle is missing, incomplete, altered, of another kind or format, or does not fit this code."""


@dataclass(frozen=True)
class BundleSpec:
    """The fixed facts of one model kind's bundle.

    Attributes:
        kind: Recorded in metadata.json and checked on read (a triage bundle is not a denial-risk bundle).
        files: Files every bundle of this kind must hold; any other file written is checksummed too.
        retrain: The command that writes a fresh bundle, named when one is refused.
    """

    kind: str
    files: tuple[str, ...]
    retrain: str


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (model files can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: object, *, sort_keys: bool = False) -> None:
    """Write `data` as indented JSON with a final newline; numpy scalars and arrays become plain values."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=sort_keys, default=json_default) + "\n")


def json_default(value: object) -> object:
    """`json.dumps` fallback: numpy scalars and arrays as Python values.

    Raises:
        TypeError: for anything else, so an unexpected object is not silently written as its repr.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def manifest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` except metadata.json, by '/'-separated relative path."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != METADATA)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def seal_bundle(folder: Path, spec: BundleSpec, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Record format, kind and the manifest of a filled folder in its metadata.json (in place, not atomic).

    `write_bundle` calls it on its staging folder; tests and tools that deliberately edit a bundle call it to
    make the checksums agree again.

    Returns:
        The metadata written.

    Raises:
        BundleError: when a file the spec requires was not written.
    """
    checksums = manifest(folder)
    for required in spec.files:
        if required not in checksums:
            raise BundleError(f"{spec.kind} bundle {str(folder)!r} is missing {required}")
    written = {**metadata, "format": FORMAT, "kind": spec.kind, CHECKSUMS: checksums}
    write_json(Path(folder) / METADATA, written)
    return written


def write_bundle(target: Path, spec: BundleSpec, fill: Callable[[Path], Mapping[str, Any]]) -> Path:
    """Write a bundle to `target` whole: fill a staging folder beside it, seal it, rename it into place.

    Args:
        target: The bundle folder; a bundle already there is replaced only once the new one is complete.
        spec: The model kind's bundle facts.
        fill: Writes the model's files into the folder it is given and returns the metadata to record.

    Returns:
        `target`.

    Raises:
        BundleError: when `fill` left out a required file (nothing is replaced).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same parent: the final rename stays on one file system, so it is a rename and not a copy.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-staging-", dir=target.parent))
    try:
        seal_bundle(staging, spec, fill(staging))
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def verify_bundle(folder: Path, spec: BundleSpec) -> dict[str, Any]:
    """Check that a bundle is of this kind and format, whole and unchanged; return its metadata.

    Raises:
        BundleError: naming the folder and what is wrong (no metadata, old format and the command that
            retrains it, other kind, a missing or altered file).
    """
    folder = Path(folder)
    metadata = read_metadata(folder, spec)
    check_format(folder, spec, metadata)
    checksums = metadata[CHECKSUMS]
    # Missing files first: a half-copied bundle is reported as such, whatever else was edited.
    for name in [*spec.files, *checksums]:
        if name not in checksums or not (folder / name).is_file():
            raise BundleError(f"{spec.kind} bundle {str(folder)!r} is missing {name}")
    for name, expected in checksums.items():
        if sha256_file(folder / name) != expected:
            raise BundleError(f"{spec.kind} bundle {str(folder)!r}: checksum of {name} does not match {METADATA}")
    return metadata


def read_metadata(folder: Path, spec: BundleSpec) -> dict[str, Any]:
    """A bundle's metadata.json, unchecked.

    Raises:
        BundleError: when the file is absent or not a JSON object.
    """
    path = Path(folder) / METADATA
    if not path.is_file():
        raise BundleError(f"{spec.kind} bundle {str(folder)!r} has no {METADATA} (run `{spec.retrain}` first)")
    try:
        metadata = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(f"{spec.kind} bundle {str(folder)!r}: {METADATA} is not valid JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise BundleError(f"{spec.kind} bundle {str(folder)!r}: {METADATA} is not a JSON object")
    return metadata


def check_format(folder: Path, spec: BundleSpec, metadata: Mapping[str, Any]) -> None:
    """Refuse a bundle of another format or kind, saying which was found and how to get a current one.

    Old bundles are refused rather than migrated: retraining takes minutes, and a model whose files were never
    checked by this code's rules should not be served as if they had been.

    Raises:
        BundleError: naming the folder, the format or kind found and the retrain command.
    """
    found = metadata.get("format")
    if found != FORMAT or not isinstance(metadata.get(CHECKSUMS), dict):
        described = "an unnumbered format" if found is None else f"format {found}"
        raise BundleError(
            f"{spec.kind} bundle {str(folder)!r} is in {described}; this version of denial-ml reads bundle "
            f"format {FORMAT} only. Retrain it with `{spec.retrain}` (or point to a bundle trained since)."
        )
    if metadata.get("kind") != spec.kind:
        raise BundleError(
            f"bundle {str(folder)!r} holds a {metadata.get('kind')!r} model, not a {spec.kind!r} one; "
            f"train one with `{spec.retrain}`"
        )


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`, keeping any previous bundle until the new one is in place.

    The previous bundle is first renamed aside, then deleted once the rename in has succeeded; if that rename
    fails, it is renamed back. Only a crash of the process between the two renames leaves no bundle at
    `target` (the previous one then sits beside it as `.<name>-previous-*`).
    """
    if not target.exists():
        os.rename(staging, target)
        return
    previous = target.with_name(f".{target.name}-previous-{secrets.token_hex(4)}")
    os.rename(target, previous)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(previous, target)
        raise
    shutil.rmtree(previous, ignore_errors=True)
