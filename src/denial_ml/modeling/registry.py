"""MLflow registry side effects: model references to bundle folders, the `champion` alias, promotion records.

A model reference is one of: a bundle folder; an MLflow run id (its `bundle/` artifact); a registered version
of `settings.registry_model_name` ("3", "v3" or "models:/denial-risk/3"); or an alias ("champion",
"models:/denial-risk@champion"). Registry bundles are downloaded once into `settings.models_dir/registry/`
and verified against their checksums before use.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from denial_ml.config import Settings
from denial_ml.modeling.bundle import METADATA, BundleError, verify_bundle

CHAMPION = "champion"
BUNDLE_ARTIFACT = "bundle"
_VERSION = re.compile(r"^v?(\d+)$")
_MODELS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w-]+))$")


class RegistryError(ValueError):
    """A model reference names nothing, or the registry cannot do what was asked; the message says which."""


@dataclass
class ResolvedModel:
    """Where a model reference points: its bundle folder and, for registry models, its run and version."""

    reference: str
    bundle: Path
    run_id: str | None = None
    version: str | None = None

    @property
    def label(self) -> str:
        """Short name for tables: version and run, or the folder."""
        if self.version:
            return f"v{self.version} (run {self.run_id[:8] if self.run_id else '?'})"
        return f"run {self.run_id[:8]}" if self.run_id else str(self.bundle)


def mlflow_client(settings: Settings):
    """An MLflow client on the project's tracking store (which is also its model registry).

    Only the client holds the URIs: `mlflow.set_tracking_uri` / `set_registry_uri` would also export
    MLFLOW_*_URI variables that later runs and child processes (notebook kernels) silently inherit.
    """
    from mlflow import MlflowClient

    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def resolve_model(reference: str, settings: Settings) -> ResolvedModel:
    """Turn a model reference into a verified local bundle folder (downloading registry bundles once).

    Raises:
        RegistryError: when the reference names no bundle folder, run, version or alias.
        BundleError: when the bundle found is incomplete or altered.
    """
    path = Path(reference)
    if path.is_dir():
        if not (path / METADATA).exists():
            raise RegistryError(f"folder {reference!r} is not a model bundle (no {METADATA})")
        verify_bundle(path)
        return ResolvedModel(reference, path)
    run_id, version = _run_and_version(reference, settings)
    return ResolvedModel(reference, download_bundle(run_id, settings), run_id, version)


def resolve_champion_bundle(settings: Settings) -> Path:
    """The bundle folder of the current champion (for a service that reloads its model).

    Raises:
        RegistryError: when no version carries the `champion` alias.
    """
    return resolve_model(CHAMPION, settings).bundle


def champion_version(settings: Settings):
    """The registered version holding the `champion` alias, or None."""
    from mlflow.exceptions import MlflowException

    client = mlflow_client(settings)
    try:
        return client.get_model_version_by_alias(settings.registry_model_name, CHAMPION)
    except MlflowException:
        return None


def version_of_run(run_id: str, settings: Settings):
    """The registered version logged by a run.

    Raises:
        RegistryError: when the run registered no version of the model.
    """
    client = mlflow_client(settings)
    found = client.search_model_versions(f"name='{settings.registry_model_name}' and run_id='{run_id}'")
    if not found:
        raise RegistryError(f"run {run_id!r} has no registered version of model {settings.registry_model_name!r}")
    return max(found, key=lambda v: int(v.version))


def download_bundle(run_id: str, settings: Settings) -> Path:
    """The run's `bundle/` artifact as a local verified folder, cached under `models_dir/registry/<run>`."""
    target = Path(settings.models_dir) / "registry" / run_id / BUNDLE_ARTIFACT
    if (target / METADATA).exists():
        try:
            verify_bundle(target)
            return target
        except BundleError:
            shutil.rmtree(target)  # a damaged copy is fetched again
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=target.parent))
    try:
        with _quiet_progress():
            local = mlflow_client(settings).download_artifacts(run_id, BUNDLE_ARTIFACT, str(staging))
        verify_bundle(Path(local))
        Path(local).rename(target)
    except Exception as exc:
        if isinstance(exc, BundleError):  # say which run: the folder named is a download staging folder
            raise BundleError(f"registered run {run_id!r}: {exc}") from None
        raise RegistryError(f"run {run_id!r} has no readable {BUNDLE_ARTIFACT!r} artifact: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def register_bundle(bundle: Path, settings: Settings, experiment: str = "denial-risk") -> tuple[str, str]:
    """Log a bundle folder (e.g. one trained with `--no-mlflow`) as a run and register it as a new version.

    Returns:
        (run id, registered version).
    """
    from mlflow.entities import Metric

    verify_bundle(bundle)
    client = mlflow_client(settings)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run = client.create_run(experiment_id, tags={"bundle": str(bundle), "registered_from": "bundle folder"})
    metrics = bundle / "metrics.json"
    if metrics.exists():
        from denial_ml.modeling.tracking import flatten_metrics

        stamp = int(time.time() * 1000)
        flat = flatten_metrics(json.loads(metrics.read_text()))
        client.log_batch(run.info.run_id, metrics=[Metric(k, v, stamp, 0) for k, v in flat.items()])
    client.log_artifacts(run.info.run_id, str(bundle), artifact_path=BUNDLE_ARTIFACT)
    client.set_terminated(run.info.run_id)
    name = settings.registry_model_name
    if not client.search_registered_models(f"name='{name}'"):
        client.create_registered_model(name)
    version = client.create_model_version(
        name, source=f"runs:/{run.info.run_id}/{BUNDLE_ARTIFACT}", run_id=run.info.run_id
    )
    return run.info.run_id, str(version.version)


@contextmanager
def _quiet_progress():
    """No MLflow download progress bar on a user's terminal (read from the environment on each download)."""
    key = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def set_champion(version: str, settings: Settings) -> str | None:
    """Point the `champion` alias at `version`; return the version it pointed at before (None for the first)."""
    previous = champion_version(settings)
    mlflow_client(settings).set_registered_model_alias(settings.registry_model_name, CHAMPION, str(version))
    return None if previous is None else str(previous.version)


def record_promotion(
    run_id: str,
    version: str,
    decision: str,
    reason: str,
    previous: str | None,
    comparison: dict | None,
    settings: Settings,
) -> None:
    """Write a promotion decision to MLflow: tags on the challenger's run and version, the comparison as JSON.

    Args:
        decision: "promoted", "forced" or "refused".
        reason: Why (the decision rule's reasons, or the operator's reason for a forced promotion).
    """
    client = mlflow_client(settings)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    tags = {
        "promotion.decision": decision,
        "promotion.reason": reason[:5000],
        "promotion.at": stamp,
        "promotion.previous_champion": previous or "",
    }
    if decision == "forced":
        tags["promotion.forced_reason"] = reason[:5000]
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
        client.set_model_version_tag(settings.registry_model_name, str(version), key, value)
    if comparison is not None:
        client.log_text(run_id, json.dumps(comparison, indent=2), f"promotion/{stamp.replace(':', '')}.json")


def _run_and_version(reference: str, settings: Settings) -> tuple[str, str | None]:
    """(run id, registered version or None) of a registry reference."""
    from mlflow.exceptions import MlflowException

    client = mlflow_client(settings)
    name, version, alias = settings.registry_model_name, None, None
    uri = _MODELS_URI.match(reference)
    if uri:
        name, version, alias = uri["name"], uri["version"], uri["alias"]
    elif number := _VERSION.match(reference):
        version = number.group(1)
    elif re.fullmatch(r"[0-9a-f]{32}", reference) is None:
        alias = reference
    try:
        if alias is not None:
            found = client.get_model_version_by_alias(name, alias)
            return found.run_id, str(found.version)
        if version is not None:
            found = client.get_model_version(name, version)
            return found.run_id, str(found.version)
        client.get_run(reference)
    except MlflowException:
        what = f"alias {alias!r}" if alias else f"version {version}" if version else f"run {reference!r}"
        raise RegistryError(
            f"model reference {reference!r}: no {what} in the registry of {name!r} ({settings.tracking_uri})"
        ) from None
    found = client.search_model_versions(f"name='{name}' and run_id='{reference}'")
    return reference, (str(max(int(v.version) for v in found)) if found else None)
