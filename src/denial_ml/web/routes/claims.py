"""Claim check (biller): a claim from the form or pasted JSON -> risk, category, factors with fixes, findings;
what-if toggles re-score it in place (htmx swaps the result; without JavaScript the whole page comes back).

Scoring and what-if go through the API's own services (`denial_ml.service.scoring`), so a screen and the API
always agree on a claim.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.responses import Response

from denial_ml.service.schemas import ClaimEdits, ClaimIn, FieldError
from denial_ml.service.scoring import NothingValid, assess, what_if
from denial_ml.service.serving import ServedModel
from denial_ml.service.state import ServicesDep
from denial_ml.service.validation import check_claims, pydantic_errors
from denial_ml.web.auth import BillerViewer, CsrfChecked, PageError
from denial_ml.web.claim_form import (
    LABELS,
    MAX_LINES,
    claim_to_form,
    describe_error,
    error_inputs,
    form_inputs,
    form_to_claim,
    new_form,
    open_line_rows,
    parse_pasted,
)
from denial_ml.web.state import render

router = APIRouter(prefix="/ui/claims", include_in_schema=False)


def served_model(services: ServicesDep) -> ServedModel:
    """The served model, or a 503 page while none is loaded."""
    if services.models.served is None:
        raise PageError(503, "No model loaded", "The service has no denial-risk model yet; ask an administrator.")
    return services.models.served


def _page(request: Request, model: ServedModel, status: int = 200, **context: Any) -> Response:
    values = {
        "form": context.pop("form", None) or new_form(dt.date.today()),
        "max_lines": MAX_LINES,
        "inputs": form_inputs(),
        "labels": LABELS,
        "payers": sorted(model.payers),
        "model_version": model.version,
        "mode": "form",
        "pasted": "",
        "errors": [],
        "field_errors": {},
        "result": None,
        "claim": None,
        "claim_json": "",
        "whatif": None,
        "whatif_error": None,
        "choices": {},
    }
    values.update(context)
    values["open_lines"] = open_line_rows(values["form"], values["field_errors"])  # type: ignore[arg-type]
    return render(request, "claim_check.html", values, status=status)


@router.get("/check")
def check_page(request: Request, viewer: BillerViewer, services: ServicesDep) -> Response:
    """The empty claim form."""
    return _page(request, served_model(services))


@router.post("/check", dependencies=[CsrfChecked])
async def check_claim(request: Request, viewer: BillerViewer, services: ServicesDep) -> Response:
    """Check the claim of the form (or of the pasted JSON when `mode` is "json")."""
    model = served_model(services)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    mode = "json" if fields.get("mode") == "json" else "form"
    rows: list[int] | None = None
    if mode == "json":
        pasted = fields.get("claim_json_text", "")
        try:
            payload = parse_pasted(pasted)
        except ValueError as exc:
            return _page(request, model, 422, mode=mode, pasted=pasted, errors=[str(exc)])
        shown = claim_to_form(payload)
    else:
        pasted = ""
        payload, rows = form_to_claim(fields, dt.date.today())
        shown = fields
    checked = check_claims([payload], model.payers)
    if checked.rejected:
        problems = checked.rejected[0].errors
        return _page(
            request,
            model,
            422,
            form=shown,
            mode=mode,
            pasted=pasted,
            errors=[describe_error(e, rows) for e in problems],
            field_errors=error_inputs(problems, rows),
        )
    claim = checked.valid[0]
    [view] = await run_in_threadpool(assess, model.scorer, [claim])  # scoring must not hold up the event loop
    services.metrics.count_scores(1, 0)
    return _page(
        request,
        model,
        form=claim_to_form(claim.model_dump(mode="json")),
        mode=mode,
        pasted=pasted,
        result=view,
        claim=claim,
        claim_json=claim.model_dump_json(),
    )


def edits_of(fields: dict[str, str], claim: ClaimIn, today: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API edits chosen with the toggles, and the toggles' state to show again.

    Toggles: `add_auth` (with `auth_number`), `submit_today`, and per line `modifiers-<n>` (new modifiers,
    applied when they differ from the line's).
    """
    edits: dict[str, Any] = {}
    choices: dict[str, Any] = {"add_auth": fields.get("add_auth") == "on", "submit_today": False, "modifiers": {}}
    number = (fields.get("auth_number") or "").strip()
    choices["auth_number"] = number
    if choices["add_auth"]:
        edits["prior_auth_number"] = number or None
    if fields.get("submit_today") == "on":
        choices["submit_today"] = True
        edits["submission_date"] = today.isoformat()
    changed = []
    for line in claim.lines:
        raw = fields.get(f"modifiers-{line.line_number}")
        if raw is None:
            continue
        wanted = [m.upper() for m in raw.replace(",", " ").split()]
        choices["modifiers"][line.line_number] = " ".join(wanted)
        if wanted != list(line.modifiers):
            changed.append({"line_number": line.line_number, "modifiers": wanted})
    if changed:
        edits["line_modifiers"] = changed
    return edits, choices


@router.post("/what-if", dependencies=[CsrfChecked])
async def try_edits(request: Request, viewer: BillerViewer, services: ServicesDep) -> Response:
    """Re-score the checked claim with the chosen toggles; htmx gets the result fragment only."""
    model = served_model(services)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        claim = ClaimIn.model_validate(json.loads(fields.get("claim_json", "")))
    except (ValueError, ValidationError):
        raise PageError(400, "Claim missing", "Check the claim again before trying changes to it.") from None
    edits, choices = edits_of(fields, claim, dt.date.today())
    result, error = None, None
    if choices["add_auth"] and not choices["auth_number"]:
        error = "Enter the authorization number to add."
    elif not edits:
        error = "Choose a change above to see how the risk moves."
    else:
        try:
            result = await run_in_threadpool(what_if, model, claim, ClaimEdits.model_validate(edits))
            services.metrics.count_scores(2, 0)
        except ValidationError as exc:
            error = "; ".join(describe_error(e) for e in _edit_errors(exc))
        except (NothingValid, ValueError) as exc:
            error = str(exc)
    context: dict[str, Any] = {"whatif": result, "whatif_error": error, "choices": choices, "claim": claim}
    if request.headers.get("HX-Request"):
        return render(request, "_whatif_result.html", context)
    [view] = await run_in_threadpool(assess, model.scorer, [claim])
    return _page(
        request,
        model,
        form=claim_to_form(claim.model_dump(mode="json")),
        result=view,
        claim_json=claim.model_dump_json(),
        **context,
    )


def _edit_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(field=f"edits.{e.field}", message=e.message, type=e.type) for e in pydantic_errors(exc)]
