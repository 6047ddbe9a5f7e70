"""Detecting payer rule changes: payer x procedure cells whose denial rate jumped (pure).

Each cell (payer, procedure code) is watched by a one-sided Bernoulli CUSUM over the days claims are decided,
in the order the outcomes arrive, so running it "as of" a date is truncating the sequence at that date.

- In-control rate p0: the cell's denial rate before `since`, shrunk towards its payer's rate, taken at an
  upper posterior quantile so that a cell with little history does not look like it jumped.
- Out-of-control rate p1: odds(p0) x `odds_ratio` (the size of jump the watch is tuned to find).
- Threshold h = log(start points / alpha), start points = cells with history x days of the planned horizon
  (`horizon_days`, or the days watched when longer). From each (cell, day) start point the likelihood ratio
  is a supermartingale under "rate <= p0", so by Ville's inequality it reaches e^h with probability at most
  e^-h; the union over every cell and day keeps the chance of any false flag over the horizon at most alpha.
  The threshold does not depend on `as_of`, so running the watch every day is the same test as running it
  once at the end of the horizon.
- A claim-level denial names no line, so codes billed with a code whose rule changed jump too. Flags are
  therefore checked strongest first, each re-run without the claims holding a code already flagged for the
  same payer; a flag that disappears is reported as `explained_by` that code instead, and one that stays
  gets `confirmed_alone`, the day its own claims crossed the threshold (from then on it is its own flag).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

CELL = ["payer_id", "procedure_code"]
RECENT_DAYS = 30
FLAG_COLUMNS = [
    "payer_id",
    "procedure_code",
    "first_alarm",
    "confirmed_alone",
    "change_start",
    "history_claims",
    "history_rate",
    "claims_after",
    "denials_after",
    "rate_after",
    "jump",
    "jump_low",
    "jump_high",
    "p_rate_rose",
    "rate_last_30_days",
    "evidence",
    "main_category",
    "main_category_share",
]


@dataclass(frozen=True)
class WatchConfig:
    """Tuning of the rule-change watch.

    Args:
        odds_ratio: Jump in the odds of denial the CUSUM is tuned to (p1 = p0 odds x odds_ratio).
        alpha: Family-wise false-flag rate over every cell and day of the report.
        prior_strength: Pseudo-claims of the payer's rate mixed into each cell's history.
        baseline_quantile: Posterior quantile of the history rate used as p0 (conservative).
        horizon_days: Days the watch is planned to run from `since` (sets the threshold).
    """

    odds_ratio: float = 4.0
    alpha: float = 0.05
    prior_strength: float = 20.0
    baseline_quantile: float = 0.99
    horizon_days: int = 365


@dataclass
class RuleChangeReport:
    """Flags and the figures of the test that produced them."""

    flags: pd.DataFrame
    explained: pd.DataFrame
    threshold: float
    start_points: int
    since: pd.Timestamp
    as_of: pd.Timestamp
    config: WatchConfig = field(default_factory=WatchConfig)


def cell_observations(outcomes: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (adjudicated claim, distinct procedure code): the cell, the decision day and the outcome.

    Args:
        outcomes: `monitoring.window.outcomes(tables)` (claims with `denied`, `adjudication_date`, ...).
        lines: The `claim_lines` table.
    """
    codes = lines[["claim_id", "procedure_code"]].drop_duplicates()
    keep = ["claim_id", "payer_id", "adjudication_date", "denied", "denial_category"]
    obs = codes.merge(outcomes[keep], on="claim_id", how="inner")
    obs["day"] = pd.to_datetime(obs["adjudication_date"]).dt.normalize()
    obs["denied"] = obs["denied"].astype(bool)
    return obs.drop(columns="adjudication_date").reset_index(drop=True)


def detect_rule_changes(
    obs: pd.DataFrame, since: object, as_of: object = None, config: WatchConfig | None = None
) -> RuleChangeReport:
    """Flag the cells whose denial rate jumped after `since`, using only outcomes decided by `as_of`.

    Args:
        obs: `cell_observations(...)`.
        since: First day watched; earlier outcomes are the cells' history.
        as_of: Last day of outcomes used (default: the latest in `obs`).
        config: Test tuning.

    Returns:
        A report whose `flags` has one row per flagged cell: first alarm day, estimated change start,
        history and post-change rates, the jump with a 90 % interval, the posterior probability that the
        rate rose, the evidence (log likelihood ratio) and the family-wise false-flag bound.

    Raises:
        ValueError: when `since` is not before `as_of`, or there is no history before `since`.
    """
    cfg = config or WatchConfig()
    first: pd.Timestamp = pd.Timestamp(since).normalize()
    end = pd.Timestamp(as_of).normalize() if as_of is not None else obs["day"].max()
    if first > end:
        raise ValueError(f"since ({first.date()}) is after the last outcome used ({end.date()})")
    obs = obs[obs["day"] <= end]
    history, watched = obs[obs["day"] < first], obs[obs["day"] >= first]
    if history.empty:
        raise ValueError(f"no outcomes before since ({first.date()}): the cells have no history to compare with")
    payer_rate = history.groupby("payer_id")["denied"].mean()
    days = max(cfg.horizon_days, (end - first).days + 1)
    start_points = int(history[CELL].drop_duplicates().shape[0]) * days
    h = float(np.log(max(start_points, 1) / cfg.alpha))
    candidates = _scan(history, watched, payer_rate, h, cfg)
    flags, explained = _attribute(candidates, history, watched, payer_rate, h, cfg)
    bound = np.minimum(1.0, start_points * np.exp(-flags["evidence"].to_numpy(dtype=float)))
    flags = flags.assign(false_flag_bound=bound)
    return RuleChangeReport(flags, explained, h, start_points, first, end, cfg)


def first_alarm(report: RuleChangeReport, payer_id: str, code: str) -> pd.Timestamp | None:
    """The day the watch first flagged a cell (None when it did not)."""
    hit = report.flags[(report.flags["payer_id"] == payer_id) & (report.flags["procedure_code"] == code)]
    return None if hit.empty else pd.Timestamp(hit["first_alarm"].iloc[0])


def _p0(n0: np.ndarray, k0: np.ndarray, prior: np.ndarray, cfg: WatchConfig) -> np.ndarray:
    """In-control rate: an upper quantile of the cell's history rate, shrunk towards its payer's rate."""
    a = k0 + cfg.prior_strength * prior + 0.5
    b = n0 - k0 + cfg.prior_strength * (1 - prior) + 0.5
    return np.clip(stats.beta.ppf(cfg.baseline_quantile, a, b), 1e-4, 0.95)


def _scan(history, watched, payer_rate, h, cfg) -> pd.DataFrame:
    """CUSUM of every watched cell; one row per cell whose statistic reached h."""
    daily = watched.groupby(CELL + ["day"], sort=True)["denied"].agg(n="size", k="sum").reset_index()
    if daily.empty:
        return _empty_flags()
    base = history.groupby(CELL)["denied"].agg(n0="size", k0="sum")
    base = base.reindex(pd.MultiIndex.from_frame(daily[CELL])).fillna(0.0)
    prior = daily["payer_id"].map(payer_rate).fillna(float(payer_rate.mean())).to_numpy()
    p0 = _p0(base["n0"].to_numpy(), base["k0"].to_numpy(), prior, cfg)
    odds1 = p0 / (1 - p0) * cfg.odds_ratio
    p1 = odds1 / (1 + odds1)
    n, k = daily["n"].to_numpy(dtype=float), daily["k"].to_numpy(dtype=float)
    step = k * np.log(p1 / p0) + (n - k) * np.log((1 - p1) / (1 - p0))
    cell_id = daily.groupby(CELL, sort=False).ngroup().to_numpy()
    # CUSUM S_t = C_t - min(0, min_{s<=t} C_s) with C the running sum of steps within the cell.
    C = pd.Series(step).groupby(cell_id).cumsum().to_numpy()
    low = np.minimum(pd.Series(C).groupby(cell_id).cummin().to_numpy(), 0.0)
    S = C - low
    daily = daily.assign(p0=p0, S=S, C=C, cell=cell_id, n0=base["n0"].to_numpy(), k0=base["k0"].to_numpy())
    alarmed = daily[daily["S"] >= h]
    if alarmed.empty:
        return _empty_flags()
    return pd.DataFrame([_describe(daily[daily["cell"] == c], watched, h) for c in alarmed["cell"].unique()])


def _describe(seq: pd.DataFrame, watched: pd.DataFrame, h: float) -> dict:
    """Figures of one alarmed cell: its alarm day, and its rates from the estimated change start on."""
    cusum, running = seq["S"].to_numpy(), seq["C"].to_numpy()
    alarm = int(np.argmax(cusum >= h))
    # before[j] is the running sum just before day j; the change starts at the last position of its minimum.
    before = np.concatenate([[0.0], running[:alarm]])
    start = len(before) - 1 - int(np.argmin(before[::-1]))
    segment = seq.iloc[start:]
    n1, k1 = int(segment["n"].sum()), int(segment["k"].sum())
    n0, k0 = float(seq["n0"].iloc[0]), float(seq["k0"].iloc[0])
    payer, code = seq["payer_id"].iloc[0], seq["procedure_code"].iloc[0]
    draws = np.random.default_rng(0)
    r1 = draws.beta(k1 + 0.5, n1 - k1 + 0.5, 4000)
    r0 = draws.beta(k0 + 0.5, n0 - k0 + 0.5, 4000)
    recent = seq[seq["day"] > seq["day"].iloc[-1] - pd.Timedelta(days=RECENT_DAYS)]
    cell = watched[(watched["payer_id"] == payer) & (watched["procedure_code"] == code) & watched["denied"]]
    top = cell.loc[cell["day"] >= segment["day"].iloc[0], "denial_category"].value_counts()
    history_rate = k0 / n0 if n0 else float("nan")
    return {
        "payer_id": payer,
        "procedure_code": code,
        "first_alarm": seq["day"].iloc[alarm],
        "confirmed_alone": seq["day"].iloc[alarm],
        "change_start": segment["day"].iloc[0],
        "history_claims": int(n0),
        "history_rate": history_rate,
        "claims_after": n1,
        "denials_after": k1,
        "rate_after": k1 / n1,
        "jump": k1 / n1 - (history_rate if n0 else float(seq["p0"].iloc[0])),
        "jump_low": float(np.quantile(r1 - r0, 0.05)),
        "jump_high": float(np.quantile(r1 - r0, 0.95)),
        "p_rate_rose": float((r1 > r0).mean()),
        "rate_last_30_days": float(recent["k"].sum() / recent["n"].sum()),
        "evidence": float(cusum.max()),
        "main_category": str(top.index[0]) if len(top) else "",
        "main_category_share": float(top.iloc[0] / top.sum()) if len(top) else float("nan"),
    }


def _attribute(candidates, history, watched, payer_rate, h, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep flags that survive without the claims of stronger flags of the same payer."""
    if candidates.empty:
        return candidates, _empty_flags().assign(explained_by=pd.Series(dtype=str))
    kept, explained = [], []
    for payer, group in candidates.sort_values("evidence", ascending=False).groupby("payer_id", sort=False):
        codes: list[str] = []
        for row in group.to_dict("records"):
            if not codes:
                kept.append(row)
                codes.append(row["procedure_code"])
                continue
            masked = _without_claims_of(watched, payer, codes)
            masked_history = _without_claims_of(history, payer, codes)
            cell = masked[(masked["payer_id"] == payer) & (masked["procedure_code"] == row["procedure_code"])]
            again = _scan(masked_history, cell, payer_rate, h, cfg)
            if again.empty:
                explained.append({**row, "explained_by": " ".join(codes)})
            else:
                kept.append({**row, "confirmed_alone": again["first_alarm"].iloc[0]})
                codes.append(row["procedure_code"])
    columns = list(candidates.columns)
    flags = pd.DataFrame(kept, columns=columns).sort_values("first_alarm", kind="stable").reset_index(drop=True)
    return flags, pd.DataFrame(explained, columns=columns + ["explained_by"])


def _without_claims_of(obs: pd.DataFrame, payer: str, codes: list[str]) -> pd.DataFrame:
    holding = obs.loc[(obs["payer_id"] == payer) & obs["procedure_code"].isin(codes), "claim_id"]
    return obs[~obs["claim_id"].isin(set(holding))]


def _empty_flags() -> pd.DataFrame:
    return pd.DataFrame(columns=FLAG_COLUMNS)
