"""Web pages for billers and appeals staff, mounted beside the JSON API on one app (`install_web`).

Server-rendered Jinja2 pages under `/ui`, sharing the API's services (model, store, metrics) and its API keys:
a key signs a user in, its role decides the pages. htmx (vendored in `static/`) re-scores what-if changes in
place; every page works without JavaScript too.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from denial_ml.web.auth import PageError, SignInRequired, page_error, sign_in_redirect
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI, settings: WebSettings | None = None) -> None:
    """Add the pages, their static files and their error pages to `app`.

    Args:
        app: The service's app (built by `denial_ml.server.app.create_app`).
        settings: Web settings (default: `DENIAL_ML_WEB_*` from the environment).
    """
    from denial_ml.web.routes import (
        account,
        batch,
        claims,
        tracking,
        worklist,
        worklist_appeal,
        worklist_bulk,
        worklist_close,
        worklist_letter,
    )

    app.state.web = make_state(settings)
    routers = (
        account,
        claims,
        batch,
        worklist_appeal,
        worklist_bulk,
        worklist_close,
        worklist_letter,
        worklist,
        tracking,
    )
    for module in routers:
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="web-static")
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(PageError, page_error)  # type: ignore[arg-type]
