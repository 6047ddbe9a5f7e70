"""The served denial-risk model: loaded at start-up from a bundle folder or the MLflow registry, swapped on reload.

A reload loads the new bundle completely (checksums, feature specification) before it replaces the served one,
so a bad bundle is refused and the previous model keeps serving.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from denial_ml.config import Settings
from denial_ml.modeling.bundle import BundleError, Scorer

log = logging.getLogger(__name__)

METRIC_KEYS = ("roc_auc", "pr_auc", "recall_at_95_precision", "brier", "ece", "precision_at_k", "category_accuracy")


class ModelLoadError(RuntimeError):
    """The configured model could not be loaded; the message names the source and the problem."""


# An absolute path, up to a quote, space or separator: the server's folders are no caller's business.
_PATH = re.compile(r"(?:/[^/\s'\";,]+)+/?")


def public_message(text: str) -> str:
    """`text` with every absolute path cut to its last part: what callers see of a server-side error (the log
    keeps the whole message)."""
    return _PATH.sub(lambda m: m.group().rstrip("/").rsplit("/", 1)[-1], text)


@dataclass(frozen=True)
class ServedModel:
    """A loaded bundle with where it came from."""

    scorer: Scorer
    folder: Path
    source: str
    loaded_at: dt.datetime
    metrics: dict = field(default_factory=dict)

    @property
    def public_source(self) -> str:
        """`source` without the server's folders (e.g. "bundle:denial-risk")."""
        return public_message(self.source)

    @property
    def version(self) -> str:
        """The scorer's version."""
        return self.scorer.version

    @cached_property
    def payers(self) -> frozenset[str]:
        """Payer ids the model knows (claims of other payers are refused); made once per loaded model, not per
        request."""
        return frozenset(self.scorer.builder.categories_["payer_id"])

    def test_metrics(self) -> dict[str, float]:
        """Headline test-period metrics of the bundle (numbers only)."""
        test = self.metrics.get("test", {})
        return {k: float(test[k]) for k in METRIC_KEYS if isinstance(test.get(k), int | float)}


def bundle_folder(settings: Settings) -> Path:
    """The configured bundle folder (`api_bundle_dir`, default `<models_dir>/denial-risk`)."""
    return settings.api_bundle_dir or settings.models_dir / "denial-risk"


def load_bundle(folder: Path, source: str) -> ServedModel:
    """Load and verify a bundle folder.

    Raises:
        ModelLoadError: when the folder is missing or the bundle is refused (checksum, specification, file).
    """
    if not folder.is_dir():
        raise ModelLoadError(f"model bundle folder {str(folder)!r} does not exist")
    try:
        scorer = Scorer.load(folder)
    except BundleError as exc:
        raise ModelLoadError(str(exc)) from None
    except (OSError, ValueError, KeyError) as exc:  # unreadable JSON, snapshot or model text
        raise ModelLoadError(f"bundle {str(folder)!r} cannot be read: {type(exc).__name__}: {exc}") from None
    return serve_scorer(scorer, folder, source)


def serve_scorer(scorer: Scorer, folder: Path, source: str) -> ServedModel:
    """A loaded scorer with its bundle's test metrics (`metrics.json`, checked with the bundle)."""
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return ServedModel(scorer, folder, source, dt.datetime.now(dt.UTC), metrics)


def download_registered(settings: Settings) -> tuple[Path, str]:
    """The verified local bundle of the registered version that carries the configured alias.

    Returns:
        The bundle folder and a description of the source.

    Raises:
        ModelLoadError: when the registry, the alias or the bundle artifacts cannot be read.
    """
    from denial_ml.modeling.registry import RegistryError, resolve_model

    name, alias = settings.registry_model_name, settings.api_model_alias
    try:
        found = resolve_model(f"models:/{name}@{alias}", settings)
    except (RegistryError, BundleError) as exc:
        raise ModelLoadError(str(exc)) from None
    except Exception as exc:  # the tracking store unreachable or unreadable: MLflow and driver errors
        raise ModelLoadError(f"registry {settings.tracking_uri!r}: {type(exc).__name__}: {exc}") from None
    return found.bundle, f"registry:{name}@{alias} (version {found.version}, run {found.run_id})"


def load_configured(settings: Settings) -> ServedModel:
    """Load the model the settings name (bundle folder or registry alias)."""
    if settings.api_model_source == "registry":
        folder, source = download_registered(settings)
        return load_bundle(folder, source)
    folder = bundle_folder(settings)
    return load_bundle(folder, f"bundle:{folder}")


class ModelHolder:
    """Holds the served model; `load` (at start-up and on reload) swaps it only for a model that loaded whole."""

    def __init__(self, settings: Settings, served: ServedModel | None = None) -> None:
        self.settings = settings
        self._served = served
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def served(self) -> ServedModel | None:
        """The model being served (None until one loaded)."""
        return self._served

    @property
    def public_error(self) -> str | None:
        """The last load error as callers may see it (no server paths)."""
        return public_message(self.last_error) if self.last_error else None

    def load(self) -> ServedModel:
        """Load the configured model and serve it.

        Raises:
            ModelLoadError: nothing changes; the message is also logged.
        """
        with self._lock:
            previous = self._served
            try:
                model = load_configured(self.settings)
            except ModelLoadError as exc:
                self.last_error = str(exc)
                still = f"; still serving {previous.version}" if previous else "; no model is served"
                log.error("model refused: %s%s", exc, still)
                raise
            self._served, self.last_error = model, None
            log.info("model %s loaded from %s", model.version, model.source)
            return model
