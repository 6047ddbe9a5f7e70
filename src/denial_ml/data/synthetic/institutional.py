"""837I in full: the bill type and admission fields of institutional claims, and their revenue-code-only lines.

Hospitals bill much of a visit by revenue code alone, without a HCPCS code: pharmacy (025x), supplies (027x),
anesthesia (0370), recovery room (0710), and on inpatient bills room and board (01xx). `add_revenue_lines`
gives a share of the world's 837I claims such lines after their HCPCS lines, drawn from their own random
stream (seeded from the world's seed), and adjudication leaves them out of its line hazards (`world`), so
every denial decision and the truth stay as they were before these lines existed. Their one denial mechanism
is their claim's: a claim-level denial (eligibility, timely filing, duplicate, ...) denies them with it, as
it denies every line. Paid, they are paid as a share of their charge (`remit`), as payers price
revenue-code-only outpatient items (or package them into the visit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import Coded, as_str, fixed_str
from denial_ml.data.synthetic.hidden import hidden

# 837I place of service -> facility type (CLM05-1), as a hospital's billing system sets it: 21 inpatient
# hospital bills as 11, 22 and 19 (on / off-campus outpatient) as 13, 24 (ambulatory surgical center) as 83.
POS_FACILITY = {"21": "11", "22": "13", "19": "13", "24": "83"}
INPATIENT_POS = "21"
ELECTIVE = "3"  # CL101: the world's inpatient stays are scheduled procedures
FROM_HOME = "1"  # CL102: non-health-care facility point of origin (home, physician referral)
REVENUE_LINE_SHARE = 0.55  # of 837I claims carry revenue-code-only lines
# Revenue codes a claim of each specialty adds without HCPCS, with (low, high) charge per unit.
REVENUE_MENU: dict[str, dict[str, tuple[float, float]]] = {
    "radiology": {"0255": (40.0, 260.0), "0272": (25.0, 180.0)},
    "cardiology": {"0250": (20.0, 220.0), "0272": (30.0, 320.0)},
    "orthopedics": {"0370": (300.0, 1400.0), "0710": (350.0, 1300.0), "0272": (60.0, 600.0), "0250": (30.0, 300.0)},
    "dermatology": {"0270": (15.0, 140.0)},
}
ROOM_AND_BOARD = ("0120", (1200.0, 2600.0))  # semi-private room, one day
MAX_REVENUE_LINES = 3


def add_institutional_fields(claims: pd.DataFrame) -> pd.DataFrame:
    """The 837I header fields: facility type from the place of service; inpatient stays' admission date
    (their first day), type (elective) and every 837I's point of origin (home); empty on 837P."""
    institutional = claims["claim_type"].to_numpy() == "837I"
    pos = fixed_str(claims["place_of_service"])
    facility = Coded(claims["place_of_service"]).lookup(POS_FACILITY, "13", object)
    inpatient = institutional & (pos == INPATIENT_POS)
    admitted = np.where(inpatient, hidden(claims, "claims", "_service").to_numpy(), np.datetime64("NaT"))
    return claims.assign(
        facility_type_code=as_str(facility, ~institutional),
        admission_date=admitted.astype("datetime64[ns]"),
        admission_type_code=as_str(np.full(len(claims), ELECTIVE, dtype=object), ~inpatient),
        admission_source_code=as_str(np.full(len(claims), FROM_HOME, dtype=object), ~institutional),
    )


def add_revenue_lines(seed: int, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """`lines` with revenue-code-only lines added to a share of the 837I claims, numbered after their lines.

    Args:
        seed: The world's seed (the lines come from their own stream).
        claims: Claim headers (row order = the lines' hidden `_c`), with `claim_type`, `place_of_service`,
            `service_date_from` and the hidden `specialty`.
        lines: The claims' lines, sorted by claim then line number, with every hidden line column.
    """
    rng = np.random.default_rng([seed, 837])
    specialty = fixed_str(hidden(claims, "claims", "specialty"))
    institutional = claims["claim_type"].to_numpy() == "837I"
    chosen = np.flatnonzero(institutional & (rng.random(len(claims)) < REVENUE_LINE_SHARE))
    owner, code, low, high = _draw_codes(rng, chosen, specialty[chosen], fixed_str(claims["place_of_service"])[chosen])
    if len(owner) == 0:
        return lines
    c = hidden(lines, "claim_lines", "_c").to_numpy()
    last = np.zeros(len(claims), dtype=np.int64)
    np.maximum.at(last, c, lines["line_number"].to_numpy())
    order = np.argsort(owner, kind="stable")
    owner, code, low, high = owner[order], code[order], low[order], high[order]
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner, "left")
    charge = np.round(rng.uniform(low, high), 2)
    added = pd.DataFrame(
        {
            "_c": owner,
            "line_number": last[owner] + 1 + rank,
            "procedure_code": as_str(np.full(len(owner), None, dtype=object), np.ones(len(owner), dtype=bool)),
            "units": np.ones(len(owner), dtype=lines["units"].dtype),
            "line_charge": charge,
            "service_date": claims["service_date_from"].to_numpy()[owner],
            "revenue_code": as_str(code),
        }
    )
    for column in lines.columns:
        if column not in added:
            added[column] = _empty_like(lines[column], len(added))
    out = pd.concat([lines, added[list(lines.columns)]], ignore_index=True)
    return out.sort_values(["_c", "line_number"], kind="stable", ignore_index=True)


def _draw_codes(
    rng: np.random.Generator, chosen: np.ndarray, specialty: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(claim row, revenue code, low, high charge) of each added line: 1 to 3 distinct codes of the claim's
    specialty menu, and room and board on an inpatient bill."""
    owner, code, low, high = [], [], [], []
    counts = rng.integers(1, MAX_REVENUE_LINES + 1, len(chosen))
    picks = rng.random((len(chosen), MAX_REVENUE_LINES + 1))
    for k, row in enumerate(chosen):
        menu = REVENUE_MENU.get(specialty[k], {"0272": (30.0, 300.0)})
        codes = list(menu)
        wanted = np.argsort(picks[k, : len(codes)])[: min(counts[k], len(codes))]
        items = [(codes[j], menu[codes[j]]) for j in sorted(wanted)]
        if pos[k] == INPATIENT_POS:
            items.insert(0, ROOM_AND_BOARD)
        for revenue, (lo, hi) in items:
            owner.append(row)
            code.append(revenue)
            low.append(lo)
            high.append(hi)
    return (np.array(owner, dtype=np.int64), np.array(code, dtype=object), np.array(low), np.array(high))


def _empty_like(column: pd.Series, n: int) -> object:
    """The value an added line takes in a column it has no own value for: no defect (the hidden flags), no
    modifier, no pointer."""
    if column.dtype == bool:
        return np.zeros(n, dtype=bool)
    if isinstance(column.dtype, np.dtype):
        return np.full(n, None, dtype=object)
    return pd.array([None] * n, dtype=column.dtype)
