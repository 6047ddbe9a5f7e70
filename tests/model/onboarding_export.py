"""A practice's one-row-per-claim billing export whose outcomes are random (independent of every column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROCEDURES = ["99213", "99214", "99231", "90832", "90837", "97110", "J3301", "80053", "36415", "73721", "G0439"]
DIAGNOSES = ["M54.50", "E11.9", "I10", "F41.1", "J06.9", "Z00.00", "M17.11", "N39.0", "K21.9", "R51.9"]
INSURANCE = ["Medicare", "Medicaid", "Commercial", "Self-Pay", "BCBS PPO"]
REASONS = ["Prior authorization required", "Not medically necessary", "Duplicate claim", "Missing information"]
NPIS = ["1234567893", "1245319599", "1679576722"]


def write_export(path: Path, n: int = 3000, seed: int = 0, denial_rate: float = 0.25) -> pd.DataFrame:
    """Write the export (claim id, provider NPI, patient id, date of service, billed, procedure, diagnosis,
    allowed, paid, insurance type, claim status, reason text) and return it."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 540, n))
    billed = rng.choice([95.0, 130.0, 190.0, 260.0, 1150.0], n)
    status = np.where(rng.random(n) < denial_rate, "Denied", "Paid").astype(object)
    status[-int(n * 0.02) :] = "Pending"  # the latest claims are not decided yet
    allowed = np.round(billed * 0.7, 2)
    paid = np.where(status == "Paid", allowed, 0.0)
    frame = pd.DataFrame(
        {
            "Claim ID": [f"C{100000 + i}" for i in range(n)],
            "Provider NPI": rng.choice(NPIS, n),
            "Patient ID": [f"P{k:05d}" for k in rng.integers(0, n // 3, n)],
            "Date of Service": (pd.Timestamp("2024-01-02") + pd.to_timedelta(days, "D")).strftime("%m/%d/%Y"),
            "Billed": [f"${b:,.2f}" for b in billed],
            "Procedure": rng.choice(PROCEDURES, n),
            "Diagnosis": rng.choice(DIAGNOSES, n),
            "Allowed": np.where(status == "Pending", "", allowed.astype(str)),
            "Paid": np.where(status == "Pending", "", paid.astype(str)),
            "Insurance Type": rng.choice(INSURANCE, n),
            "Claim Status": status,
            "Reason": np.where(status == "Denied", rng.choice(REASONS, n), ""),
        }
    )
    frame.to_csv(path, index=False)
    return frame
