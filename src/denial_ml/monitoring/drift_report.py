"""The drift report: recent claims and outcomes against a model's training period (pure: tables in, report out).

Reference claims are those submitted in the model's training period (its bundle's `training_period`) and
before `since`; recent claims are those submitted from `since` to `as_of`. Outcomes count only when decided
by `as_of`, so the report reads as it would have on that day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.modeling.bundle import Scorer
from denial_ml.monitoring import drift, rule_changes
from denial_ml.monitoring.window import outcomes as label_outcomes
from denial_ml.monitoring.window import tables_as_of

MAX_REFERENCE = 20_000  # reference claims featurised for the PSI (a sample is as good and much faster)


@dataclass
class DriftReport:
    """Everything `denial-ml drift` prints and writes."""

    since: pd.Timestamp
    as_of: pd.Timestamp
    model_version: str
    reference_period: tuple[str, str]
    counts: dict[str, int]
    features: pd.DataFrame
    payer_category: pd.DataFrame
    calibration: dict
    rules: rule_changes.RuleChangeReport


def build_drift_report(
    tables: dict[str, pd.DataFrame],
    scorer: Scorer,
    since: object,
    as_of: object = None,
    n_features: int = 10,
    watch: rule_changes.WatchConfig | None = None,
    reference_ece: float | None = None,
    seed: int = 0,
) -> DriftReport:
    """Compare claims submitted since `since` with the model's training period.

    Args:
        tables: A world's tables.
        scorer: The model watched.
        since: First submission (features, calibration) and decision (rule changes) day of the recent period.
        as_of: Report as known at the end of this day (default: the latest decision in the data).
        n_features: How many of the model's most important features get a PSI.
        watch: Tuning of the rule-change watch.
        reference_ece: The model's ECE on its own test period (its bundle's metrics.json), for comparison.
        seed: Seed of the reference sample.

    Raises:
        ValueError: naming the period that holds no claims.
    """
    first: pd.Timestamp = pd.Timestamp(since).normalize()
    end = pd.Timestamp(as_of).normalize() if as_of is not None else _last_day(tables)
    known = tables_as_of(tables, end) if as_of is not None else tables
    claims = known["claims"]
    submitted = pd.to_datetime(claims["submission_date"])
    start_ref, end_ref = _reference_period(scorer, submitted)
    end_ref = min(end_ref, first - pd.Timedelta(days=1))
    ref = claims[(submitted >= start_ref) & (submitted <= end_ref)]
    recent = claims[submitted >= first]
    if ref.empty:
        raise ValueError(f"no claims submitted in the model's training period before since ({first.date()})")
    if recent.empty:
        raise ValueError(f"no claims submitted between since ({first.date()}) and {end.date()}")
    ref = ref.sample(min(len(ref), MAX_REFERENCE), random_state=seed)

    lines = known["claim_lines"]
    X_ref = scorer.builder.transform(ref, lines[lines["claim_id"].isin(ref["claim_id"])])
    X_new = scorer.builder.transform(recent, lines[lines["claim_id"].isin(recent["claim_id"])])
    gain = scorer.denial_model.feature_importance(importance_type="gain")
    names = drift.top_features(dict(zip(scorer.denial_model.feature_name(), gain, strict=True)), n_features)
    features = drift.feature_stability(X_ref, X_new, names)

    decided = label_outcomes(known)
    scored = scorer.predict_features(X_new).assign(claim_id=recent["claim_id"].to_numpy())
    recent_decided = decided.merge(scored, on="claim_id", how="inner")
    payer_category = drift.expected_vs_observed(recent_decided, recent_decided)
    calibration = drift.calibration_drift(
        drift.calibration_summary(recent_decided["denied"].to_numpy(), recent_decided["denial_risk"].to_numpy()),
        reference_ece,
    )
    obs = rule_changes.cell_observations(decided, lines)
    rules = rule_changes.detect_rule_changes(obs, first, end, watch)
    return DriftReport(
        since=first,
        as_of=end,
        model_version=scorer.version,
        reference_period=(str(start_ref.date()), str(end_ref.date())),
        counts={
            "reference_claims_sampled": int(len(ref)),
            "recent_claims": int(len(recent)),
            "recent_adjudicated": int(len(recent_decided)),
        },
        features=features,
        payer_category=payer_category,
        calibration=calibration,
        rules=rules,
    )


def _last_day(tables: dict[str, pd.DataFrame]) -> pd.Timestamp:
    return pd.to_datetime(tables["remittances"]["adjudication_date"]).max().normalize()


def _reference_period(scorer: Scorer, submitted: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The bundle's training period (train start to validation end); all history when the bundle has none."""
    period = scorer.metadata.get("training_period")
    if period:
        return pd.Timestamp(period[0]), pd.Timestamp(period[1])
    return submitted.min(), submitted.max()


def report_to_json(report: DriftReport) -> dict:
    """JSON-ready form of the report (dates as ISO strings, NaN as null)."""
    rules = report.rules
    return _clean(
        {
            "since": str(report.since.date()),
            "as_of": str(report.as_of.date()),
            "model_version": report.model_version,
            "reference_period": list(report.reference_period),
            "counts": report.counts,
            "feature_stability": report.features.to_dict("records"),
            "payer_category": report.payer_category.to_dict("records"),
            "calibration": report.calibration,
            "rule_changes": {
                "threshold": rules.threshold,
                "start_points": rules.start_points,
                "alpha": rules.config.alpha,
                "odds_ratio": rules.config.odds_ratio,
                "flags": rules.flags.to_dict("records"),
                "explained": rules.explained.to_dict("records"),
            },
        }
    )


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def format_drift_report(report: DriftReport, top_cells: int = 8) -> str:
    """The report as text tables: feature stability, payer x category, calibration, rule changes."""
    c = report.counts
    out = [
        f"drift of model {report.model_version}: claims submitted {report.since.date()} .. {report.as_of.date()}"
        f" ({c['recent_claims']:,}; {c['recent_adjudicated']:,} decided) against its training period"
        f" {report.reference_period[0]} .. {report.reference_period[1]} ({c['reference_claims_sampled']:,} sampled)",
        "",
        "Population stability of the top features (PSI; >= 0.10 moderate, >= 0.25 major)",
        f"  {'feature':<34}{'PSI':>8}  level",
    ]
    out += [f"  {r.feature:<34}{r.psi:>8.3f}  {r.level}" for r in report.features.itertuples()]
    pc = report.payer_category
    out += [
        "",
        f"Denials by payer x category against the model's expectation ({int(pc['flag'].sum())} of {len(pc)} cells"
        " beyond the Bonferroni bound; largest |z| first)",
        f"  {'payer':<7}{'category':<21}{'claims':>8}{'observed':>10}{'expected':>10}{'obs/exp':>9}{'z':>8}  flag",
    ]
    for r in pc.head(top_cells).itertuples():
        out.append(
            f"  {r.payer_id:<7}{r.category:<21}{r.claims:>8,}{r.observed_rate:>10.2%}{r.expected_rate:>10.2%}"
            f"{r.ratio:>9.2f}{r.z:>8.1f}  {'*' if r.flag else ''}"
        )
    cal = report.calibration
    ref = "n/a" if cal["reference_ece"] is None else f"{cal['reference_ece']:.4f}"
    out += [
        "",
        f"Calibration on {cal['claims']:,} recent decided claims: ECE {cal['ece']:.4f} (test period {ref});"
        f" predicted {cal['mean_predicted']:.2%} vs observed {cal['observed_rate']:.2%};"
        f" slope {cal['slope']:.2f}, intercept {cal['intercept']:.2f}",
    ]
    rules = report.rules
    out += [
        "",
        f"Payer rule changes (payer x procedure cells whose denial rate jumped; CUSUM for odds x"
        f"{rules.config.odds_ratio:g}, threshold {rules.threshold:.1f} over {rules.start_points:,} cell-days,"
        f" family-wise false-flag rate <= {rules.config.alpha:g})",
    ]
    if rules.flags.empty:
        out.append("  none flagged")
    else:
        out.append(
            f"  {'payer':<7}{'code':<7}{'first alarm':<13}{'change from':<13}{'before':>8}{'after':>8}"
            f"{'jump (90% interval)':>24}{'P(rose)':>9}{'claims':>8}  main category"
        )
        for r in rules.flags.itertuples():
            out.append(
                f"  {r.payer_id:<7}{r.procedure_code:<7}{str(r.first_alarm.date()):<13}"
                f"{str(r.change_start.date()):<13}{r.history_rate:>8.1%}{r.rate_after:>8.1%}"
                f"{f'+{r.jump:.1%} ({r.jump_low:+.1%}, {r.jump_high:+.1%})':>24}{r.p_rate_rose:>9.3f}"
                f"{r.claims_after:>8,}  {r.main_category} ({r.main_category_share:.0%})"
            )
    for r in rules.explained.itertuples():
        out.append(f"  ({r.payer_id} {r.procedure_code} also rose, explained by claims billed with {r.explained_by})")
    return "\n".join(out)
