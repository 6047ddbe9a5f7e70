"""Authorization requirements the practice has learnt: payer x procedure pairs it now routinely authorizes.

Payers add codes to their prior-authorization lists without the practice's copy of the list keeping up (in the
synthetic world COM01 starts requiring it for 97110 and 97530 in March 2025). A practice that has started
obtaining those authorizations shows it in its own claims: most recent claims of the pair carry an authorization
that lists the code. Such a pair is treated like a published requirement, so a claim of the pair without an
authorization, or with one for other codes, is flagged the same way.

Point in time: a claim submitted on day D counts only lines submitted strictly before D (`HistoryIndex.before`);
whether a line was authorized is fixed when it is submitted (its claim's authorization number and the
register's entry for that number).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.history import HistoryIndex, build_index, lookup_codes, to_days
from denial_ml.features.lookup import Keys
from denial_ml.features.revenue_lines import line_codes

INDEX_NAME = "payer_proc_auth"
WINDOW_DAYS = 90  # recent enough to follow a change in the practice's habits
MIN_LINES = 10  # lines of the pair in the window before its share means anything
MIN_SHARE = 0.5  # share of those lines that carried an authorization listing the code


def authorized_lines(claims: pd.DataFrame, lines: pd.DataFrame, authorizations: pd.DataFrame) -> pd.DataFrame:
    """Each submitted line's `payer|procedure` key, submission day and whether its claim's authorization (as on
    file) lists the line's code.

    Returns:
        Columns `key`, `day` and `authorized` (float 0/1), one row per line whose claim is in `claims`.
    """
    codes = dict(
        zip(
            authorizations["auth_number"].tolist(),
            (" " + authorizations["procedure_codes"].fillna("") + " ").tolist(),
            strict=True,
        )
    )
    merged = (
        lines[["claim_id"]]
        .assign(procedure_code=line_codes(lines))
        .merge(claims[["claim_id", "payer_id", "submission_date", "prior_auth_number"]], on="claim_id")
    )
    listed = [
        isinstance(number, str) and f" {code} " in codes.get(number, "")
        # Lists, not the Series: iterating an Arrow-backed Series boxes every value in Python one by one.
        for number, code in zip(merged["prior_auth_number"].tolist(), merged["procedure_code"].tolist(), strict=True)
    ]
    return pd.DataFrame(
        {
            "key": (merged["payer_id"] + "|" + merged["procedure_code"]).to_numpy(dtype=object),
            "day": to_days(merged["submission_date"]),
            "authorized": np.asarray(listed, dtype=float),
        }
    )


def build_auth_index(claims: pd.DataFrame, lines: pd.DataFrame, authorizations: pd.DataFrame) -> HistoryIndex:
    """The `payer_proc_auth` history index: submitted lines by `payer|procedure` and day, summing `authorized`."""
    rows = authorized_lines(claims, lines, authorizations)
    return build_index(rows["key"], rows["day"].to_numpy(), rows[["authorized"]])


def authorization_shares(index: HistoryIndex, code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lines of each `payer|procedure` (as the index's integer codes) submitted in the `WINDOW_DAYS` before each
    day, and how many of them carried an authorization listing the code."""
    now = index.before_codes(code, day)
    then = index.before_codes(code, day - WINDOW_DAYS)
    return now["n"] - then["n"], now["authorized"] - then["authorized"]


def learnt_requirement(n_lines: np.ndarray, n_authorized: np.ndarray) -> np.ndarray:
    """Whether the practice's recent claims show the pair needs authorization."""
    return (n_lines >= MIN_LINES) & (n_authorized >= MIN_SHARE * n_lines)


def learnt_lines(index: HistoryIndex | None, keys: Keys, day: np.ndarray) -> np.ndarray:
    """Per line: whether its `payer|procedure` needs authorization by the practice's recent claims.

    Args:
        index: The snapshot's `payer_proc_auth` index (None for a snapshot saved before it existed: nothing learnt).
        keys: Each line's position among the distinct `payer|procedure` keys, and those keys.
        day: Each line's claim submission day.
    """
    if index is None:
        return np.zeros(len(day), dtype=bool)
    position, distinct = keys
    code = lookup_codes(index.codes, distinct)[position]
    return learnt_requirement(*authorization_shares(index, code, day))


def learnable_keys(index: HistoryIndex | None) -> frozenset[str]:
    """The `payer|procedure` keys that could ever show a learnt requirement (enough authorized lines in all), so a
    single claim looks up the index only for those."""
    if index is None:
        return frozenset()
    column = index.value_names.index("authorized")
    total = index.cumsums[index.starts[1:], column] - index.cumsums[index.starts[:-1], column]
    return frozenset(key for key, code in index.codes.items() if total[code] >= MIN_SHARE * MIN_LINES)


def learnt_shares(index: HistoryIndex | None, keys: list[str], day: int) -> dict[str, float]:
    """For one claim: the share of recent lines authorized, for each `payer|procedure` key that the practice
    has learnt needs authorization (keys without a learnt requirement are left out)."""
    if index is None or not keys:
        return {}
    n, authorized = authorization_shares(index, lookup_codes(index.codes, keys), np.full(len(keys), day))
    learnt = learnt_requirement(n, authorized)
    return {key: float(a / m) for key, m, a, hit in zip(keys, n, authorized, learnt, strict=True) if hit}
