"""Denial tracking (every role): the tracking report's measures and charts by month, payer and category."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from denial_ml.analytics.outcomes import worklist_outcomes
from denial_ml.analytics.render import FORMATS
from denial_ml.service.state import ServicesDep
from denial_ml.web.auth import AnyViewer
from denial_ml.web.state import get_state, render
from denial_ml.web.tracking import VIEWS, TrackingUnavailable, build_tracking, folder_key, slice_view

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/tracking")
def tracking_page(request: Request, viewer: AnyViewer, services: ServicesDep, by: str = "month") -> Response:
    """Totals, charts and one slice table (`by`: month, payer or category) of the configured world folder."""
    folder = services.settings.data_dir
    view = by if by in VIEWS else "month"
    try:
        key = folder_key(folder)
        data = get_state(request).reports.get(f"tracking:{folder}", key, lambda: build_tracking(folder))
    except TrackingUnavailable as exc:
        return render(request, "tracking.html", {"unavailable": str(exc), "views": VIEWS, "view": view}, 503)
    report = data["report"]
    # The world's report is cached per folder; the worklist's outcomes change with every closed item.
    outcomes = {**report["appeal_outcomes"], "worklist": worklist_outcomes(services.store.outcomes_frame())}
    return render(
        request,
        "tracking.html",
        {
            "unavailable": None,
            "r": report,
            "t": report["totals"],
            "charts": data["charts"],
            "table": slice_view(report, view),
            "views": VIEWS,
            "view": view,
            "fmt": FORMATS,
            "o": outcomes,
        },
    )
