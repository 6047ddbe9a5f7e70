"""Onboarding a practice: its one-row-per-claim export (random outcomes) maps in a short mapping, trains, gets
the "not better than baselines" verdict, and `promote` refuses it, also as the first champion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from onboarding_export import write_export, write_line_export
from typer.testing import CliRunner

from denial_ml.cli import ingest as ingest_cli
from denial_ml.cli import model as model_cli
from denial_ml.cli import promote as promote_cli
from denial_ml.config import Settings, get_settings
from denial_ml.modeling.registry import champion_version, mlflow_client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.xdist_group("model")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    for module in (ingest_cli, model_cli, promote_cli):
        module.register(app)
    return app


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """A temporary MLflow store and models folder, pointed at by the DENIAL_ML_* variables."""
    root = tmp_path_factory.mktemp("onboarding-mlflow")
    settings = Settings(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", models_dir=root / "models")
    mlflow_client(settings).create_experiment("denial-risk", artifact_location=(root / "artifacts").as_uri())
    patch = pytest.MonkeyPatch()
    patch.setenv("DENIAL_ML_TRACKING_URI", settings.tracking_uri)
    patch.setenv("DENIAL_ML_MODELS_DIR", str(settings.models_dir))
    get_settings.cache_clear()
    yield settings
    patch.undo()
    get_settings.cache_clear()


def run(app, *args: str):
    return CliRunner().invoke(app, list(args))


def test_a_random_export_maps_trains_is_gated_out_and_is_never_champion(app, tracking, tmp_path) -> None:
    export = tmp_path / "claims.csv"
    write_export(export, n=3000, seed=1)
    mapping = EXAMPLES / "one_row_per_claim.yaml"
    assert len(mapping.read_text().splitlines()) <= 25

    data = tmp_path / "practice"
    ingested = run(app, "ingest-csv", str(export), "--mapping", str(mapping), "--out", str(data))
    assert ingested.exit_code == 0, ingested.output
    assert "claims 3000" in ingested.output and "payers 5" in ingested.output

    # train honours DENIAL_ML_MODELS_DIR (no --out) and logs to the tracking store
    trained = run(app, "train", "--data", str(data))
    assert trained.exit_code == 0, trained.output
    assert "95 % intervals" in trained.output and "ROC [" in trained.output
    assert "not better than payer_procedure_rate beyond the interval" in trained.output
    assert "bundle marked not for use" in trained.output
    bundle = tracking.models_dir / "denial-risk"
    metadata = json.loads((bundle / "metadata.json").read_text())
    assert metadata["for_use"] is False and metadata["gate"]["verdict"] == "not better than baselines"
    metrics = json.loads((bundle / "metrics.json").read_text())
    lo, hi = metrics["test"]["intervals"]["lightgbm"]["roc_auc"]
    assert lo < 0.5 < hi  # random outcomes: the interval holds chance

    run_id = re.search(r"MLflow run: (\w+)", trained.output).group(1)
    tags = mlflow_client(tracking).get_run(run_id).data.tags
    assert tags["gate.for_use"] == "false" and tags["gate.verdict"] == "not better than baselines"
    version = mlflow_client(tracking).get_model_version("denial-risk", "1")
    assert version.tags["gate.for_use"] == "false"

    refused = run(app, "promote", run_id, "--data", str(data))
    assert refused.exit_code == 1, refused.output
    assert "refused" in refused.output and "quality gate" in refused.output
    assert champion_version(tracking) is None  # not even the first champion
    assert mlflow_client(tracking).get_run(run_id).data.tags["promotion.decision"] == "refused"


def test_suggest_drafts_a_mapping_from_the_header(app, tmp_path) -> None:
    export = tmp_path / "claims.csv"
    write_export(export, n=200, seed=2)
    result = run(app, "ingest-csv", str(export), "--suggest")
    assert result.exit_code == 0, result.output
    for line in (
        "claim_id: Claim ID",
        "procedure_code: Procedure",
        "billing_provider_npi: Provider NPI",
        'service_date_from: "%m/%d/%Y"',
        '"Denied": "4"',
        '"Paid": "1"',
    ):
        assert line in result.output


def test_errors_name_the_row_the_column_and_the_form(app, tmp_path) -> None:
    export = tmp_path / "claims.csv"
    frame = write_export(export, n=200, seed=3)
    frame.loc[6, "Provider NPI"] = "12345"
    frame.to_csv(export, index=False)
    result = run(
        app,
        "ingest-csv",
        str(export),
        "--mapping",
        str(EXAMPLES / "one_row_per_claim.yaml"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 2
    assert "row 8" in result.output and "'Provider NPI'" in result.output and "10-digit NPI" in result.output


def test_train_names_a_missing_table_instead_of_a_key_error(app, tmp_path) -> None:
    export = tmp_path / "claims.csv"
    write_export(export, n=200, seed=4)
    data = tmp_path / "practice"
    assert (
        run(
            app, "ingest-csv", str(export), "--mapping", str(EXAMPLES / "one_row_per_claim.yaml"), "--out", str(data)
        ).exit_code
        == 0
    )
    (data / "remittances.parquet").unlink()
    (data / "payers.parquet").unlink()
    result = run(app, "train", "--data", str(data), "--out", str(tmp_path / "m"), "--no-mlflow")
    assert result.exit_code == 2 and "KeyError" not in result.output
    assert "no remittances table" in result.output


def test_a_one_row_per_line_export_maps_with_its_example(tmp_path) -> None:
    from denial_ml.ingest.csv_import import read_mapped_csv
    from denial_ml.labels import label_claims

    export = tmp_path / "lines.csv"
    raw = write_line_export(export, n_claims=150, seed=5)
    mapping = EXAMPLES / "one_row_per_line.yaml"
    assert len(mapping.read_text().splitlines()) <= 25
    tables = read_mapped_csv(export, mapping)
    assert len(tables["claims"]) == 150 and len(tables["claim_lines"]) == len(raw)
    decided = raw[raw["Claim Status"] != "Open"]
    assert len(tables["remittances"]) == decided["Claim No"].nunique()
    paid = decided.assign(p=decided["Line Paid"].astype(float)).groupby("Claim No")["p"].sum()
    remits = tables["remittances"].set_index("claim_id")["paid_amount"]
    assert (remits.sort_index() - paid.sort_index()).abs().max() < 1e-9
    charge = raw.assign(c=raw["Line Charge"].astype(float)).groupby("Claim No")["c"].sum()
    assert (
        tables["claims"].set_index("claim_id")["total_charge"].sort_index() - charge.sort_index()
    ).abs().max() < 1e-9
    assert tables["claims"]["diagnosis_codes"].eq("M5450 E119").all()
    assert set(tables["payers"]["payer_type"]) == {"medicare", "commercial", "self_pay"}
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    denied = set(raw.loc[raw["Claim Status"] == "Denied", "Claim No"])
    assert set(labels.loc[labels["denied"], "claim_id"]) == denied
    assert labels.loc[labels["denied"], "denial_category"].eq("authorization").all()
