"""The session cookie: who signed in (owner, role, key prefix), the CSRF token and the id of the server-side
session (which sign-out ends), signed and time-limited.

The cookie holds no API key secret and no claim data; it is HTTP-only, SameSite=Lax and (by default) Secure.
Forms that change anything carry the session's CSRF token in a hidden field, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import asdict, dataclass, replace

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

COOKIE = "dml_session"
CSRF_FIELD = "csrf_token"
_SALT = "denial-ml-web-session"


@dataclass(frozen=True)
class WebSession:
    """A visitor's session; `owner` is None until sign-in."""

    csrf: str
    owner: str | None = None
    role: str | None = None
    key_prefix: str | None = None
    signed_in_at: float | None = None
    sid: str | None = None  # the server-side session's id (`WorklistStore.open_web_session`)

    @property
    def signed_in(self) -> bool:
        """Whether an API key was accepted for this session."""
        return self.owner is not None


def new_session() -> WebSession:
    """An anonymous session with a fresh CSRF token (the sign-in form is protected too)."""
    return WebSession(csrf=secrets.token_urlsafe(32))


def signed_in(owner: str, role: str, key_prefix: str) -> WebSession:
    """A session for an accepted key; the CSRF token is new so one seen before sign-in is worthless."""
    return replace(
        new_session(),
        owner=owner,
        role=role,
        key_prefix=key_prefix,
        signed_in_at=time.time(),
        sid=secrets.token_urlsafe(32),
    )


class SessionCodec:
    """Signs sessions into cookie values and reads them back.

    Args:
        secret: Signing key.
        max_age_seconds: Older cookies are refused (the visitor is anonymous again).
        secure: Whether the cookie carries the `Secure` flag.
    """

    def __init__(self, secret: str, max_age_seconds: float, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age = max_age_seconds
        self.secure = secure

    def dumps(self, session: WebSession) -> str:
        """The cookie value of `session`."""
        return self._serializer.dumps(asdict(session))

    def loads(self, value: str | None) -> WebSession | None:
        """The session in a cookie value; None when missing, tampered with, expired or malformed."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=max(1, int(self.max_age)))
            return WebSession(**data)
        except (BadSignature, TypeError, ValueError):
            return None

    def write(self, response: Response, session: WebSession) -> None:
        """Set the session cookie on `response`."""
        response.set_cookie(
            COOKIE,
            self.dumps(session),
            max_age=int(self.max_age),
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Response) -> None:
        """Delete the session cookie."""
        response.delete_cookie(COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax")


def csrf_matches(session: WebSession, submitted: str | None) -> bool:
    """Whether a form's CSRF token is the session's."""
    return bool(submitted) and hmac.compare_digest(session.csrf.encode(), str(submitted).encode())
