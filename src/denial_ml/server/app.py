"""The composition root: `create_app()` (a factory, for uvicorn `--factory`) builds one FastAPI app, opens the
shared services in its lifespan and mounts both adapters on them: the JSON API (`denial_ml.api`) and the web pages
(`denial_ml.web`). Neither adapter imports the other; both reach the same `denial_ml.service` state.

The model and the store are opened once, at start-up. A model that cannot be loaded does not stop the service:
it answers `/health/ready` with 503 (and scoring with 503) until `POST /v1/models/reload` loads one.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

import denial_ml
from denial_ml.api import install_api
from denial_ml.api.deps import API_KEY_HEADER
from denial_ml.config import Settings, get_settings
from denial_ml.service.limits import BodyLimits, RequestLimitsMiddleware
from denial_ml.service.observability import RequestContextMiddleware
from denial_ml.service.overload import LoadSheddingMiddleware
from denial_ml.service.state import Services, open_services
from denial_ml.store import InvalidText
from denial_ml.web import install_web
from denial_ml.web.auth import PageError, page_error
from denial_ml.web.session import COOKIE

log = logging.getLogger(__name__)

DESCRIPTION = """Denial risk of claims before submission (role `biller`), the appeal worklist and recorded
outcomes (role `appeals`), model versions and reloads (role `admin`). Send an API key in the `X-API-Key`
header; create one with `denial-ml keys create --role ROLE --owner NAME`."""


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with each error's location, message and type; never the input value (it may be health data)."""
    errors = [
        {"loc": list(e.get("loc", [])), "msg": str(e.get("msg", "")), "type": e.get("type", "")} for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI's handler, except that a 405 lists in `Allow` the methods of every route on the path (Starlette
    names only the first route's, e.g. GET but not PATCH on /v1/worklist/{item_id})."""
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    methods: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return JSONResponse({"detail": exc.detail}, status_code=405, headers={"Allow": ", ".join(sorted(methods))})


async def invalid_text(request: Request, exc: InvalidText) -> Response:
    """422 naming the field whose text the store refuses: a JSON error under /v1, an error page under /ui."""
    if request.url.path.startswith("/ui"):
        return page_error(request, PageError(422, "Text refused", f"{exc}."))
    return JSONResponse({"detail": [{"loc": [exc.field], "msg": str(exc), "type": "value_error"}]}, status_code=422)


def body_limits(settings: Settings) -> BodyLimits:
    """The body size limit of each route that takes more than the default."""
    return BodyLimits(
        default=settings.max_body_bytes,
        by_path={
            "/v1/claims/score": settings.max_score_body_bytes,
            "/v1/outcomes": settings.max_outcomes_body_bytes,
            "/ui/claims/batch": settings.max_upload_bytes,
        },
    )


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the application.

    Args:
        settings: Settings (default: `get_settings()`).
        services: Ready services (tests); when None, the lifespan opens them from the settings and closes them.
    """
    settings = settings or (services.settings if services else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "services", None) is None
        if owned:
            app.state.services = await run_in_threadpool(open_services, settings)
            # The model's lookup tables are millions of long-lived objects: left in the collected generations,
            # every full collection walks them all and stalls a request for tens of milliseconds (the p99).
            gc.freeze()
        try:
            yield
        finally:
            if owned:
                app.state.services.store.close()

    app = FastAPI(
        title="denial_ml",
        version=denial_ml.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    # The last added runs first: request id, log line and metrics for everything (refusals too), then load
    # shedding (the cheapest refusal), then the credential and body checks, then the routes.
    app.add_middleware(
        RequestLimitsMiddleware,
        limits=body_limits(settings),
        api_key_header=API_KEY_HEADER,
        session_cookie=COOKIE,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    app.add_middleware(
        LoadSheddingMiddleware,
        max_in_flight=settings.max_in_flight,
        max_queue_seconds=settings.max_queue_seconds,
        retry_after_seconds=settings.retry_after_seconds,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidText, invalid_text)  # type: ignore[arg-type]
    install_api(app)  # the JSON routes under /v1, /health and /metrics (denial_ml.api)
    install_web(app)  # the pages under /ui (denial_ml.web)
    return app
