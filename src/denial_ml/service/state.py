"""The online service's state: what the API routes and the web pages share, opened once at start-up.

`Services` is the one object both adapters (`denial_ml.api`, `denial_ml.web`) reach through a request; the
composition root (`denial_ml.server.app`) puts it on `app.state` in its lifespan.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from denial_ml.config import Settings
from denial_ml.service.observability import Metrics
from denial_ml.service.serving import ModelHolder, ModelLoadError
from denial_ml.store import WorklistStore


@dataclass
class Services:
    """What the routes share: settings, the served model, the worklist store and the metrics."""

    settings: Settings
    models: ModelHolder
    store: WorklistStore
    metrics: Metrics


def open_services(settings: Settings) -> Services:
    """Open the store (migrated) and load the configured model; a model that fails to load is logged."""
    store = WorklistStore(settings.worklist_url, key_cache_seconds=settings.key_cache_seconds)
    store.migrate()
    holder = ModelHolder(settings)
    with suppress(ModelLoadError):  # logged by the holder; the service starts not ready
        holder.load()
    metrics = Metrics()
    metrics.model_version = holder.served.version if holder.served else None
    return Services(settings=settings, models=holder, store=store, metrics=metrics)


def get_services(request: Request) -> Services:
    """The services the app was started with."""
    return request.app.state.services


async def services_dependency(request: Request) -> Services:
    """`get_services` as an async dependency (no thread-pool hop)."""
    return get_services(request)


ServicesDep = Annotated[Services, Depends(services_dependency)]
