"""Settings from environment variables (prefix `DENIAL_ML_`) and an optional `.env` file.

Settings are built on first use through the cached `get_settings()`, never at import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Project settings; every field can be set as `DENIAL_ML_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="DENIAL_ML_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data/synthetic/demo")
    models_dir: Path = Path("models")
    tracking_uri: str = "sqlite:///mlflow.db"
    registry_model_name: str = "denial-risk"
    worklist_url: str = "sqlite:///worklist.db"
    appeal_cost: float = 57.23  # cost of working one denial, 2023 survey figure in DOMAIN.md
    review_capacity: int = 200  # claims a biller team reviews per day (precision at k)
    # The distributed engine (`--engine dask`): a running scheduler's address, or None for a LocalCluster of
    # `dask_workers` processes with `dask_memory_limit` each (denial_ml.engine.cluster).
    dask_scheduler: str | None = None
    dask_workers: int = 2
    dask_memory_limit: str = "3GiB"
    demo_claims: int = 200_000
    demo_seed: int = 7
    # The scoring service (`denial-ml serve`): where its denial-risk model comes from, and where it listens.
    api_model_source: Literal["bundle", "registry"] = "bundle"
    api_bundle_dir: Path | None = None  # a bundle folder; None: <models_dir>/denial-risk
    api_model_alias: str = "champion"  # MLflow registry alias of `registry_model_name` (source "registry")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 1
    api_log_level: str = "info"
    # Request bodies, checked before they are read (denial_ml.service.limits). A scoring batch of 10,000 claims
    # of a few lines each is about 25 MB of JSON; an upload is the batch page's 20 MB file plus its form framing.
    max_body_bytes: int = 1024 * 1024  # any other request
    max_score_body_bytes: int = 32 * 1024 * 1024  # POST /v1/claims/score
    max_outcomes_body_bytes: int = 5 * 1024 * 1024  # POST /v1/outcomes: 1,000 outcomes with 4,000-character notes
    max_upload_bytes: int = 20 * 1024 * 1024 + 64 * 1024  # POST /ui/claims/batch
    body_timeout_seconds: float = 30.0  # for a whole body to arrive (a 20 MB upload over a slow link included)
    # Requests handled at once per worker; more are answered 503 with Retry-After (denial_ml.service.overload).
    # One scoring request costs ~3 ms of CPU: 32 in flight keep an accepted request's wait near 100 ms.
    max_in_flight: int = 32
    max_queue_seconds: float = 0.1  # event-loop lag above which new requests are refused (their wait to start)
    retry_after_seconds: int = 1
    key_cache_seconds: float = 5.0  # an authenticated API key is trusted this long without a look-up (0: never)


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
