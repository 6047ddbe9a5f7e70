"""Triage feature rows: the claim's pre-submission features plus what is known at denial time.

`triage_frame` assembles everything (features, expected payment, deadline) for every denial of a world;
`feature_matrix` turns any frame holding the feature columns (including worklist outcome rows, whose
features come back from JSON) into the model's input with fixed categorical levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.domain.denials import CARC_CATEGORY_MAP, CATEGORIES
from denial_ml.features.build import FeatureBuilder
from denial_ml.schemas import GROUP_CODES
from denial_ml.triage.denials import decided_appeals, denied_claims, overturn_history
from denial_ml.triage.payment import expected_payment

DENIAL_CATEGORICAL: dict[str, list[str]] = {
    "denial_category": list(CATEGORIES),
    "denial_carc": sorted({row.carc for row in CARC_CATEGORY_MAP}),
    "denial_group_code": list(GROUP_CODES),
}
DENIAL_NUMERIC = [
    "claim_level_denial",
    "has_ma130",
    "log_denied_amount",
    "log_expected_payment",
    "appeal_deadline_days",
    "payer_category_overturn_rate",
    "payer_category_appeals",
    "provider_overturn_rate",
    "provider_appeals",
]


def triage_frame(tables: dict[str, pd.DataFrame], builder: FeatureBuilder | None = None) -> pd.DataFrame:
    """Every denied, adjudicated claim with its denial facts, expected payment and triage features.

    Args:
        tables: A world's tables.
        builder: A fitted `FeatureBuilder`; None fits one on `tables`.

    Returns:
        The columns of `denied_claims`, `expected_payment`, `total_charge`, and every feature column
        (claim features as of submission, denial features as of adjudication).
    """
    denials = denied_claims(tables)
    builder = builder or FeatureBuilder().fit(tables)
    charges, claim_features = denial_claim_features(tables, denials, builder)
    history = overturn_history(denials, decided_appeals(tables, denials))
    return assemble_frame(denials, charges, claim_features, history, expected_payment(tables, denials))


def denial_claim_features(
    tables: dict[str, pd.DataFrame], denials: pd.DataFrame, builder: FeatureBuilder
) -> tuple[np.ndarray, pd.DataFrame]:
    """The denied claims' total charges and claim features (as of submission), aligned with `denials`."""
    claims = tables["claims"].set_index("claim_id").loc[denials["claim_id"]].reset_index()
    lines = tables["claim_lines"]
    claim_features = builder.transform(claims, lines[lines["claim_id"].isin(denials["claim_id"])])
    # payer_id is both a denial fact and a claim feature: keep one column.
    claim_features = claim_features.drop(columns=[c for c in claim_features if c in denials.columns])
    return claims["total_charge"].to_numpy(dtype=float), claim_features


def assemble_frame(
    denials: pd.DataFrame,
    charges: np.ndarray,
    claim_features: pd.DataFrame,
    history: pd.DataFrame,
    payment: np.ndarray,
) -> pd.DataFrame:
    """`triage_frame`'s rows from their parts: denial facts, claim features, overturn history, expected payment."""
    extra = pd.DataFrame(
        {
            "expected_payment": payment,
            "total_charge": charges,
            "denial_category": denials["category"].to_numpy(),
            "denial_carc": denials["carc"].to_numpy(),
            "denial_group_code": denials["group_code"].to_numpy(),
            "log_denied_amount": np.log1p(denials["denied_amount"].to_numpy(dtype=float)),
            "log_expected_payment": np.log1p(payment),
        }
    )
    frame = pd.concat([denials, claim_features, extra, history], axis=1)
    frame["claim_level_denial"] = frame["claim_level_denial"].astype(float)
    frame["has_ma130"] = frame["has_ma130"].astype(float)
    return frame


def feature_categories(builder: FeatureBuilder) -> dict[str, list[str]]:
    """The categorical levels of every categorical feature (saved with the bundle)."""
    return {**builder.categories_, **DENIAL_CATEGORICAL}


def feature_names(builder: FeatureBuilder) -> list[str]:
    """The model's feature columns, in order."""
    return list(builder.feature_names_) + list(DENIAL_CATEGORICAL) + DENIAL_NUMERIC


def feature_matrix(frame: pd.DataFrame, names: list[str], categories: dict[str, list[str]]) -> pd.DataFrame:
    """The model input: `names` columns, categoricals with the fixed levels, the rest as floats.

    Raises:
        ValueError: naming the feature columns the frame lacks.
    """
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(f"triage features: missing column(s) {', '.join(missing[:10])}")
    out = {}
    for name in names:
        col = frame[name]
        if name in categories:
            values = col.astype(object).where(col.notna(), None)
            out[name] = pd.Categorical(values, categories=categories[name])
        else:
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64").to_numpy()
    return pd.DataFrame(out, index=frame.index)
