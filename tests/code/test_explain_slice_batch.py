"""The slice evidence of a batch in one pass (`slice_evidence_by_claim`) is, claim by claim, what each claim gets
alone, so batch explanations are those built from each claim's own evidence; a batch looks it up only for the
claims whose reported factors read it."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np

from denial_ml.explain import context as context_module
from denial_ml.explain import explainer as explainer_module
from denial_ml.explain.checks import Finding
from denial_ml.explain.context import claim_views, fill_slice_evidence, fill_worst_procedures, views_from_records
from denial_ml.explain.explainer import Explainer
from denial_ml.explain.sentences import USES_SLICE_EVIDENCE, USES_WORST_PROCEDURE
from denial_ml.features.slice_evidence import BatchEvidence, slice_evidence, slice_evidence_by_claim
from denial_ml.features.slice_keys import SliceLines
from denial_ml.features.slices import SliceLookups, SliceRate


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
    monkeypatch.setattr(explainer_module, "attach_slice_evidence", lambda *args: None)  # not the feature pass's either
    per_claim = explainer.explain(claims, lines)
    slice_factors = {"payer_procedure_slices", "patient_service_history", "modifiers"}
    assert sum(f["factor"] in slice_factors for e in batched for f in e["factors"]) > 20  # the evidence is used
    assert batched == per_claim


def test_feature_pass_evidence_is_each_claims_own(small_world, trained):
    """The slice history the features were built with (`transform_records_with_slices`) is, claim by claim, the
    evidence each claim's own lookup gives, also when the lines come in another order than their claims."""
    _, scorer = trained
    claims, lines = _recent(small_world, 300)
    views = claim_views(claims, lines, scorer.builder.transform_array(claims, lines), scorer.builder)
    line_records = [ln for v in views for ln in v.lines][::-1]  # each claim's lines reversed, claims interleaved
    X, found = scorer.builder.transform_records_with_slices([v.claim for v in views], line_records)
    np.testing.assert_array_equal(X, scorer.builder.transform_records([v.claim for v in views], line_records))
    batch = BatchEvidence(found, len(views))
    assert sum(len(batch.of_claim(i)[0]) for i in range(len(views))) > 300
    for i, view in enumerate(views):
        evidence, counts = batch.of_claim(i)
        own = [ln for ln in line_records if ln["claim_id"] == view.claim["claim_id"]]
        alone, alone_counts = slice_evidence(scorer.builder, [view.claim], own)
        assert evidence == alone
        assert counts.keys() == alone_counts.keys()
        for name, values in counts.items():
            np.testing.assert_array_equal(values, alone_counts[name])


def test_one_claims_explanation_reuses_its_feature_pass(small_world, trained, monkeypatch):
    """The service's path (`explain_records`, one claim a call) explains with the slice history of its feature
    pass, not a second lookup, and says what the claim's own lookup would."""
    _, scorer = trained
    claims, lines = _recent(small_world, 60)
    views = claim_views(claims, lines, scorer.builder.transform_array(claims, lines), scorer.builder)
    explainer = Explainer(scorer)

    def no_second_lookup(*args, **kwargs):
        raise AssertionError("slice evidence looked up again")

    monkeypatch.setattr(context_module, "slice_evidence", no_second_lookup)
    reused = [explainer.explain_records([v.claim], v.lines)[0] for v in views]
    slice_factors = {"payer_procedure_slices", "patient_service_history", "modifiers"}
    assert sum(f["factor"] in slice_factors for e in reused for f in e["factors"]) > 3  # the evidence is used
    monkeypatch.undo()
    monkeypatch.setattr(explainer_module, "attach_slice_evidence", lambda *args: None)  # each view looks its own up
    assert [explainer.explain_records([v.claim], v.lines)[0] for v in views] == reused


def test_one_views_worst_procedure_is_the_batch_passs(small_world, trained):
    """A view alone (the service's one-claim path: its own Python lookups) gets the worst procedure a batch pass
    gives it, bit for bit, including claims without lines and with codes the payer never saw."""
    _, scorer = trained
    claims, lines = _recent(small_world, 300)
    X = scorer.builder.transform_array(claims, lines)
    batch, alone = (claim_views(claims, lines, X, scorer.builder) for _ in range(2))
    alone[0].lines, batch[0].lines = [], []
    alone[1].lines = batch[1].lines = [{**line, "procedure_code": "Z9999"} for line in batch[1].lines]
    fill_worst_procedures(batch)
    for a, b in zip(alone, batch, strict=True):
        fill_worst_procedures([a])
        assert a.cache["worst"] == b.cache["worst"] or str(a.cache["worst"]) == str(b.cache["worst"])
    assert any(v.cache["worst"][1] != v.cache["worst"][1] for v in alone)  # a NaN recent rate was ranked


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
    monkeypatch.setattr(
        explainer_module, "views_from_records", lambda *a: during.append(gc.isenabled()) or views_from_records(*a)
    )
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


def _lookups(rates: dict[str, list[tuple]], claim: list[int]) -> SliceLookups:
    """Slice lookups of lines of `claim` (each line's claim position) with, per kind, (line, value, rate, parent,
    n) rows."""
    c = np.array(claim)
    code = np.array([f"9711{i}" for i in range(len(claim))], dtype=object)
    lines = SliceLines(c, *([code] * 11))
    out = {}
    for kind, rows in rates.items():
        line, value, rate, parent, n = (np.array(col) for col in zip(*rows, strict=True))
        key = np.array([f"{kind}|COM01|{code[i]}|{v}" for i, v in zip(line, value, strict=True)], dtype=object)
        out[kind] = SliceRate(line, key, rate.astype(float), parent.astype(float), n.astype(float), n / 2.0)
    return SliceLookups(lines, out, {"pat_proc_year_n": np.arange(len(claim), dtype=float)})


def test_batch_top_slice_is_the_first_largest_lift_as_max_finds_it():
    """`BatchEvidence.top` finds for every claim at once what `max` over the claim's own evidence finds: the first
    of equal lifts, nothing without history, and `max`'s own answer when a lift is NaN."""
    found = _lookups(
        {
            "pos": [(0, "11", 0.5, 0.1, 4), (1, "22", 0.3, 0.1, 4), (2, "11", np.nan, 0.1, 4), (3, "02", 0.9, 0.1, 0)],
            "age": [(0, "age6-17", 0.5, 0.1, 4), (1, "age?", 0.5, 0.1, 2), (2, "age<6", 0.7, 0.1, 3)],
            "mods": [(0, "none", 0.9, 0.1, 5), (3, "59", 0.2, 0.1, 1)],
        },
        claim=[0, 0, 1, 2],  # claim 0 has two lines; claim 3 has none
    )
    batch = BatchEvidence(found, 4)
    for i in range(4):
        evidence = batch.of_claim(i)[0]
        for kinds in (("pos", "age"), ("mods",), ("sex",)):
            candidates = [e for e in evidence if e.kind in kinds and e.n > 0]
            expected = max(candidates, key=lambda e: e.rate - e.parent, default=None)
            assert repr(batch.top(i, kinds)) == repr(expected)  # repr: NaN equals itself
    assert batch.top(0, ("pos", "age")).value == "11"  # a tie: the first in the claim's order
    assert batch.top(2, ("pos", "age")) is None  # line 3's only slice has no history
    assert batch.find(0, "mods", "97111", "none") is None and batch.find(0, "mods", "97110", "none").n == 5
    np.testing.assert_array_equal(batch.of_claim(0)[1]["pat_proc_year_n"], [0.0, 1.0])
