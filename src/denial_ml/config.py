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


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
