"""Explain claims: risk, the factors behind it (SHAP in log-odds, grouped), sentences, fixes and check findings.

TreeSHAP values come from LightGBM's own `pred_contrib` (identical to `shap.TreeExplainer` on LightGBM and
computed without converting the model), or for batches from the same values tabulated per tree
(`denial_ml.explain.treeshap`). The base value plus every factor's contribution equals the raw score.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain.check_screen import screen_checks
from denial_ml.explain.checks import CHECKS, check_authorization, run_checks
from denial_ml.explain.context import (
    ClaimView,
    attach_slice_evidence,
    claim_views,
    fill_learnt_auth_shares,
    fill_slice_evidence,
    fill_worst_procedures,
    frame_records,
    views_from_records,
)
from denial_ml.explain.factors import (
    FACTORS,
    factor_categories,
    grouping_matrix,
    procedure_rates,
    top_factors,
)
from denial_ml.explain.one_claim import explain_one
from denial_ml.explain.sentences import USES_SLICE_EVIDENCE, USES_WORST_PROCEDURE, describe
from denial_ml.explain.treeshap import TabulatedShap
from denial_ml.features.slice_evidence import BatchEvidence
from denial_ml.modeling.bundle import Scorer, prediction_threads
from denial_ml.modeling.single_row import CONTRIB, NORMAL, SingleRowPredictor


@dataclass
class Contributions:
    """SHAP contributions of a batch, grouped into factors (all in log-odds)."""

    base: np.ndarray  # (n,)
    factors: np.ndarray  # (n, n_factors)
    raw: np.ndarray  # (n,) = base + factors.sum(axis=1)
    features: np.ndarray  # (n, n_features), ungrouped


TABULATE_FROM = 100  # rows: below this LightGBM's recursion costs less than a pass over the tabulated trees


def factor_contributions(
    booster: lgb.Booster, X: np.ndarray | pd.DataFrame, G: np.ndarray, tabulated: TabulatedShap | None = None
) -> Contributions:
    """TreeSHAP feature contributions of the denial model summed into factors (`G` from `grouping_matrix`).

    With `tabulated` (the same model's `TabulatedShap`), batches of `TABULATE_FROM` rows or more are computed from
    its tables: the same values as `pred_contrib`, for a fraction of its CPU time.
    """
    if tabulated is not None and len(X) >= TABULATE_FROM and isinstance(X, np.ndarray):
        C = tabulated.contributions(X)
    else:
        # TreeSHAP costs ~0.2 ms a row, so a second thread pays off from a few hundred rows (plain scoring: thousands).
        C = np.asarray(booster.predict(X, pred_contrib=True, num_threads=1 if len(X) < 200 else 0))
    return grouped_contributions(C, G)


def grouped_contributions(C: np.ndarray, G: np.ndarray) -> Contributions:
    """`Contributions` of TreeSHAP values `C` (n, n_features + 1: the base value last) grouped by `G`."""
    per_feature = C[:, :-1]
    return Contributions(base=C[:, -1], factors=per_feature @ G, raw=C.sum(axis=1), features=per_feature)


PAUSE_GC_FROM = 1000  # claims
OVERLAP_FROM = 2000  # claims: a batch this large predicts its categories on a second thread (`explain_views`)


@contextmanager
def _collection_paused(n_claims: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large batch is explained.

    A batch builds a few hundred thousand small objects (views, slice evidence, dicts) and no reference cycles;
    each allocation burst triggers collections that rescan every live object of the process (a loaded world's
    included), a tenth of a 10,000-claim batch's CPU time. Reference counting still frees everything at once;
    the collector's previous state is restored. Small batches (the service's requests) leave it alone.
    """
    if n_claims < PAUSE_GC_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class Explainer:
    """Explains claims with a loaded model bundle.

    Args:
        scorer: The loaded bundle.
        top_k: Number of factors reported per claim (those that raise the risk most).
    """

    scorer: Scorer
    top_k: int = 3
    grouping_: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.grouping_ = grouping_matrix(self.scorer.builder.feature_names_)

    @cached_property
    def single_row_(self) -> tuple[SingleRowPredictor, SingleRowPredictor]:
        """The denial model's TreeSHAP and the category model's probabilities of one row (the service's one-claim
        requests: `Booster.predict`'s own values without its per-call set-up)."""
        return SingleRowPredictor(self.scorer.denial_model, CONTRIB), SingleRowPredictor(
            self.scorer.category_model, NORMAL
        )

    @cached_property
    def tabulated_(self) -> TabulatedShap | None:
        """The denial model's TreeSHAP tables, built on the first batch that uses them (~0.2 s for 358 trees)."""
        return TabulatedShap.from_booster(self.scorer.denial_model)

    def explain(self, claims: pd.DataFrame, lines: pd.DataFrame) -> list[dict]:
        """One explanation per claim, in the order of `claims` (see `explain_features` for the fields)."""
        claims = claims.reset_index(drop=True)
        builder = self.scorer.builder
        X, found = builder.transform_array_with_slices(claims, lines)
        line_records = frame_records(lines)
        with _collection_paused(len(claims)):
            views = views_from_records(frame_records(claims), line_records, X, builder)
            attach_slice_evidence(views, line_records, BatchEvidence(found, len(views)))  # no second history lookup
            return self.explain_views(views, X)

    def explain_features(self, claims: pd.DataFrame, lines: pd.DataFrame, X: np.ndarray) -> list[dict]:
        """Explanations for claims whose feature matrix is already built.

        Returns:
            Dicts with claim_id, denial_risk (calibrated), likely_category, category_probabilities, base_value,
            raw_score, factors (top factors: factor, label, category, contribution, sentence, fix), findings
            (check results: code, severity, field, message, fix, category) and model_version.
        """
        with _collection_paused(len(claims)):
            return self.explain_views(claim_views(claims, lines, X, self.scorer.builder), X)

    def explain_records(self, claims: Sequence[dict], lines: Sequence[dict]) -> list[dict]:
        """`explain` for claims and lines given as dicts keyed by the data model's columns (None when missing):
        the service's path, which builds no DataFrame."""
        builder = self.scorer.builder
        X, found = builder.transform_records_with_slices(claims, lines)
        with _collection_paused(len(claims)):
            views = views_from_records(claims, lines, X, builder)
            attach_slice_evidence(views, lines, BatchEvidence(found, len(views)))  # no second history lookup
            return self.explain_views(views, X)

    def explain_views(self, views: list[ClaimView], X: np.ndarray) -> list[dict]:
        """The explanations of claims already viewed (`claim_views`) with their feature rows `X`: the assembly every
        entry point shares (`explain`, `explain_records`, the service's few-claim path)."""
        if len(X) == 1:  # the service's one-claim requests: LightGBM's single-row predictors, plain Python
            return [explain_one(self, views[0], X)]
        else:
            tabulated = self.tabulated_ if len(X) >= TABULATE_FROM else None
            overlap = len(X) >= OVERLAP_FROM
            with ThreadPoolExecutor(1, thread_name_prefix="category") if overlap else nullcontext() as pool:
                # A large batch's category model runs on the other core while this one does the rest: LightGBM's
                # prediction is one call that releases the GIL (one thread: the two cores are both busy). Same values.
                categorized = pool.submit(self._categorize, X, 1) if pool else None
                contrib = factor_contributions(self.scorer.denial_model, X, self.grouping_, tabulated)
                top = top_factors(contrib.factors, self.top_k)
                # Only factors that raise the risk are reasons; `top` is sorted, so they come first in each row.
                reported = np.take_along_axis(contrib.factors, top, axis=1) > 0
                screened = [CHECKS] * len(views)
                if len(views) > 1:
                    self._prefetch(views, top, reported)
                    screened = screen_checks(views, X, self.scorer.builder)  # most claims: no check can fire
                    # The claims whose checks decide their authorization state (any other has no code the practice
                    # could have learnt needs one: a sentence that asks finds no share without a query).
                    fill_learnt_auth_shares(
                        [v for v, kept in zip(views, screened, strict=True) if check_authorization in kept]
                    )
                # Checks read no model output, so they run before the category model is needed.
                findings = [
                    [f.to_dict() for f in run_checks(view, kept)] for view, kept in zip(views, screened, strict=True)
                ]
                cat_probs = categorized.result() if categorized else self._categorize(X, prediction_threads(len(X)))
        risk = self.scorer.calibrator.apply(1.0 / (1.0 + np.exp(-contrib.raw)))
        likely = np.array(CATEGORIES, dtype=object)[cat_probs.argmax(axis=1)]
        rates = procedure_rates(X, self.scorer.builder.feature_names_)
        version = self.scorer.version
        # Whole columns to Python at once (one `tolist` instead of a `float()` per value).
        risk_l, base_l, raw_l, probs_l = risk.tolist(), contrib.base.tolist(), contrib.raw.tolist(), cat_probs.tolist()
        likely_l, factors_l = likely.tolist(), contrib.factors.tolist()
        categories_l = factor_categories(likely, rates).tolist()
        rows = zip(top.tolist(), reported.tolist(), strict=True)
        reasons = [[j for j, up in zip(row, ups, strict=True) if up] for row, ups in rows]
        out = []
        for i, view in enumerate(views):
            view.cache["likely_category"] = likely_l[i]
            out.append(
                {
                    "claim_id": view.claim["claim_id"],
                    "denial_risk": risk_l[i],
                    "likely_category": likely_l[i],
                    "category_probabilities": dict(zip(CATEGORIES, probs_l[i], strict=True)),
                    "base_value": base_l[i],
                    "raw_score": raw_l[i],
                    "factors": self._factors(view, factors_l[i], categories_l[i], reasons[i]),
                    "findings": findings[i],
                    "model_version": version,
                }
            )
        return out

    def _categorize(self, X: np.ndarray, threads: int) -> np.ndarray:
        """The category model's probabilities (n_claims x categories)."""
        return np.asarray(self.scorer.category_model.predict(X, num_threads=threads))

    @staticmethod
    def _prefetch(views: list[ClaimView], top: np.ndarray, reported: np.ndarray) -> None:
        """Look up, in one pass each, the worst procedure and the slice evidence of the claims whose reported
        factors' sentences read them (the rest never do: slice evidence costs more than TreeSHAP for a batch)."""
        names = np.array([f.name for f in FACTORS], dtype=object)[top]
        for uses, fill in ((USES_WORST_PROCEDURE, fill_worst_procedures), (USES_SLICE_EVIDENCE, fill_slice_evidence)):
            needed = (np.isin(names, list(uses)) & reported).any(axis=1)
            fill([views[i] for i in np.flatnonzero(needed).tolist()])

    @staticmethod
    def _factors(view: ClaimView, contrib: list[float], categories: list[str], top: list[int]) -> list[dict]:
        """The reported factors (`top`: those that raise the risk, largest first) with their sentences."""
        out = []
        for j in top:
            factor = FACTORS[j]
            sentence, fix = describe(factor.name, view)
            out.append(
                {
                    "factor": factor.name,
                    "label": factor.label,
                    "category": categories[j],
                    "contribution": contrib[j],
                    "sentence": sentence,
                    "fix": fix,
                }
            )
        return out
