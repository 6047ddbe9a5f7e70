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


def write_line_export(path: Path, n_claims: int = 150, seed: int = 0) -> pd.DataFrame:
    """Write a one-row-per-line charge export (claim fields repeated per line, paid per line) and return it."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_claims):
        status = rng.choice(["Paid", "Denied", "Open"], p=[0.7, 0.25, 0.05])
        dos = pd.Timestamp("2025-01-06") + pd.Timedelta(days=int(rng.integers(0, 120)))
        payer = rng.choice(["MCR", "BCBS", "SELF"])
        for line in range(int(rng.integers(1, 4))):
            charge = float(rng.choice([40.0, 95.0, 130.0]))
            rows.append(
                {
                    "Claim No": f"L{i:05d}",
                    "Patient Acct": f"A{i % 60:04d}",
                    "Member ID": f"M{i % 60:06d}",
                    "Payer": payer,
                    "Financial Class": {"MCR": "Medicare", "BCBS": "Commercial", "SELF": "Self Pay"}[payer],
                    "Billing NPI": "1234567893",
                    "Rendering NPI": "1679576722",
                    "POS": "11",
                    "DOS": dos.strftime("%m/%d/%Y"),
                    "Submitted": (dos + pd.Timedelta(days=3)).strftime("%m/%d/%Y"),
                    "Dx Codes": "M54.50, E11.9",
                    "CPT": ["99214", "97110", "J3301"][line],
                    "Mod1": "" if line == 0 else "GP" if line == 1 else "",
                    "Units": "1",
                    "Line Charge": f"{charge:.2f}",
                    "Dx Ptr": "1",
                    "Claim Status": status,
                    "Paid Date": "" if status == "Open" else (dos + pd.Timedelta(days=30)).strftime("%m/%d/%Y"),
                    "Line Paid": f"{charge * 0.8:.2f}" if status == "Paid" else ("" if status == "Open" else "0"),
                    "Denial Code": "197" if status == "Denied" else "",
                }
            )
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)
    return frame
