"""Who is looking at a page: the session cookie, the key behind it, the role a page needs, the CSRF check.

Pages raise `SignInRequired` (answered with a redirect to the sign-in page) or `PageError` (answered with an
HTML error page); `denial_ml.web.install_web` registers both handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.service.state import get_services
from denial_ml.web.session import COOKIE, CSRF_FIELD, WebSession, csrf_matches, new_session
from denial_ml.web.state import ROLE_PAGES, get_state, render

ROLE_TITLES = {"biller": "billers", "appeals": "appeals staff", "admin": "administrators"}


class SignInRequired(Exception):  # noqa: N818 (reads as the condition)
    """The page needs a signed-in user; `next_url` is where to come back after sign-in."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign-in required")
        self.next_url = next_url


class PageError(Exception):
    """An error shown as a page: status, a short title and a sentence that says what to do."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a page."""

    owner: str
    role: str
    session: WebSession


def read_session(request: Request) -> WebSession | None:
    """The request's valid session (signed-in only while its key is active), kept on `request.state`."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session
    session = get_state(request).codec.loads(request.cookies.get(COOKIE))
    # The server-side session decides: sign-out or a revoked key ends it, whatever copies of the cookie exist.
    if session is not None and session.signed_in and not get_services(request).store.web_session_active(session.sid):
        session = None
    request.state.web_session = session
    return session


def anonymous_session(request: Request) -> WebSession:
    """The request's session, or a new anonymous one (the caller must write its cookie)."""
    session = read_session(request)
    if session is None:
        session = new_session()
        request.state.web_session = session
    return session


def require(*roles: str) -> Callable[[Request], Viewer]:
    """A dependency for pages of `roles` (any signed-in role when empty): sign-in redirect or 403 page."""

    def check(request: Request) -> Viewer:
        session = read_session(request)
        if session is None or not session.signed_in:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target)
        assert session.owner is not None and session.role is not None
        if roles and session.role not in roles:
            needed = " or ".join(ROLE_TITLES.get(r, r) for r in roles)
            raise PageError(
                403,
                "Not for your role",
                f"This page is for {needed}; you are signed in as {session.owner} ({session.role}). "
                "Use the menu for your pages, or sign in with another key.",
            )
        return Viewer(owner=session.owner, role=session.role, session=session)

    return check


AnyViewer = Annotated[Viewer, Depends(require())]
BillerViewer = Annotated[Viewer, Depends(require("biller"))]
AppealsViewer = Annotated[Viewer, Depends(require("appeals"))]
AdminViewer = Annotated[Viewer, Depends(require("admin"))]


async def check_csrf(request: Request) -> None:
    """Refuse a form post whose CSRF token is missing or not the session's (403 page)."""
    form = await request.form()  # Starlette keeps the parsed form for the route's own Form() parameters
    session = read_session(request)
    if session is None or not csrf_matches(session, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
        raise PageError(
            403,
            "Form refused",
            "The form did not carry this session's security token (it may have expired, or come from another "
            "site). Reload the page and submit it again.",
        )


CsrfChecked = Depends(check_csrf)


def home_path(role: str | None) -> str:
    """The first page of a role (the sign-in page for nobody)."""
    pages = ROLE_PAGES.get(role or "")
    return pages[0][1] if pages else "/ui/sign-in"


async def sign_in_redirect(request: Request, exc: Exception) -> Response:
    """Send the visitor to the sign-in page, remembering the page they wanted."""
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(f"/ui/sign-in?next={quote(exc.next_url, safe='/')}", status_code=303)


def page_error(request: Request, exc: Exception) -> Response:
    """The HTML page of a `PageError`."""
    assert isinstance(exc, PageError)
    read_session(request)
    return render(request, "error.html", {"title": exc.title, "message": exc.message}, status=exc.status)
