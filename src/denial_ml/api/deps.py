"""Dependencies of the API routes: the served model, the store and the caller's API key (the service state,
`Services`, comes from `denial_ml.service.state`, shared with the web pages).

All are `async`: FastAPI runs a plain `def` dependency in its thread pool, and that hop costs more than these
few microseconds (the key lookup is one indexed query).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from denial_ml.service.serving import ServedModel
from denial_ml.service.state import Services, ServicesDep, get_services
from denial_ml.store import InvalidText, WorklistStore

API_KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key from `denial-ml keys create --role biller|appeals|admin --owner NAME`.",
)


@dataclass(frozen=True)
class Caller:
    """The owner and role of the API key that made the request."""

    owner: str
    role: str


async def get_store(services: ServicesDep) -> WorklistStore:
    """The worklist store."""
    return services.store


StoreDep = Annotated[WorklistStore, Depends(get_store)]


async def get_model(services: ServicesDep) -> ServedModel:
    """The served model; 503 while none is loaded."""
    served = services.models.served
    if served is None:
        error = services.models.public_error
        detail = "no model is loaded" + (f": {error}" if error else "")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail)
    return served


ModelDep = Annotated[ServedModel, Depends(get_model)]


async def get_caller(services: ServicesDep, token: Annotated[str | None, Security(api_key_header)]) -> Caller:
    """The caller of a valid, unrevoked key; 401 when the key is missing or wrong."""
    if not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing API key: send it in the {API_KEY_HEADER} header")
    try:
        found = services.store.authenticate(token)
    except InvalidText:  # a header cannot be a key with a control character in it
        found = None
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key")
    return Caller(owner=found[0], role=found[1])


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_role(*roles: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through only keys with one of `roles` (403 otherwise)."""

    async def check(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {caller.role!r} may not do this; needs {' or '.join(roles)}"
            )
        return caller

    return check


@dataclass(frozen=True)
class Scoring:
    """What a scoring route needs: its caller (a biller), the served model and the services."""

    caller: Caller
    model: ServedModel
    services: Services


async def get_scoring(request: Request, token: Annotated[str | None, Security(api_key_header)]) -> Scoring:
    """`BillerDep`, then `ModelDep`, in one dependency: the same checks in the same order (401, 403, then 503),
    for a third of FastAPI's dependency solving on the service's busiest routes (issue #20; the services are
    read from the request, not solved as one more dependency)."""
    services = get_services(request)
    caller = await get_caller(services, token)
    if caller.role != "biller":
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {caller.role!r} may not do this; needs biller")
    return Scoring(caller, await get_model(services), services)


BillerDep = Annotated[Caller, Depends(require_role("biller"))]
ScoringDep = Annotated[Scoring, Depends(get_scoring)]
AppealsDep = Annotated[Caller, Depends(require_role("appeals"))]
AdminDep = Annotated[Caller, Depends(require_role("admin"))]
