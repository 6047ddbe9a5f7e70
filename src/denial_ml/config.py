"""Settings from environment variables (prefix `DENIAL_ML_`) and an optional `.env` file.

Settings are built on first use through the cached `get_settings()`, never at import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
