"""Bodies of the model and health routes, and the error body every route shares."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
)


class ModelInfo(BaseModel):
    """A model the service is serving."""

    name: str
    kind: str
    version: str
    source: str
    loaded_at: dt.datetime
    training_period: list[str] | None
    n_claims: int | None
    payers: list[str] = Field(description="Payer ids the model knows.")
    test_metrics: dict[str, float]
    for_use: bool | None = Field(
        None, description="The training run's quality gate: false when the model is not fit for use (null: not gated)."
    )
    gate_reason: str | None = Field(None, description="Why the gate decided as it did.")


class ModelsResponse(BaseModel):
    """The active models."""

    models: list[ModelInfo]


class ReloadResponse(BaseModel):
    """The outcome of a reload."""

    previous_version: str | None
    version: str
    changed: bool


class LiveResponse(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class ReadyResponse(BaseModel):
    """Whether the service can score and read the worklist."""

    status: Literal["ready", "not_ready"]
    model_version: str | None
    model_loaded: bool
    store_reachable: bool


class ErrorOut(BaseModel):
    """An error with a message that names the problem."""

    detail: str


ERROR_TEXT = {
    400: "The body is not valid JSON.",
    401: "Missing, wrong or revoked API key.",
    403: "The key's role may not do this.",
    404: "No such item.",
    409: "Conflict: the item changed since it was read, or the change is not allowed from its status.",
    503: "No model is loaded yet.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (all with an `ErrorOut` body)."""
    return {code: {"model": ErrorOut, "description": ERROR_TEXT[code]} for code in codes}
