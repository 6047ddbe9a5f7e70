"""Promotion steps for notebooks and scripts, over `registry` and `compare` (the rule of `denial-ml promote`).

`denial-ml promote RUN` is the command; these functions let a notebook walk through the same steps and see
each one: the registered versions, the champion (the first one when the registry has none), and the
comparison's decision applied to the `champion` alias and recorded in MLflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from denial_ml.config import Settings
from denial_ml.modeling.compare import Comparison, decide
from denial_ml.modeling.registry import (
    CHAMPION,
    RegistryError,
    ResolvedModel,
    champion_version,
    mlflow_client,
    record_promotion,
    set_champion,
    version_of_run,
)

FIRST_CHAMPION = "first champion: no version had the alias"  # the reason `denial-ml promote` records too
SHOWN_METRICS = ("test.roc_auc", "test.pr_auc", "test.ece", "test.truth_roc_auc")


@dataclass
class Promotion:
    """What happened to the `champion` alias: "promoted", "refused" or "unchanged" (already the champion)."""

    decision: str
    version: str
    previous: str | None
    reasons: str


def registered_versions(settings: Settings) -> pd.DataFrame:
    """Every registered version of `settings.registry_model_name`: run, aliases, creation time, test metrics.

    Returns:
        One row per version, oldest first (empty with the same columns when none is registered).
    """
    client = mlflow_client(settings)
    name = settings.registry_model_name
    found = client.search_model_versions(f"name='{name}'")
    # Version search results do not carry aliases; the registered model holds them (alias -> version).
    aliases = client.get_registered_model(name).aliases if found else {}
    rows = []
    for version in sorted(found, key=lambda v: int(v.version)):
        metrics = client.get_run(version.run_id).data.metrics if version.run_id else {}
        rows.append(
            {
                "version": str(version.version),
                "run_id": version.run_id,
                "aliases": ", ".join(sorted(a for a, v in aliases.items() if str(v) == str(version.version))),
                "created": pd.Timestamp(version.creation_timestamp, unit="ms"),
                **{name: metrics.get(name) for name in SHOWN_METRICS},
            }
        )
    return pd.DataFrame(rows, columns=["version", "run_id", "aliases", "created", *SHOWN_METRICS])


def latest_version(settings: Settings) -> str:
    """The newest registered version (what a retrain just logged).

    Raises:
        RegistryError: when no version is registered.
    """
    versions = registered_versions(settings)
    if versions.empty:
        raise RegistryError(
            f"no registered version of {settings.registry_model_name!r} in {settings.tracking_uri}: "
            "train and log a model first (notebook 02 or `denial-ml train`)"
        )
    return str(versions["version"].iloc[-1])


def ensure_champion(settings: Settings) -> str:
    """The champion's version; on a registry without one, the oldest version becomes it (and is recorded).

    Raises:
        RegistryError: when no version is registered.
    """
    current = champion_version(settings)
    if current is not None:
        return str(current.version)
    versions = registered_versions(settings)
    client = mlflow_client(settings)
    name = settings.registry_model_name
    # A version its quality gate marked not for use never becomes champion (tag written by log_training_run).
    usable = [v for v in versions["version"] if client.get_model_version(name, v).tags.get("gate.for_use") != "false"]
    if not usable:
        raise RegistryError(f"no registered version of {name!r} can become {CHAMPION!r} (none passed its gate)")
    first = versions[versions["version"] == usable[0]].iloc[0]
    set_champion(first["version"], settings)
    record_promotion(first["run_id"], first["version"], "promoted", FIRST_CHAMPION, None, None, settings)
    return str(first["version"])


def promotion_target(challenger: ResolvedModel, settings: Settings) -> tuple[str, str | None]:
    """The challenger's registered version and the current champion's version (None without a champion).

    Raises:
        RegistryError: when the challenger is a bundle folder (nothing to point the alias at).
    """
    if challenger.run_id is None:
        raise RegistryError(
            f"{challenger.reference!r} is a bundle folder; promotion needs a registered version "
            "(an MLflow run id or version number)"
        )
    version = challenger.version or str(version_of_run(challenger.run_id, settings).version)
    current = champion_version(settings)
    return version, None if current is None else str(current.version)


def gate_refusal(challenger: ResolvedModel) -> str | None:
    """Why the challenger's quality gate keeps it from being champion (its bundle's `for_use` is false), or None.

    Bundles written before the gate existed carry no verdict and are not refused for it.
    """
    metadata_file = challenger.bundle / "metadata.json"
    metadata = json.loads(metadata_file.read_text()) if metadata_file.exists() else {}
    if metadata.get("for_use", True):
        return None
    reason = (metadata.get("gate") or {}).get("reason", "marked not for use")
    return f"the challenger failed its quality gate ({reason})"


def refuse_gated(
    challenger: ResolvedModel, version: str, previous: str | None, reason: str, settings: Settings
) -> Promotion:
    """Record the refusal of a gated-out challenger in MLflow (the alias does not move)."""
    record_promotion(str(challenger.run_id), version, "refused", reason, previous, None, settings)
    return Promotion("refused", version, previous, reason)


def apply_rule(
    challenger: ResolvedModel,
    version: str,
    previous: str | None,
    comparison: Comparison | None,
    settings: Settings,
    force_reason: str | None = None,
) -> Promotion:
    """The promotion rule, the one place it is written: decide, move the `champion` alias, record in MLflow.

    `version` and `previous` come from `promotion_target(challenger, settings)`.

    Without a champion and without a comparison the version becomes the first champion. Otherwise
    `decide(comparison)` promotes or refuses; a refusal with `force_reason` becomes "forced" (the alias moves
    and the reason is recorded with the refusal's reasons). A refusal leaves the alias where it is.

    Raises:
        ValueError: when there is a champion but no comparison to decide on.
    """
    gated = gate_refusal(challenger)
    if gated:
        return refuse_gated(challenger, version, previous, gated, settings)
    if comparison is None:
        if previous is not None:
            raise ValueError(f"version {previous} is the champion: promoting needs a comparison with it")
        decision, reasons = "promoted", FIRST_CHAMPION
    else:
        verdict = decide(comparison)
        reasons = "; ".join(verdict.reasons)
        decision = "promoted" if verdict.promote else "forced" if force_reason else "refused"
        if decision == "forced":
            reasons = f"{force_reason} (forced over: {reasons})"
    if decision != "refused":
        set_champion(version, settings)
    body = None if comparison is None else comparison.to_json()
    record_promotion(str(challenger.run_id), version, decision, reasons, previous, body, settings)
    return Promotion(decision, version, previous, reasons)


def apply_decision(challenger: ResolvedModel, comparison: Comparison, settings: Settings) -> Promotion:
    """Move the `champion` alias to the challenger unless `decide(comparison)` refuses; record either in MLflow.

    Args:
        challenger: The compared challenger, a registered version (not a bundle folder).
        comparison: Champion against challenger (`compare_scores` / `cli.promote.compare_models`).
        settings: The tracking store and model name.

    Raises:
        RegistryError: when the challenger is a bundle folder (nothing to point the alias at).
    """
    version, previous = promotion_target(challenger, settings)
    if previous == version:
        return Promotion("unchanged", version, previous, f"version {version} is already the champion")
    return apply_rule(challenger, version, previous, comparison, settings)
