"""Batch check (biller): upload a CSV or 837 file, see its claims by risk with their top reason and findings,
download the results as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from denial_ml.service.schemas import EXAMPLE_CLAIM, ClaimIn
from denial_ml.service.state import ServicesDep
from denial_ml.service.validation import claims_frame, lines_frame
from denial_ml.web.auth import BillerViewer, CsrfChecked
from denial_ml.web.batch import MAX_BYTES, MAX_CLAIMS, UploadError, check_batch, flat_csv
from denial_ml.web.routes.claims import served_model
from denial_ml.web.state import render

router = APIRouter(prefix="/ui/claims", include_in_schema=False)


def _page(request: Request, status: int = 200, **context: object) -> Response:
    values = {"result": None, "error": None, "file_name": "", "max_claims": MAX_CLAIMS, "shown": 500}
    return render(request, "batch.html", {**values, **context}, status=status)


@router.get("/batch")
def batch_page(request: Request, viewer: BillerViewer) -> Response:
    """The upload form."""
    return _page(request)


@router.get("/batch/example.csv")
def example_csv(viewer: BillerViewer) -> Response:
    """A one-claim file in the upload format (the API's example claim)."""
    claim = ClaimIn.model_validate(EXAMPLE_CLAIM)
    text = flat_csv(claims_frame([claim]), lines_frame([claim]))
    return Response(
        text, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="claims-example.csv"'}
    )


@router.post("/batch", dependencies=[CsrfChecked])
async def check_upload(
    request: Request, viewer: BillerViewer, services: ServicesDep, file: Annotated[UploadFile, File()]
) -> Response:
    """Score the uploaded file's claims; the page lists them by risk and links the results CSV."""
    model = served_model(services)
    data = await file.read(MAX_BYTES + 1)
    name = file.filename or "upload"
    try:
        result = await run_in_threadpool(check_batch, model, name, data)
    except UploadError as exc:
        return _page(request, 422, error=f"{name}: {exc}", file_name=name)
    services.metrics.count_scores(len(result.scored), len(result.refused))
    return _page(request, result=result, file_name=name)
