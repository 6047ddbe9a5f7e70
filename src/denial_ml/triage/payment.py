"""Expected payment if a denial is overturned: what this payer paid for this procedure before, not the charge.

Per denied line: the median allowed amount per unit (paid + patient responsibility) of the same payer and
procedure on lines paid before the first day of the denial's month, times the line's units. Thin keys fall
back to the procedure's median over all payers, then to the charge times the overall allowed/charge ratio.
Medians are taken at month boundaries so that the whole history costs one groupby per month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.labels import initial_decisions, is_denial_adjustment

MIN_LINES = 3  # paid lines a payer x procedure needs before its own median is trusted
DEFAULT_RATIO = 0.6  # allowed/charge when nothing at all has been paid yet


def paid_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Lines the payer paid: payer, procedure, allowed per unit, charge ratio and adjudication date."""
    remits = initial_decisions(tables["remittances"])
    lines = tables["remittance_lines"]
    lines = lines[lines["remit_id"].isin(remits["remit_id"]) & (lines["paid_amount"] > 0.005)]
    adj = tables["adjustments"]
    pr = adj[(adj["group_code"] == "PR") & adj["line_number"].notna()]
    pr_sum = pr.groupby(["remit_id", "line_number"])["amount"].sum()
    keys = pd.MultiIndex.from_arrays([lines["remit_id"], lines["line_number"]])
    allowed = lines["paid_amount"].to_numpy() + pr_sum.reindex(keys).fillna(0.0).to_numpy()
    units = np.maximum(lines["units"].fillna(1.0).to_numpy(dtype=float), 1.0)
    info = remits.set_index("remit_id")
    return pd.DataFrame(
        {
            "payer_id": info["payer_id"].reindex(lines["remit_id"]).to_numpy(),
            "procedure_code": lines["procedure_code"].to_numpy(),
            "unit_allowed": allowed / units,
            "ratio": allowed / np.maximum(lines["line_charge"].to_numpy(dtype=float), 0.01),
            "date": info["adjudication_date"].reindex(lines["remit_id"]).to_numpy(),
        }
    )


def denied_lines(tables: dict[str, pd.DataFrame], denials: pd.DataFrame) -> pd.DataFrame:
    """The lines each denial refused: every line of a claim-level denial, else the zero-paid denied lines."""
    lines = tables["remittance_lines"]
    lines = lines[lines["remit_id"].isin(denials["remit_id"])]
    adj = tables["adjustments"]
    adj = adj[is_denial_adjustment(adj) & adj["line_number"].notna() & adj["remit_id"].isin(denials["remit_id"])]
    line_key = lines["remit_id"] + "|" + lines["line_number"].astype(str)
    adj_key = adj["remit_id"] + "|" + adj["line_number"].astype("int64").astype(str)
    claim_level = lines["remit_id"].isin(denials.loc[denials["claim_level_denial"], "remit_id"])
    refused = claim_level | ((lines["paid_amount"].abs() < 0.005) & line_key.isin(adj_key))
    return lines.loc[refused, ["remit_id", "procedure_code", "units", "line_charge"]].reset_index(drop=True)


def expected_payment(tables: dict[str, pd.DataFrame], denials: pd.DataFrame) -> np.ndarray:
    """Expected payment of each denial if overturned (aligned with `denials`).

    Args:
        tables: The world's tables.
        denials: Output of `denied_claims` (needs `remit_id`, `payer_id`, `adjudication_date`,
            `claim_level_denial`, `denied_amount`).
    """
    lines = priced_lines(tables, denials)
    book = price_book(paid_lines(tables), np.unique(lines["cutoff"].to_numpy()))
    return payment_from_book(book, lines, denials)


def priced_lines(tables: dict[str, pd.DataFrame], denials: pd.DataFrame) -> pd.DataFrame:
    """The denied lines (`denied_lines`) with the payer and the cutoff (first day of the denial's month) they
    are priced at."""
    lines = denied_lines(tables, denials)
    info = denials.set_index("remit_id")
    lines["payer_id"] = info["payer_id"].reindex(lines["remit_id"]).to_numpy()
    month = info["adjudication_date"].dt.to_period("M").dt.start_time
    lines["cutoff"] = month.reindex(lines["remit_id"]).to_numpy()
    return lines


@dataclass(frozen=True)
class Prices:
    """What the lines paid before a cutoff say: the medians a denied line is priced with."""

    ratio: float  # median allowed/charge
    by_key: pd.Series  # median allowed per unit by (payer_id, procedure_code), keys with MIN_LINES lines
    by_proc: pd.Series  # the same by procedure_code


def price_book(history: pd.DataFrame, cutoffs: np.ndarray) -> dict[pd.Timestamp, Prices]:
    """The prices at each cutoff from the paid lines (`paid_lines`, of the whole world: medians need them all)."""
    return {pd.Timestamp(cutoff): prices_before(history[history["date"] < cutoff]) for cutoff in cutoffs}


def prices_before(past: pd.DataFrame) -> Prices:
    """The medians of the lines paid before a cutoff (`past`)."""
    return Prices(ratio_before(past["ratio"]), *key_prices_before(past))


def ratio_before(ratios: pd.Series) -> float:
    """The median allowed/charge of the lines paid before a cutoff (`DEFAULT_RATIO` when none were)."""
    return float(ratios.median()) if len(ratios) else DEFAULT_RATIO


def key_prices_before(past: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """`Prices.by_key` and `Prices.by_proc` of the lines paid before a cutoff: a procedure's lines give both, so
    the lines of a set of procedures (`procedure_buckets`) give those procedures' prices exactly."""
    by_key = past.groupby(["payer_id", "procedure_code"])["unit_allowed"].agg(["median", "size"])
    by_proc = past.groupby("procedure_code")["unit_allowed"].agg(["median", "size"])
    return by_key[by_key["size"] >= MIN_LINES]["median"], by_proc[by_proc["size"] >= MIN_LINES]["median"]


def procedure_buckets(paid: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """Paid lines split by a hash of the procedure code that is the same in every process (`paid_lines`' columns
    but the ratio, whose median is over all lines: `engine.triage.ratio_medians`)."""
    columns = ["payer_id", "procedure_code", "unit_allowed", "date"]
    bucket = pd.util.hash_array(paid["procedure_code"].to_numpy(dtype=object)) % np.uint64(buckets)
    return [paid.loc[bucket == b, columns].reset_index(drop=True) for b in range(buckets)]


def key_book(cutoffs: np.ndarray, *paid: pd.DataFrame) -> dict[pd.Timestamp, tuple[pd.Series, pd.Series]]:
    """`key_prices_before` at each cutoff from paid lines (one procedure bucket of every part)."""
    history, ends = by_date(pd.concat(paid, ignore_index=True), cutoffs)
    return {pd.Timestamp(c): key_prices_before(history.iloc[:end]) for c, end in zip(cutoffs, ends, strict=True)}


def by_date(history: pd.DataFrame, cutoffs: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Paid lines sorted by date, and how many were paid before each cutoff: the lines before a cutoff are a
    prefix (a median does not depend on the order of its values; a copy of them per cutoff would cost)."""
    history = history.sort_values("date", kind="stable", ignore_index=True)
    dates = history["date"].to_numpy(dtype="datetime64[ns]")
    return history, np.searchsorted(dates, np.asarray(cutoffs, dtype="datetime64[ns]"), side="left")


def merge_books(
    ratios: dict[pd.Timestamp, float], *keys: dict[pd.Timestamp, tuple[pd.Series, pd.Series]]
) -> dict[pd.Timestamp, Prices]:
    """The book of `price_book` from its ratio book and the key books of the procedure buckets.

    Raises:
        ValueError: the books do not hold the same cutoffs.
    """
    for book in keys:
        if book.keys() != ratios.keys():  # a bucket priced at other months would misprice silently
            raise ValueError(f"price books: cutoffs differ ({len(book)} vs {len(ratios)})")
    return {
        cutoff: Prices(
            ratio,
            pd.concat([book[cutoff][0] for book in keys]) if keys else pd.Series(dtype=float),
            pd.concat([book[cutoff][1] for book in keys]) if keys else pd.Series(dtype=float),
        )
        for cutoff, ratio in ratios.items()
    }


def payment_from_book(book: dict[pd.Timestamp, Prices], lines: pd.DataFrame, denials: pd.DataFrame) -> np.ndarray:
    """Expected payment of each denial (aligned with `denials`) from its priced lines (`priced_lines`)."""
    lines = lines.assign(value=_line_values(book, lines))
    per_claim = lines.groupby("remit_id")["value"].sum()
    value = per_claim.reindex(denials["remit_id"]).to_numpy(dtype=float)
    # A denial with no matching line (a claim-level CAS on an 835 without SVC lines): scale the charge.
    fallback = denials["denied_amount"].to_numpy(dtype=float) * DEFAULT_RATIO
    return np.round(np.where(np.isnan(value), fallback, value), 2)


def _line_values(book: dict[pd.Timestamp, Prices], lines: pd.DataFrame) -> np.ndarray:
    units = np.maximum(lines["units"].fillna(1.0).to_numpy(dtype=float), 1.0)
    out = np.full(len(lines), np.nan)
    for cutoff in np.unique(lines["cutoff"].to_numpy()):
        rows = np.flatnonzero(lines["cutoff"].to_numpy() == cutoff)
        out[rows] = _values_at(book[pd.Timestamp(cutoff)], lines.iloc[rows], units[rows])
    return out


def _values_at(prices: Prices, sub: pd.DataFrame, units: np.ndarray) -> np.ndarray:
    keys = pd.MultiIndex.from_arrays([sub["payer_id"], sub["procedure_code"]])
    unit = prices.by_key.reindex(keys).to_numpy(dtype=float)
    unit = np.where(np.isnan(unit), prices.by_proc.reindex(sub["procedure_code"]).to_numpy(dtype=float), unit)
    value = unit * units
    charge = sub["line_charge"].to_numpy(dtype=float) * prices.ratio
    return np.where(np.isnan(value), charge, value)
