"""The records on file about chosen claims, from a world's (or a claims store's) tables: pure, frames in.

Indexes the tables once so that a batch of corrected claims does not scan them per claim.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from denial_ml.appeals.corrected import ClaimRecords
from denial_ml.ingest.x12_segments import records

NEEDED = ("claims", "claim_lines", "patients", "payers", "providers", "remittances", "adjustments", "remarks")
OPTIONAL = ("authorizations", "coverages")


class RecordsIndex:
    """The tables a corrected claim needs, restricted to the chosen claims and indexed by claim."""

    def __init__(self, tables: dict[str, pd.DataFrame], claim_ids: list[str]) -> None:
        """Keep the rows of `claim_ids` (and of their patients) from `tables`.

        Raises:
            KeyError: a table of `NEEDED` is missing.
        """
        wanted = set(claim_ids)
        claims = tables["claims"][tables["claims"]["claim_id"].isin(wanted)]
        self.claims = {c["claim_id"]: c for c in records(claims)}
        patients = set(claims["patient_id"])
        self.per_claim = {
            name: _group(tables[name][tables[name]["claim_id"].isin(wanted)], "claim_id")
            for name in ("claim_lines", "remittances", "adjustments", "remarks")
        }
        self.patients = {
            p["patient_id"]: p for p in records(tables["patients"][tables["patients"]["patient_id"].isin(patients)])
        }
        self.payers = {p["payer_id"]: p for p in records(tables["payers"])}
        self.providers = {p["provider_npi"]: p for p in records(tables["providers"])}
        self.per_patient = {
            name: _group(tables[name][tables[name]["patient_id"].isin(patients)], "patient_id")
            for name in OPTIONAL
            if name in tables
        }

    def get(self, claim_id: str) -> ClaimRecords | None:
        """The records of one claim (None when the claim is not on file)."""
        claim = self.claims.get(claim_id)
        if claim is None:
            return None
        of_claim = {name: rows.get(claim_id, []) for name, rows in self.per_claim.items()}
        same_payer = {
            name: [r for r in rows.get(claim["patient_id"], []) if r["payer_id"] == claim["payer_id"]]
            for name, rows in self.per_patient.items()
        }
        npis = {claim["billing_provider_npi"], claim.get("rendering_provider_npi")}
        remits = sorted(of_claim["remittances"], key=lambda r: (r["adjudication_date"], r["remit_id"]))
        return ClaimRecords(
            claim=claim,
            lines=sorted(of_claim["claim_lines"], key=lambda r: r["line_number"]),
            patient=self.patients.get(claim["patient_id"], {}),
            payer=self.payers.get(claim["payer_id"], {}),
            providers={n: self.providers[n] for n in npis if n in self.providers},
            remittances=remits,
            adjustments=of_claim["adjustments"],
            remarks=of_claim["remarks"],
            authorizations=same_payer.get("authorizations", []),
            coverages=same_payer.get("coverages", []),
        )


def _group(frame: pd.DataFrame, key: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for row in records(frame):
        grouped.setdefault(row[key], []).append(row)
    return grouped
