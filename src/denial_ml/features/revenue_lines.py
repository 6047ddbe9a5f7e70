"""The procedure key of a revenue-code-only 837I line (room and board, pharmacy, supplies: no HCPCS).

Line features and history indexes key lines by their procedure code (payer x procedure denial rates, duplicate
keys, code flags). A line without one is keyed by its revenue code's family, the first three digits (0250
pharmacy and 0258 IV solutions are both `REV025`), so its denials are learnt and looked up together; a key that
is no CPT/HCPCS code takes no catalog flag, misfits no diagnosis and needs no authorization.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.lookup import Keys

REVENUE_KEY_PREFIX = "REV"


def revenue_key(revenue_code: object) -> str:
    """`REV` + the revenue code's family (first 3 digits); "" when there is no revenue code."""
    if not isinstance(revenue_code, str) or not revenue_code:
        return ""
    return REVENUE_KEY_PREFIX + revenue_code[:3]


def line_code_keys(procedure: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """Each line's procedure key: its procedure code, else its revenue family key (object arrays, "" missing)."""
    out = np.asarray(procedure, dtype=object).copy()
    empty = np.flatnonzero(out == "")
    if len(empty):
        out[empty] = [revenue_key(r) for r in np.asarray(revenue, dtype=object)[empty].tolist()]
    return out


def line_codes(lines: pd.DataFrame) -> pd.Series:
    """A `claim_lines` frame's procedure keys as a Series (procedure code, else revenue family key)."""
    procedure = lines["procedure_code"]
    if "revenue_code" not in lines or not procedure.isna().any():
        return procedure
    keys = lines["revenue_code"].map(revenue_key, na_action="ignore")
    return procedure.astype(object).where(procedure.notna(), keys.astype(object))


def is_revenue_key(keys: Keys) -> np.ndarray:
    """Per value of encoded `payer|procedure` keys: whether its procedure is a revenue family key."""
    marker = "|" + REVENUE_KEY_PREFIX
    flags = np.array([marker in str(k) for k in np.asarray(keys.distinct, dtype=object).tolist()], dtype=bool)
    return flags[keys.position] if len(flags) else np.zeros(len(keys.position), dtype=bool)
