"""The claims a comparison or a drift report may use: enough decided claims, none a model trained on.

A window sized in days holds whatever a month happened to decide (186 claims in a small practice's 30 days, too
few to tell two models apart); a window sized in decided claims holds enough for the paired intervals to mean
something. And a model scored on claims of its own training period looks better than it is (in-sample): the
window must start after the training period of every model it judges.
"""

from __future__ import annotations

import pandas as pd

from denial_ml.monitoring.window import last_days

# Decided claims a comparison needs at least: with about 1,000 claims (a fifth of them denied) the paired 95 %
# interval of a ROC-AUC difference is about +-0.03 wide, enough to see the -0.045 of a stale model; 186 claims
# give about +-0.07 and a stale model passes.
MIN_WINDOW_CLAIMS = 1000


def latest_decided(frame: pd.DataFrame, min_claims: int = MIN_WINDOW_CLAIMS, days: int | None = None) -> pd.DataFrame:
    """Rows of `outcomes(...)`: those decided in the last `days` days, widened back to the latest `min_claims`
    decided claims when they are fewer (whole days: every claim decided on the first day taken is in).

    Raises:
        ValueError: when no claim is decided, or `min_claims` is not positive.
    """
    if min_claims < 1:
        raise ValueError(f"the window needs a positive number of decided claims, got {min_claims}")
    if frame.empty:
        raise ValueError("no adjudicated claims in the data")
    recent = last_days(frame, days) if days is not None else frame.iloc[0:0]
    if len(recent) >= min_claims:
        return recent
    decided = pd.to_datetime(frame["adjudication_date"])
    first_day = decided.sort_values(ascending=False).iloc[min(min_claims, len(frame)) - 1]
    return frame[(decided >= first_day).to_numpy()].reset_index(drop=True)


def training_end(metadata: dict) -> pd.Timestamp | None:
    """The last submission date a bundle trained on (its `training_period`), None when the bundle has none."""
    period = metadata.get("training_period")
    return pd.Timestamp(period[1]) if period else None


def refuse_overlap(first_submitted: object, models: dict[str, dict], what: str = "the window") -> None:
    """Raise when `what` (claims submitted from `first_submitted` on) overlaps a model's training period.

    Args:
        first_submitted: The earliest submission date of the claims used.
        models: Label -> bundle metadata of each model judged.

    Raises:
        ValueError: naming the model, its training period and what to do instead.
    """
    start = pd.Timestamp(first_submitted)
    for label, metadata in models.items():
        end = training_end(metadata)
        if end is not None and start <= end:
            period = metadata["training_period"]
            raise ValueError(
                f"{what} (claims submitted from {start.date()}) overlaps the training period of {label} "
                f"({period[0]} to {period[1]}): its scores there are in-sample and look better than they are. "
                f"Use claims submitted after {end.date()} (newer data, or fewer claims with --min-claims)"
            )
