"""Server-side records of signed-in web sessions: opened at sign-in, checked on every page, ended at sign-out.

The cookie carries a random session id; the store keeps only its SHA-256, so a copy of the table signs nobody in.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from denial_ml.store.models import ApiKey, WebSession, utcnow
from denial_ml.store.text import check_text


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(session: Session, session_id: str, key_prefix: str, hours: float) -> None:
    """Record a new signed-in session of the key with `key_prefix`, valid for `hours`; the caller commits."""
    now = utcnow()
    expires = now + dt.timedelta(hours=hours)
    session.add(WebSession(id_hash=_hash(session_id), key_prefix=key_prefix, created_at=now, expires_at=expires))


def session_active(session: Session, session_id: str | None) -> bool:
    """Whether the session is open, unexpired and its key still active (a revoked key ends its sessions)."""
    if not session_id or check_text("session", session_id) is None:
        return False
    found = session.execute(
        select(WebSession.expires_at, WebSession.ended_at, ApiKey.revoked_at)
        .join(ApiKey, ApiKey.prefix == WebSession.key_prefix)
        .where(WebSession.id_hash == _hash(session_id))
    ).first()
    return found is not None and found[1] is None and found[2] is None and found[0] > utcnow()


def end_session(session: Session, session_id: str | None) -> None:
    """Mark the session ended (a copied cookie no longer signs in); ending twice keeps the first time."""
    if not session_id:
        return
    row = session.get(WebSession, _hash(session_id))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
