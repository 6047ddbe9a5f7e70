"""`/v1/models`: the served model's version, training period and test metrics; reload (role admin)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from denial_ml.api.deps import AdminDep, CallerDep, ModelDep
from denial_ml.service.schemas import ModelInfo, ModelsResponse, ReloadResponse, error_responses
from denial_ml.service.serving import ModelLoadError, ServedModel, public_message
from denial_ml.service.state import ServicesDep

router = APIRouter(prefix="/v1/models", tags=["models"])


def model_info(served: ServedModel) -> ModelInfo:
    """What the service says about a served model."""
    meta = served.scorer.metadata
    period = meta.get("training_period")
    return ModelInfo(
        name=str(meta.get("name", "denial-risk")),
        kind="denial-risk",
        version=served.version,
        source=served.public_source,
        loaded_at=served.loaded_at,
        training_period=[str(d) for d in period] if period else None,
        n_claims=meta.get("n_claims"),
        payers=sorted(served.payers),
        test_metrics=served.test_metrics(),
        for_use=meta.get("for_use"),
        gate_reason=(meta.get("gate") or {}).get("reason"),
    )


@router.get("", response_model=ModelsResponse, responses=error_responses(401, 503), summary="Active models")
def list_models(caller: CallerDep, model: ModelDep) -> ModelsResponse:
    """The served model: version, source, training period and test-period metrics (any role)."""
    return ModelsResponse(models=[model_info(model)])


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses=error_responses(401, 403, 409),
    summary="Load the configured model again (admin)",
)
def reload_model(caller: AdminDep, services: ServicesDep) -> ReloadResponse:
    """Load the configured bundle or registry alias; a bundle that fails its checks is refused (409) and the
    previous model keeps serving."""
    previous = services.models.served
    try:
        loaded = services.models.load()
    except ModelLoadError as exc:
        services.metrics.count_reload("refused")
        still = f"still serving {previous.version}" if previous else "no model is served"
        detail = f"reload refused: {public_message(str(exc))}; {still}"
        raise HTTPException(status.HTTP_409_CONFLICT, detail) from None
    services.metrics.count_reload("ok")
    services.metrics.model_version = loaded.version
    before = previous.version if previous else None
    return ReloadResponse(previous_version=before, version=loaded.version, changed=before != loaded.version)
