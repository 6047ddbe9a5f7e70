"""Sign-in with an API key, sign-out, the start page of each role and the model page (admin)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.modeling.model_card import read_card_body
from denial_ml.service.state import ServicesDep
from denial_ml.web.auth import AdminViewer, CsrfChecked, anonymous_session, home_path, read_session
from denial_ml.web.session import signed_in
from denial_ml.web.state import get_state, render

router = APIRouter(prefix="/ui", include_in_schema=False)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this site's pages (no scheme, no host: no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui/") or "\\" in target:
        return None
    return target


@router.get("")
def start(request: Request) -> Response:
    """The signed-in user's first page, or the sign-in page."""
    session = read_session(request)
    return RedirectResponse(home_path(session.role if session and session.signed_in else None), status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 (the usual name)
    """The sign-in form; a visitor gets an anonymous session so the form has a CSRF token."""
    session = anonymous_session(request)
    response = render(request, "sign_in.html", {"next": safe_next(next) or "", "error": None})
    get_state(request).codec.write(response, session)
    return response


@router.post("/sign-in", dependencies=[CsrfChecked])
def sign_in(
    request: Request,
    services: ServicesDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",  # noqa: A002
) -> Response:
    """Accept a valid, unrevoked key: a new signed session, then the page asked for or the role's first."""
    token = api_key.strip()
    found = services.store.authenticate(token) if token else None
    if found is None:
        message = "Enter your API key." if not token else "That API key is not valid or has been revoked."
        return render(request, "sign_in.html", {"next": safe_next(next) or "", "error": message}, status=401)
    owner, role = found
    session = signed_in(owner, role, key_prefix=token.split("_", 2)[1])
    services.store.open_web_session(
        session.sid or "", session.key_prefix or "", get_state(request).codec.max_age / 3600
    )
    request.state.web_session = session
    response = RedirectResponse(safe_next(next) or home_path(role), status_code=303)
    get_state(request).codec.write(response, session)
    return response


@router.post("/sign-out", dependencies=[CsrfChecked])
def sign_out(request: Request, services: ServicesDep) -> Response:
    """End the session on the server (a copied cookie dies too), delete the cookie, show the sign-in page."""
    session = read_session(request)
    if session is not None:
        services.store.end_web_session(session.sid)
    response = RedirectResponse("/ui/sign-in", status_code=303)
    get_state(request).codec.clear(response)
    return response


@router.get("/model")
def model_page(request: Request, viewer: AdminViewer, services: ServicesDep) -> Response:
    """The served model: version, source, load time and its test metrics."""
    served = services.models.served
    return render(
        request,
        "model.html",
        {
            "served": served,
            "metrics": served.test_metrics() if served else {},
            "card": read_card_body(served.folder) if served else None,  # written by training with the bundle
            "error": services.models.public_error,
        },
    )
