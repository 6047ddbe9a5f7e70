"""`denial-ml triage train` and `denial-ml worklist build` end to end on a small generated world."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import triage, worklist
from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.store import WorklistStore
from denial_ml.store.queries import ItemFilter
from denial_ml.triage.bundle import load_bundle
from denial_ml.triage.explain import factor_contributions, grouping_matrix, recovery_factors
from denial_ml.triage.features import feature_matrix

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    write_tables(generate_world(13_000, seed=3), folder, validate=False)  # >= 1,000 worklist items
    return folder


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    worklist.register(app)
    triage.register(app)
    return app


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def trained_bundle(app, world_dir: Path, tmp_path_factory) -> Path:
    bundle = tmp_path_factory.mktemp("models") / "triage"
    result = run(app, "triage", "train", "--data", str(world_dir), "--out", str(bundle))
    assert result.exit_code == 0, result.output
    return bundle


def test_train_then_build_fills_the_worklist(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = trained_bundle
    metrics = json.loads((bundle / "metrics.json").read_text())
    test = metrics["test"]
    assert test["recovered_at_20pct"] > 0
    assert set(test["baselines"]) == {"truth", "billed_amount", "oldest_deadline_first"}
    assert test["baselines"]["truth"]["recovered_at_20pct"] == test["truth_recovered_at_20pct"]
    assert test["recovered_at_20pct"] <= test["truth_recovered_at_20pct"] + 1e-6

    db = f"sqlite:///{tmp_path / 'wl.db'}"
    result = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert result.exit_code == 0, result.output
    store = WorklistStore(db)
    page = store.list_items(offset=0, limit=1000, route="appeal")
    everything = store.list_items(offset=0, limit=1)
    store.close()
    assert f"{everything.total} new, 0 rescored" in result.output
    assert page.total > 0
    for item in page.items:
        assert item.days_left is None or item.days_left >= 0
        assert item.appeal_deadline is not None
        assert "log_expected_payment" in item.score_inputs
    _assert_factors_explain_the_scores(page.items, bundle)
    _assert_detail_is_the_worlds_claim(page.items[:50], world_dir)
    # Building again rescores the same claims instead of adding new ones.
    again = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert f"0 new, {everything.total} rescored" in again.output


def _assert_detail_is_the_worlds_claim(items: list, world_dir: Path) -> None:
    """Each item carries its claim as the world has it: charges, lines and the denying remittance's codes."""
    claims = pd.read_parquet(world_dir / "claims.parquet").set_index("claim_id")
    lines = pd.read_parquet(world_dir / "claim_lines.parquet")
    adjustments = pd.read_parquet(world_dir / "adjustments.parquet")
    for item in items:
        detail = item.claim_detail
        assert detail["claim"]["total_charge"] == pytest.approx(claims.at[item.claim_id, "total_charge"])
        mine = lines[lines["claim_id"] == item.claim_id]
        assert [line["line_number"] for line in detail["lines"]] == sorted(mine["line_number"].tolist())
        carcs = {a["carc"] for r in detail["remittances"] for a in r["adjustments"]}
        assert item.carc in carcs and carcs == set(adjustments[adjustments["claim_id"] == item.claim_id]["carc"])
        assert detail["appeal_cost"] > 0


def _assert_factors_explain_the_scores(items: list, bundle: Path) -> None:
    """Stored factors are the recovery model's largest TreeSHAP factors; with the base they add up to the score."""
    model = load_bundle(bundle)
    X = feature_matrix(pd.DataFrame([i.score_inputs for i in items]), model.feature_names, model.categories)
    factors = recovery_factors()
    contrib = factor_contributions(model.overturn, X, grouping_matrix(model.feature_names, factors))
    raw = model.overturn.predict(X, raw_score=True)
    np.testing.assert_allclose(contrib.base + contrib.factors.sum(axis=1), raw, atol=1e-6)
    np.testing.assert_allclose(model.calibration.apply(1 / (1 + np.exp(-raw))), [i.p_overturn for i in items])
    column = {f.name: j for j, f in enumerate(factors)}
    for n, item in enumerate(items):
        assert 1 <= len(item.factors) <= 4
        size = [abs(f["contribution"]) for f in item.factors]
        assert size == sorted(size, reverse=True) and size[0] == pytest.approx(np.abs(contrib.factors[n]).max())
        for f in item.factors:
            assert f["contribution"] == pytest.approx(contrib.factors[n, column[f["factor"]]], abs=1e-9)
            assert f["direction"] == ("raises" if f["contribution"] > 0 else "lowers") and f["sentence"]


def test_build_refuses_a_tampered_bundle(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(trained_bundle, tmp_path / "triage"))
    model_file = bundle / "overturn_model.txt"
    model_file.write_text(model_file.read_text() + "\n")
    db = f"sqlite:///{tmp_path / 'wl.db'}"
    result = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert result.exit_code == 2
    assert "checksum of overturn_model.txt does not match" in result.output
    store = WorklistStore(db)
    assert store.list_items(offset=0, limit=1).total == 0
    store.close()


def test_train_with_db_counts_recorded_outcomes(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(trained_bundle, tmp_path / "triage"))
    db = f"sqlite:///{tmp_path / 'wl.db'}"
    assert run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db).exit_code == 0
    store = WorklistStore(db)
    item = store.list_items(offset=0, limit=1, route="appeal").items[0]
    item = store.update_item(item.id, item.version, "tester", status="in_progress")
    item = store.update_item(item.id, item.version, "tester", status="appealed")
    store.record_outcome(item.claim_id, "overturned", 250.0, "tester")
    store.close()
    result = run(app, "triage", "train", "--data", str(world_dir), "--out", str(bundle), "--db", db)
    assert result.exit_code == 0, result.output
    assert "(+1 recorded outcomes)" in result.output
    assert json.loads((bundle / "metrics.json").read_text())["counts"]["feedback_rows"] == 1


# Facts a letter can state, found by their shape: amounts, ISO dates, group-CARC pairs, remarks, line codes.
AMOUNT = re.compile(r"\$[\d,]+\.\d{2}")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CARC = re.compile(r"\b(CO|OA|PI|PR|CR)-(\w+)\b")
REMARK = re.compile(r"\bremark (\w+)\b")
LINE = re.compile(r"^Line (\d+): ([^\s,]+)", re.M)


def test_appeal_packets_state_only_facts_on_file(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    """Draft a packet for every item of a built worklist and check each amount, date, code, identifier and name
    in its text against the world's own records of that claim: zero misses."""
    from denial_ml.appeals.render import docx_text
    from denial_ml.data.synthetic.contacts import payer_contacts
    from denial_ml.jobs.appeals import draft_packets, packet_for

    names = ("claims", "claim_lines", "remittances", "remittance_lines", "adjustments", "remarks", "payers")
    tables = {n: pd.read_parquet(world_dir / f"{n}.parquet") for n in names}
    contacts = payer_contacts(tables["payers"])
    contacts.to_parquet(world_dir / "payer_contacts.parquet")
    db = f"sqlite:///{tmp_path / 'packets.db'}"
    assert (
        run(app, "worklist", "build", "--data", str(world_dir), "--model", str(trained_bundle), "--db", db).exit_code
        == 0
    )
    store = WorklistStore(db)
    items = store.list_items(ItemFilter(view="all"), limit=1000).items
    items += store.list_items(ItemFilter(view="all"), offset=1000, limit=1000).items
    assert len(items) >= 1000
    today = dt.date(2026, 12, 7)
    source = _source_facts(tables, contacts)
    checked, letters, misses = 0, 0, []
    for item in items:
        packet = packet_for(item, today)
        if packet.kind != "letter":
            continue
        letters += 1
        text = packet.text()
        facts = source[item.claim_id]
        found = (
            [("amount", a) for a in AMOUNT.findall(text)]
            + [("date", d) for d in DATE.findall(text)]
            + [("carc", f"{g}-{c}") for g, c in CARC.findall(text)]
            + [("rarc", r) for r in REMARK.findall(text)]
            + [("line", f"{n} {c}") for n, c in LINE.findall(text)]
        )
        for kind, value in found:
            checked += 1
            if value not in facts[kind] and not (kind == "date" and value == today.isoformat()):
                misses.append((item.claim_id, kind, value))
        for kind, value in (("claim", item.claim_id), ("payer", item.payer_name)):
            checked += 1
            if value not in text or value not in facts[kind]:
                misses.append((item.claim_id, kind, value))
        for value in (packet.facts.get("payer_claim_id"), packet.facts.get("billing_provider_npi"),
                      packet.facts.get("prior_auth_number"), packet.facts.get("appeal_address"),
                      packet.facts.get("appeal_fax")):  # fmt: skip
            if value is not None:
                checked += 1
                if value not in facts["ids"]:
                    misses.append((item.claim_id, "id", value))
    assert letters >= 1000 and checked > 15 * letters  # about 20 facts a letter
    assert misses == []
    result = draft_packets(store, tmp_path / "packets", [items[0].id, items[1].id], today=today)
    store.close()
    assert docx_text(result.letters[0].read_bytes()).count(items[0].claim_id) >= 1


def _source_facts(tables: dict[str, pd.DataFrame], contacts: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """Per claim: every value of the world's records a letter may state, in the letter's format (the denied
    amount as the labels sum it from the remittance's denial adjustments)."""
    from denial_ml.labels import label_claims

    money = "${:,.2f}".format

    def day(value: object) -> str:
        return pd.Timestamp(value).strftime("%Y-%m-%d")

    facts: dict[str, dict[str, set[str]]] = {}
    payers = tables["payers"].set_index("payer_id")["payer_name"]
    contact = contacts.set_index("payer_id")
    for row in tables["claims"].itertuples(index=False):
        dates = {day(v) for v in (row.service_date_from, row.service_date_to, row.submission_date) if pd.notna(v)}
        if pd.notna(row.eligibility_check_date):
            dates.add(day(row.eligibility_check_date))
        ids = {
            row.billing_provider_npi,
            contact.at[row.payer_id, "appeal_address"],
            contact.at[row.payer_id, "appeal_fax"],
        }
        if pd.notna(row.prior_auth_number):
            ids.add(row.prior_auth_number)
        facts[row.claim_id] = {
            "amount": {money(row.total_charge)}, "date": dates, "carc": set(), "rarc": set(), "line": set(),
            "claim": {row.claim_id}, "payer": {payers[row.payer_id]}, "ids": ids,
        }  # fmt: skip
    for row in tables["claim_lines"].itertuples(index=False):
        f = facts[row.claim_id]
        f["amount"].add(money(row.line_charge))
        f["date"].add(day(row.service_date))
        code = row.procedure_code if pd.notna(row.procedure_code) and row.procedure_code else "revenue"
        f["line"].add(f"{row.line_number} {code}")
    for row in tables["remittances"].itertuples(index=False):
        facts[row.claim_id]["date"].add(day(row.adjudication_date))
        facts[row.claim_id]["ids"].add(str(row.payer_claim_id))
    for row in tables["adjustments"].itertuples(index=False):
        facts[row.claim_id]["amount"].add(money(abs(row.amount)))
        facts[row.claim_id]["carc"].add(f"{row.group_code}-{row.carc}")
    for row in tables["remarks"].itertuples(index=False):
        facts[row.claim_id]["rarc"].add(row.rarc)
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    for row in labels[labels["denied"]].itertuples(index=False):
        facts[row.claim_id]["amount"].add(money(row.denied_amount))
    return facts
