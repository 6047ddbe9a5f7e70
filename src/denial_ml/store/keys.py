"""API keys: issued once in plaintext, stored as a salted SHA-256 hash, found by a public prefix.

A token looks like `dml_<prefix>_<secret>`. The secret has 256 random bits, so a fast salted hash is as safe
as a slow one here and keeps per-request authentication cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from denial_ml.store.errors import InvalidUpdate, UnknownKey
from denial_ml.store.models import ROLES, ApiKey, utcnow
from denial_ml.store.text import check_text

TOKEN_PREFIX = "dml"


@dataclass(frozen=True)
class IssuedKey:
    """A new key; `token` is the only copy of the secret (hidden from repr so it stays out of logs)."""

    id: int
    owner: str
    role: str
    token: str = field(repr=False)


def hash_secret(secret: str, salt: str) -> str:
    """`sha256$<salt>$<hex digest>` of the salted secret."""
    digest = hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def _verify(secret: str, stored: str) -> bool:
    scheme, salt, _ = stored.split("$", 2)
    return scheme == "sha256" and hmac.compare_digest(hash_secret(secret, salt), stored)


def create_key(session: Session, owner: str, role: str) -> IssuedKey:
    """Issue a key for `owner` with `role` (biller, appeals or admin); the caller commits.

    Raises:
        InvalidUpdate: for an empty owner or an unknown role.
    """
    owner = (check_text("owner", owner) or "").strip()
    if not owner:
        raise InvalidUpdate("API key owner is empty")
    if role not in ROLES:
        raise InvalidUpdate(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(prefix=prefix, owner=owner, role=role, key_hash=hash_secret(secret, secrets.token_hex(16)))
    session.add(key)
    session.flush()
    return IssuedKey(id=key.id, owner=owner, role=role, token=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def authenticate(session: Session, token: str) -> tuple[str, str] | None:
    """`(owner, role)` of a valid, unrevoked token, else None (malformed, unknown, wrong or revoked).

    Raises:
        InvalidText: for a token with a control character (no key has one).
    """
    check_text("api_key", token)
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    # The four columns, not the ORM object: this runs on every request, and loading the object costs ~4x more.
    columns = (ApiKey.owner, ApiKey.role, ApiKey.key_hash, ApiKey.revoked_at)
    key = session.execute(select(*columns).where(ApiKey.prefix == parts[1])).first()
    if key is None or key.revoked_at is not None or not _verify(parts[2], key.key_hash):
        return None
    return key.owner, key.role


def revoke_key(session: Session, key_id: int) -> ApiKey:
    """Revoke key `key_id` (revoking twice keeps the first time); the caller commits.

    Raises:
        UnknownKey: when there is no such key.
    """
    key = session.get(ApiKey, key_id)
    if key is None:
        raise UnknownKey(f"no API key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key (hashes included, never secrets), oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
