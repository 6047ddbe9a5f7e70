"""A snapshot's patient-keyed indexes and reference rows, stored by patient part.

Most of a snapshot's keys hold the patient (`PATIENT_INDEXES`), and so do most of its reference rows
(`PATIENT_TABLES`). Stored whole, they make a bundle's load grow with the world; stored by part (the parts the
dask engine read the world in: a stable hash of the patient id, or a partitioned world's own parts),
a process scoring some patients' claims loads only their parts, and training writes each part from the worker that
read it. A part holds all of its patients' keys and rows, so a claim's features read from its patient's part are
those read from the whole snapshot.

Layout, inside the snapshot folder: `patient_parts.json` (the number of parts, the indexes' value names),
`patient_parts.npz` (every patient's part: the ids' UTF-8 bytes sorted, `KeyCodes`, and their part numbers) and
`patients/part-NNNNN/` with one `index_<name>.npz` per patient index and one Parquet file per patient table. The
builder's lookups of the patient tables do not depend on their row order (by unique ids; coverage spells sorted),
so the parts' rows put back together serve as the whole table.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from denial_ml.features import composite_codes
from denial_ml.features.composite_codes import CompositeCodes
from denial_ml.features.history import DAY_BITS, HistoryIndex
from denial_ml.features.key_codes import KeyCodes, encode

PATIENT_INDEXES = ("patient", "patient_payer", "submitted", "pat_proc", "pat_year", "pat_proc_denied", "pat_visits")
PATIENT_TABLES = ("patients", "coverages", "authorizations")  # reference tables keyed by the patient
PARTS_FILE = "patient_parts.json"
PARTS_FOLDER = "patients"
PATIENTS_FILE = "patient_parts.npz"
# zlib level 1, not `np.savez_compressed`'s 6: a 200k bundle's indexes write in 1.2 instead of 5.7 CPU s and take
# 28.6 instead of 24.2 MB (231 MB raw); `np.load` reads either.
NPZ_LEVEL = 1


def part_folder(folder: Path, part: int) -> Path:
    """The folder of one patient part inside a snapshot folder."""
    return folder / PARTS_FOLDER / f"part-{part:05d}"


def key_store(codes: object) -> KeyCodes:
    """An index's codes as `KeyCodes` (a dict's keys in code order become a sorted store with their codes)."""
    if isinstance(codes, KeyCodes):
        return codes
    if isinstance(codes, CompositeCodes):
        return codes.key_codes()
    keys = encode(list(codes))  # type: ignore[call-overload]
    order = np.argsort(keys, kind="stable")
    return KeyCodes(keys[order], None if np.array_equal(order, np.arange(len(order))) else order)


def index_format(index: HistoryIndex) -> int:
    """The format `save_index` writes the index in: 2 for composite codes, 1 for its keys' strings."""
    return composite_codes.FORMAT if isinstance(index.codes, CompositeCodes) else 1


def save_index(path: Path, index: HistoryIndex) -> None:
    """One index as an `.npz`: the keys' UTF-8 bytes, sorted, and their codes when not their positions (format 1);
    or, for composite keys, their integers and parts (`composite_codes.to_arrays`, format 2)."""
    arrays: dict[str, np.ndarray] = {"sorted_keys": index.sorted_keys, "starts": index.starts}
    arrays["cumsums"] = index.cumsums
    if isinstance(index.codes, CompositeCodes):
        arrays |= composite_codes.to_arrays(index.codes)
    else:
        store = key_store(index.codes)
        arrays["keys"] = store.sorted_bytes
        if store.sorted_codes is not None:
            arrays["key_codes"] = store.sorted_codes
    write_npz(path, arrays)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Arrays as a compressed `.npz` that `np.load` reads (as `np.savez_compressed` writes it, at `NPZ_LEVEL`)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=NPZ_LEVEL) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)


def load_index(path: Path, value_names: list[str]) -> HistoryIndex:
    """An index saved by `save_index` (either format, or, keys as unicode in code order, by earlier bundles); no
    pickles."""
    with np.load(path, allow_pickle=False) as data:
        codes: KeyCodes | CompositeCodes | None = composite_codes.from_arrays(data)
        if codes is None:
            keys = data["keys"]
            codes = KeyCodes(keys, data["key_codes"] if "key_codes" in data.files else None)
            if keys.dtype.kind == "U":
                codes = key_store(keys.tolist())
        return HistoryIndex(
            codes=codes,
            sorted_keys=data["sorted_keys"],
            starts=data["starts"],
            cumsums=data["cumsums"],
            value_names=tuple(value_names),
        )


def write_part_tables(folder: Path, part: int, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write one part's rows of the patient tables (`split_reference`)."""
    target = part_folder(folder, part)
    target.mkdir(parents=True, exist_ok=True)
    paths = [target / f"{name}.parquet" for name in tables]
    for path, frame in zip(paths, tables.values(), strict=True):
        frame.to_parquet(path, index=False)
    return paths


def write_part_indexes(folder: Path, part: int, indexes: dict[str, HistoryIndex]) -> list[Path]:
    """Write one part's patient indexes."""
    target = part_folder(folder, part)
    target.mkdir(parents=True, exist_ok=True)
    paths = [target / f"index_{name}.npz" for name in indexes]
    for path, index in zip(paths, indexes.values(), strict=True):
        save_index(path, index)
    return paths


def write_parts_meta(folder: Path, n_parts: int, value_names: dict[str, list[str]]) -> Path:
    """`patient_parts.json`: how many parts, and the value names of each patient index."""
    path = folder / PARTS_FILE
    path.write_text(json.dumps({"parts": n_parts, "indexes": value_names}, indent=1))
    return path


def read_parts_meta(folder: Path) -> dict | None:
    """`patient_parts.json` of a snapshot folder; None for a snapshot stored whole."""
    path = folder / PARTS_FILE
    return json.loads(path.read_text()) if path.exists() else None


def write_patient_parts(folder: Path, patients: list[np.ndarray]) -> Path:
    """`patient_parts.npz`: each part's patient ids (`encode`d, one array per part, in part order)."""
    keys = np.concatenate(patients) if patients else np.array([], dtype="S1")
    part = np.repeat(np.arange(len(patients), dtype=np.int32), [len(p) for p in patients])
    order = np.argsort(keys, kind="stable")
    path = folder / PATIENTS_FILE
    write_npz(path, {"keys": keys[order], "parts": part[order]})
    return path


def read_patient_parts(folder: Path) -> KeyCodes:
    """Patient id -> part (`write_patient_parts`)."""
    with np.load(folder / PATIENTS_FILE, allow_pickle=False) as data:
        return KeyCodes(data["keys"], data["parts"])


def load_part(folder: Path, part: int, meta: dict) -> tuple[dict[str, pd.DataFrame], dict[str, HistoryIndex]]:
    """One part's patient tables and patient indexes."""
    target = part_folder(folder, part)
    tables = {name: pd.read_parquet(target / f"{name}.parquet") for name in PATIENT_TABLES}
    indexes = {n: load_index(target / f"index_{n}.npz", names) for n, names in meta["indexes"].items()}
    return tables, indexes


def load_all_parts(folder: Path, meta: dict) -> tuple[dict[str, pd.DataFrame], dict[str, HistoryIndex]]:
    """Every part put back together: the patient tables (parts one after the other) and the whole patient indexes
    (`merge_indexes`), answering as the snapshot did before it was split. One index at a time: the process holds
    one index's parts besides the merged indexes."""
    folders = [part_folder(folder, part) for part in range(meta["parts"])]
    tables = {
        name: pd.concat([pd.read_parquet(f / f"{name}.parquet") for f in folders], ignore_index=True)
        for name in PATIENT_TABLES
    }
    indexes = {}
    for name, value_names in meta["indexes"].items():
        indexes[name] = merge_indexes([load_index(f / f"index_{name}.npz", value_names) for f in folders])
    return tables, indexes


def merge_indexes(parts: list[HistoryIndex]) -> HistoryIndex:
    """Indexes of disjoint keys (one per part) laid end to end as one: each part's codes and rows offset by the
    parts before it. The running sums are of 0/1 counts, exact in floats, so every answer is the part's."""
    key_offsets = np.cumsum([0] + [len(p.starts) - 1 for p in parts[:-1]])
    row_offsets = np.cumsum([0] + [len(p.sorted_keys) for p in parts[:-1]])
    base = np.cumsum([np.zeros(parts[0].cumsums.shape[1])] + [p.cumsums[-1] for p in parts[:-1]], axis=0)
    sorted_keys = np.concatenate([p.sorted_keys + (k << DAY_BITS) for p, k in zip(parts, key_offsets, strict=True)])
    starts = [p.starts[:-1] + r for p, r in zip(parts, row_offsets, strict=True)]
    cumsums = [p.cumsums[:-1] + b for p, b in zip(parts, base, strict=True)]
    return HistoryIndex(
        codes=KeyCodes.concat([key_store(p.codes) for p in parts]),
        sorted_keys=sorted_keys.astype(np.int64),
        starts=np.append(np.concatenate(starts), len(sorted_keys)).astype(np.int64),
        cumsums=np.vstack([*cumsums, parts[-1].cumsums[-1:] + base[-1]]),
        value_names=parts[0].value_names,
    )
