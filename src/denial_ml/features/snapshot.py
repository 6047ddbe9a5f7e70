"""A history snapshot: reference tables plus point-in-time outcome indexes, saved without pickles."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.features import snapshot_parts as parts
from denial_ml.features.auth_practice import INDEX_NAME as AUTH_INDEX
from denial_ml.features.auth_practice import authorized_lines
from denial_ml.features.history import Events, HistoryIndex, build_index, to_days
from denial_ml.features.key_codes import KeyCodes
from denial_ml.features.revenue_lines import line_codes
from denial_ml.features.slices import history_events
from denial_ml.labels import label_claims

REFERENCE_TABLES = ("payers", "providers", "patients", "coverages", "authorizations")
CATEGORY_COLUMNS = tuple(f"cat_{c}" for c in CATEGORIES)


@dataclass
class PatientParts:
    """Where a snapshot's patient indexes and patient reference rows are stored by part (`snapshot_parts`).

    Attributes:
        folder: The folder holding `patient_parts.json` and the `patients/part-NNNNN` folders.
        meta: Its `patient_parts.json`: `parts` (how many) and `indexes` (each patient index's value names).
    """

    folder: Path
    meta: dict
    patients: KeyCodes  # patient id -> part

    @property
    def n_parts(self) -> int:
        """How many parts."""
        return int(self.meta["parts"])

    def part_of(self, patient_id: pd.Series | np.ndarray) -> np.ndarray:
        """Each patient's part; a patient the snapshot never saw has no keys in any part, and gets part 0."""
        return np.maximum(self.patients.lookup(np.asarray(patient_id, dtype=object)), 0)

    def load(self, part: int) -> tuple[dict[str, pd.DataFrame], dict[str, HistoryIndex]]:
        """One part's patient tables and patient indexes."""
        return parts.load_part(self.folder, part, self.meta)

    def copy_to(self, folder: Path) -> list[Path]:
        """Copy the parts into another snapshot folder (hard links where the disk allows)."""
        written = []
        for source in sorted((self.folder / parts.PARTS_FOLDER).rglob("*")):
            if source.is_file():
                target = folder / source.relative_to(self.folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(source, target)
                written.append(target)
        link_or_copy(self.folder / parts.PATIENTS_FILE, folder / parts.PATIENTS_FILE)
        written.append(folder / parts.PATIENTS_FILE)
        written.append(parts.write_parts_meta(folder, self.n_parts, self.meta["indexes"]))
        return written


@dataclass
class Snapshot:
    """Everything the feature pipeline may look up: reference tables and outcome/submission indexes.

    When `parts` is set, the patient indexes and the patient tables' rows are stored by patient part there:
    `indexes` holds the shared indexes only, `reference` the patient tables without rows, and `for_part`
    gives the snapshot a part's claims are featured with.
    """

    reference: dict[str, pd.DataFrame]
    indexes: dict[str, HistoryIndex]
    parts: PatientParts | None = None

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame]) -> Snapshot:
        """Build a snapshot from a world's tables (claims, lines, the 835 tables and reference tables)."""
        indexes = {name: build_index(*ev) for name, ev in snapshot_events(tables).items()}
        return cls(reference=reference_tables(tables), indexes=indexes)

    def for_part(self, part: int) -> Snapshot:
        """The snapshot of one patient part's claims: the shared indexes and tables, and the part's own."""
        if self.parts is None:
            return self
        tables, indexes = self.parts.load(part)
        return Snapshot(reference={**self.reference, **tables}, indexes={**self.indexes, **indexes})

    def save(self, folder: Path) -> list[Path]:
        """Write the snapshot as Parquet tables and one `.npz` (no pickled objects) per index, the patient parts
        (when stored by part) under `folder/patients`."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.reference.items():
            path = folder / f"{name}.parquet"
            frame.to_parquet(path, index=False)
            written.append(path)
        for name, index in self.indexes.items():
            path = folder / f"index_{name}.npz"
            parts.save_index(path, index)
            written.append(path)
        meta = folder / "indexes.json"
        meta.write_text(json.dumps({n: list(i.value_names) for n, i in self.indexes.items()}, indent=1))
        written.append(meta)
        # Each index file's format (`snapshot_parts.save_index`; the file says it too, which is what `load` reads:
        # a snapshot without this file holds format 1 only).
        formats = folder / "index_formats.json"
        formats.write_text(json.dumps({n: parts.index_format(i) for n, i in self.indexes.items()}, indent=1))
        written.append(formats)
        if self.parts is not None:
            written += self.parts.copy_to(folder)
        return written

    @classmethod
    def load(cls, folder: Path, by_part: bool = False) -> Snapshot:
        """Read a snapshot written by `save` (npz files are read with `allow_pickle=False`).

        Args:
            folder: The snapshot folder.
            by_part: For a snapshot stored by patient part, load only the shared indexes and tables (the parts
                are loaded by `for_part`); else every part, put back together into the whole snapshot.
        """
        reference = {name: pd.read_parquet(folder / f"{name}.parquet") for name in REFERENCE_TABLES}
        names = json.loads((folder / "indexes.json").read_text())
        indexes = {
            name: parts.load_index(folder / f"index_{name}.npz", value_names) for name, value_names in names.items()
        }
        meta = parts.read_parts_meta(folder)
        if meta is None:
            return cls(reference=reference, indexes=indexes)
        if by_part:
            stored = PatientParts(folder, meta, parts.read_patient_parts(folder))
            return cls(reference=reference, indexes=indexes, parts=stored)
        tables, patient = parts.load_all_parts(folder, meta)
        return cls(reference={**reference, **tables}, indexes={**indexes, **patient})


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link of `source` at `target`, or a copy where the disk cannot link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def duplicate_keys(patient: pd.Series, service_date: pd.Series, procedure: pd.Series) -> pd.Series:
    """Key of a service for duplicate detection: patient | service day | procedure."""
    day = pd.Series(to_days(service_date), index=patient.index).astype(str)
    return patient.astype(str) + "|" + day + "|" + procedure.astype(str)


def reference_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The reference tables a snapshot carries."""
    return {name: tables[name] for name in REFERENCE_TABLES}


def snapshot_events(tables: dict[str, pd.DataFrame]) -> dict[str, Events]:
    """The events of every snapshot index, from a world's tables (or a part of them).

    Each event belongs to one claim, so the events of a world are the union of its parts' events, except that the
    patient-history and slice events (`history_events`) need each patient's claims in one part.
    """
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    claims = tables["claims"]
    lines = tables["claim_lines"].assign(procedure_code=line_codes(tables["claim_lines"]))
    events = labels[["claim_id", "adjudication_date", "denied", "denial_category"]].merge(
        claims[["claim_id", "payer_id", "rendering_provider_npi", "patient_id"]], on="claim_id"
    )
    day = to_days(events["adjudication_date"])
    values = outcome_values(events)
    line_events = lines[["claim_id", "procedure_code", "modifier_1", "modifier_2"]].merge(
        events[["claim_id", "payer_id", "adjudication_date", "denied", "denial_category"]], on="claim_id"
    )
    line_day = to_days(line_events["adjudication_date"])
    mods = pd.concat(
        [
            line_events[["payer_id", "modifier_1", "adjudication_date", "denied"]].rename(columns={"modifier_1": "m"}),
            line_events[["payer_id", "modifier_2", "adjudication_date", "denied"]].rename(columns={"modifier_2": "m"}),
        ]
    ).dropna(subset=["m"])
    line_sub = lines[["claim_id", "procedure_code", "service_date"]].merge(
        claims[["claim_id", "patient_id", "submission_date", "claim_frequency_code"]], on="claim_id"
    )
    auth = authorized_lines(claims, lines, tables["authorizations"])
    out = {
        "payer": Events(events["payer_id"], day, values),
        "provider": Events(events["rendering_provider_npi"].fillna("none"), day, values),
        "patient": Events(events["patient_id"], day, values[["denied"]]),
        "patient_payer": Events(
            events["patient_id"] + "|" + events["payer_id"], day, values[["denied", "cat_eligibility"]]
        ),
        "payer_proc": Events(
            line_events["payer_id"] + "|" + line_events["procedure_code"], line_day, outcome_values(line_events)
        ),
        "payer_mod": Events(
            mods["payer_id"] + "|" + mods["m"], to_days(mods["adjudication_date"]), mods[["denied"]].astype(float)
        ),
        "submitted": Events(
            duplicate_keys(line_sub["patient_id"], line_sub["service_date"], line_sub["procedure_code"]),
            to_days(line_sub["submission_date"]),
            pd.DataFrame({"one": np.ones(len(line_sub))}),
        ),
        "all": Events(pd.Series(["all"] * len(events)), day, values[["denied"]]),
        AUTH_INDEX: Events(auth["key"], auth["day"].to_numpy(), auth[["authorized"]]),
    }
    out.update(history_events(claims, lines, labels, tables["patients"]))
    return out


def outcome_values(events: pd.DataFrame) -> pd.DataFrame:
    """`denied` and one 0/1 column per denial category (`CATEGORY_COLUMNS`) of each outcome event."""
    values = pd.DataFrame({"denied": events["denied"].astype(float)})
    for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
        values[col] = (events["denial_category"] == cat).astype(float)
    return values
