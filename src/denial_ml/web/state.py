"""What the web pages share on `app.state.web`: settings, the session codec, templates and small caches."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from fastapi import Request
from starlette.responses import HTMLResponse

from denial_ml.web import formats
from denial_ml.web.session import CSRF_FIELD, SessionCodec
from denial_ml.web.settings import WebSettings

# Pages show claim data: never cached, never framed; scripts and styles only from this service (the SVG charts
# carry inline style attributes, hence 'unsafe-inline' for styles only).
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

# The pages of each role, in menu order: (label, path).
ROLE_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "biller": (("Claim check", "/ui/claims/check"), ("Batch check", "/ui/claims/batch"), ("Denials", "/ui/tracking")),
    "appeals": (("Worklist", "/ui/worklist"), ("Denials", "/ui/tracking")),
    "admin": (("Model", "/ui/model"), ("Denials", "/ui/tracking")),
}


class TimedCache:
    """Values computed on demand and kept for `seconds` (or until their key changes), shared by threads."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, Any, Any]] = {}

    def get(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """The cached value of `name` if it is younger than `seconds` and was computed for `key`."""
        with self._lock:
            hit = self._values.get(name)
        if hit is not None and hit[1] == key and time.monotonic() - hit[0] < self.seconds:
            return hit[2]
        value = compute()
        with self._lock:
            self._values[name] = (time.monotonic(), key, value)
        return value


def template_environment() -> jinja2.Environment:
    """Templates of the package with autoescaping and the number formats of the pages."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("denial_ml.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formats.FILTERS)
    return env


@dataclass
class WebState:
    """Shared by every page of one app."""

    settings: WebSettings
    codec: SessionCodec
    templates: jinja2.Environment
    cache: TimedCache = field(default_factory=lambda: TimedCache(60.0))
    reports: TimedCache = field(default_factory=lambda: TimedCache(3600.0))


def make_state(settings: WebSettings | None = None) -> WebState:
    """The web state from settings (default: read from the environment now)."""
    settings = settings or WebSettings()
    codec = SessionCodec(settings.signing_key(), settings.session_hours * 3600, settings.cookie_secure)
    return WebState(settings=settings, codec=codec, templates=template_environment())


def get_state(request: Request) -> WebState:
    """The app's web state."""
    return request.app.state.web


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page from `template`, with the signed-in viewer, the CSRF token and the menu in its context."""
    state = get_state(request)
    session = getattr(request.state, "web_session", None)
    role = session.role if session is not None and session.signed_in else None
    base = {
        "request": request,
        "session": session,
        "viewer": session if role else None,
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf if session is not None else "",
        "nav": ROLE_PAGES.get(role or "", ()),
        "path": request.url.path,
    }
    html = state.templates.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
