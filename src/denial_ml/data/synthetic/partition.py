"""One part of a partitioned world: an independent sub-world of its own patients, with ids that no other part uses.

A partitioned world of `n` claims in `k` parts (`denial-ml generate --engine dask`) is `k` sub-worlds, each
generated from the world seed and its part number alone, so any machine can make any part and the same seed and
`k` give the same files. What the parts share is drawn once from the world seed: the payers (from the policies)
and the providers (the very table `generate_world(n, seed)` draws). Everything else belongs to one part:
patients, their coverages and whole claim histories (re-sends, authorizations, remittances, appeals, front-end
events), so no part needs another's rows.

How it differs from `generate_world(n, seed)` (not bit-identical, by design):
- each part draws from its own random stream, so the claims, patients and outcomes are other draws of the same
  physics;
- the patient count is the single world's split over the parts (`patient_count(n)`, capped at 400,000 in all),
  so claims per patient match the single world;
- ids carry the part number after their letters (`CLM0003000000123`: part 3, claim 123 of that part), and
  claims are numbered in submission order within their part, not across the world.
Pure functions (no I/O); `denial_ml.engine.world` runs them on the workers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.data.synthetic.arrays import STR_DTYPE
from denial_ml.data.synthetic.contacts import payer_contacts
from denial_ml.data.synthetic.frontend import generate_front_end
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.policies import Policies, default_policies
from denial_ml.data.synthetic.world import generate_world, patient_count, reference_providers

MAX_PARTS = 10_000  # ids carry the part number in four digits
PART_STREAM = 20_2026  # the parts' random streams: SeedSequence([world seed, PART_STREAM, part])
REFERENCE_TABLES = ("payers", "providers", "payer_contacts")  # written once, shared by every part

ID_COLUMNS = (
    "claim_id",
    "original_claim_id",
    "line_control_number",
    "patient_id",
    "prior_auth_number",
    "auth_number",
    "remit_id",
    "payer_claim_id",
    "appeal_id",
    "response_id",
    "trace_number",
    "event_id",
)
"""Columns holding the world's own serial ids (letters then digits); payers' and providers' ids are shared."""


def split_claims(n_claims: int, parts: int) -> list[int]:
    """Claims per part: as even as possible, the first parts one larger.

    Raises:
        ValueError: fewer than 1 or more than `MAX_PARTS` parts, or more parts than claims.
    """
    if not 1 <= parts <= MAX_PARTS:
        raise ValueError(f"partitions: expected 1 to {MAX_PARTS:,}, got {parts}")
    if parts > n_claims:
        raise ValueError(f"partitions: {parts} parts for {n_claims} claims leaves some parts empty")
    base, extra = divmod(n_claims, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def part_seed(seed: int, part: int) -> int:
    """The seed of part `part`'s own random streams (independent of the number of parts)."""
    return int(np.random.SeedSequence([seed, PART_STREAM, part]).generate_state(1, np.uint32)[0])


def reference_tables(n_claims: int, seed: int, policies: Policies | None = None) -> dict[str, pd.DataFrame]:
    """The tables every part shares, public columns only: payers, providers and the payers' appeal contacts."""
    from denial_ml.data.synthetic.entities import make_payers
    from denial_ml.data.synthetic.hidden import public

    payers = make_payers(policies or default_policies())
    providers = public(reference_providers(n_claims, seed), "providers")
    return {"payers": payers, "providers": providers, "payer_contacts": payer_contacts(payers)}


def generate_part(
    n_claims: int,
    seed: int,
    parts: int,
    part: int,
    timeline: WorldTimeline | None = None,
    policies: Policies | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of one part of a partitioned world (reference tables left out), ids tagged with the part.

    Args:
        n_claims: Claims of the whole world.
        seed: The world's seed.
        parts: Number of parts.
        part: This part's number, 0 to `parts` - 1.
        timeline: Overrides the world's dated changes.
        policies: The payers' rules (default: the packaged default).
    """
    sizes = split_claims(n_claims, parts)
    own_seed = part_seed(seed, part)
    patients = max(1, round(patient_count(n_claims) * sizes[part] / n_claims))
    tables = generate_world(
        sizes[part],
        own_seed,
        timeline,
        policies=policies,
        providers=reference_providers(n_claims, seed),
        n_patients=patients,
    )
    tables = tables | generate_front_end(tables, own_seed)
    return {name: tag_ids(frame, part) for name, frame in tables.items() if name not in REFERENCE_TABLES}


def tag_ids(frame: pd.DataFrame, part: int) -> pd.DataFrame:
    """`frame` with the part number written after the letters of every id of `ID_COLUMNS` (CLM000000123 ->
    CLM0003000000123): disjoint across parts, since within a part the digits have a fixed width."""
    tag = f"{part:04d}"
    columns = {}
    for name in ID_COLUMNS:
        if name in frame.columns and frame[name].notna().any():
            text = pa.array(frame[name].astype(STR_DTYPE), type=pa.large_string(), from_pandas=True)
            tagged = pc.replace_substring_regex(text, pattern=r"^([A-Z]+)", replacement=rf"\1{tag}", max_replacements=1)
            columns[name] = pd.array(tagged, dtype=STR_DTYPE)
    return frame.assign(**columns) if columns else frame


def count_part(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The counts a partitioned world's summary adds up over parts (`combine_counts`)."""
    from denial_ml.labels import label_claims

    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    appeals = tables["appeals"]
    decided = appeals[appeals["outcome"] != "pending"]
    return {
        "claims": len(tables["claims"]),
        "claim_lines": len(tables["claim_lines"]),
        "patients": len(tables["patients"]),
        "adjudicated": len(labels),
        "denied": int(labels["denied"].sum()),
        "appeals": len(appeals),
        "appealed_claims": int(appeals["claim_id"].nunique()),
        "decided": len(decided),
        "overturned": int((decided["outcome"] == "overturned").sum()),
        "recovered_amount": float(appeals["recovered_amount"].sum()),
    }


def combine_counts(counts: list[dict[str, float]]) -> dict[str, float]:
    """A partitioned world's summary from its parts' counts: totals and the rates they give."""
    total = {key: sum(c[key] for c in counts) for key in counts[0]}

    def rate(num: str, den: str) -> float:
        return round(total[num] / total[den], 4) if total[den] else float("nan")

    return total | {
        "recovered_amount": round(total["recovered_amount"], 2),
        "pending": total["claims"] - total["adjudicated"],
        "denial_rate": rate("denied", "adjudicated"),
        "appeal_rate": rate("appealed_claims", "denied"),
        "overturn_rate": rate("overturned", "decided"),
    }
