"""`/health/live`, `/health/ready` and `/metrics`: for the orchestrator and Prometheus (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text

from denial_ml.service.schemas import LiveResponse, ReadyResponse
from denial_ml.service.state import ServicesDep

router = APIRouter(tags=["health"])
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def store_reachable(services: ServicesDep) -> bool:
    """True when the worklist database answers a trivial query."""
    try:
        with services.store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not reachable"
        return False


@router.get("/health/live", response_model=LiveResponse, summary="The process answers")
def live() -> LiveResponse:
    """Always ok while the process runs."""
    return LiveResponse(status="ok")


@router.get(
    "/health/ready",
    response_model=ReadyResponse,
    responses={503: {"model": ReadyResponse, "description": "Model not loaded or store not reachable."}},
    summary="The service can score and read the worklist",
)
def ready(services: ServicesDep) -> JSONResponse:
    """Ready (200) only when a model is loaded and the worklist store answers; otherwise 503."""
    served = services.models.served
    reachable = store_reachable(services)
    body = ReadyResponse(
        status="ready" if served is not None and reachable else "not_ready",
        model_version=served.version if served else None,
        model_loaded=served is not None,
        store_reachable=reachable,
    )
    code = status.HTTP_200_OK if body.status == "ready" else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(body.model_dump(), status_code=code)


@router.get("/metrics", response_model=str, response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(services: ServicesDep) -> Response:
    """Request counts and latencies by route, claims scored and refused, reloads and the model version."""
    return Response(services.metrics.render(), media_type=PROMETHEUS_TEXT)
