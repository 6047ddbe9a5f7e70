"""The JSON API: one router per resource over the `denial_ml.service` layer; `install_api` mounts them.

The app itself is built by the composition root, `denial_ml.server.app.create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI


def install_api(app: FastAPI) -> None:
    """Add the API's routers (claims, worklist and its packets, outcomes, models, health, metrics) to `app`."""
    from denial_ml.api.routes import claims, health, ml_models, outcomes, worklist, worklist_appeals

    for module in (claims, worklist, worklist_appeals, outcomes, ml_models, health):
        app.include_router(module.router)
