"""The slice evidence of a batch in one pass (`slice_evidence_by_claim`) is, claim by claim, what each claim gets
alone, so batch explanations are those built from each claim's own evidence; a batch looks it up only for the
claims whose reported factors read it."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np

from denial_ml.explain import explainer as explainer_module
from denial_ml.explain.checks import Finding
from denial_ml.explain.context import claim_views, fill_slice_evidence, fill_worst_procedures
from denial_ml.explain.explainer import Explainer
from denial_ml.explain.sentences import USES_SLICE_EVIDENCE, USES_WORST_PROCEDURE
from denial_ml.features.slice_evidence import slice_evidence, slice_evidence_by_claim


def _recent(small_world: dict, n: int):
    claims = small_world["claims"].sort_values(["submission_date", "claim_id"]).tail(n).reset_index(drop=True)
    lines = small_world["claim_lines"]
    return claims, lines[lines["claim_id"].isin(claims["claim_id"])]


def test_batch_evidence_is_each_claims_own(small_world, trained):
    _, scorer = trained
    claims, lines = _recent(small_world, 400)
    views = claim_views(claims, lines, scorer.builder.transform_array(claims, lines), scorer.builder)
    batch = slice_evidence_by_claim(scorer.builder, [v.claim for v in views], [ln for v in views for ln in v.lines])
    assert len(batch) == 400 and sum(len(evidence) for evidence, _ in batch) > 400
    for view, (evidence, counts) in zip(views, batch, strict=True):
        alone, alone_counts = slice_evidence(scorer.builder, [view.claim], view.lines)
        assert evidence == alone
        assert counts.keys() == alone_counts.keys()
        for name, values in counts.items():
            np.testing.assert_array_equal(values, alone_counts[name])


def test_batch_explanations_are_those_of_per_claim_evidence(small_world, trained, monkeypatch):
    _, scorer = trained
    claims, lines = _recent(small_world, 300)
    explainer = Explainer(scorer)
    batched = explainer.explain(claims, lines)
    monkeypatch.setattr(explainer_module, "fill_slice_evidence", lambda views: None)  # each view computes its own
    per_claim = explainer.explain(claims, lines)
    slice_factors = {"payer_procedure_slices", "patient_service_history", "modifiers"}
    assert sum(f["factor"] in slice_factors for e in batched for f in e["factors"]) > 20  # the evidence is used
    assert batched == per_claim


def test_batch_looks_up_evidence_only_for_claims_whose_reported_factors_read_it(small_world, trained, monkeypatch):
    _, scorer = trained
    claims, lines = _recent(small_world, 300)
    looked_up: dict[str, set[str]] = {}

    def recording(name, original):
        def fill(views):
            looked_up[name] = {v.claim["claim_id"] for v in views}
            original(views)

        return fill

    monkeypatch.setattr(explainer_module, "fill_slice_evidence", recording("slices", fill_slice_evidence))
    monkeypatch.setattr(explainer_module, "fill_worst_procedures", recording("worst", fill_worst_procedures))
    explained = Explainer(scorer).explain(claims, lines)
    for name, uses in (("slices", USES_SLICE_EVIDENCE), ("worst", USES_WORST_PROCEDURE)):
        readers = {e["claim_id"] for e in explained if any(f["factor"] in uses for f in e["factors"])}
        assert looked_up[name] == readers
        assert 0 < len(readers) < 300  # some claims read it and some never do


def test_a_large_batch_pauses_the_collector_and_restores_it(small_world, trained, monkeypatch):
    _, scorer = trained
    claims, lines = _recent(small_world, 50)
    during: list[bool] = []
    monkeypatch.setattr(explainer_module, "claim_views", lambda *a: during.append(gc.isenabled()) or claim_views(*a))
    explainer = Explainer(scorer)
    explainer.explain(claims, lines)
    monkeypatch.setattr(explainer_module, "PAUSE_GC_FROM", 50)
    explainer.explain(claims, lines)
    assert during == [True, False] and gc.isenabled()
    gc.disable()  # a caller that paused it itself keeps it paused
    try:
        explainer.explain(claims, lines)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_finding_as_a_dict_is_its_fields_in_order():
    finding = Finding("CODE", "error", "lines[0].units", "message", "fix", "coding")
    assert finding.to_dict() == dataclasses.asdict(finding)
    assert list(finding.to_dict()) == ["code", "severity", "field", "message", "fix", "category"]
