"""Settings of the web pages (prefix `DENIAL_ML_WEB_`): the session cookie's secret, lifetime and flags."""

from __future__ import annotations

import secrets

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Every field can be set as `DENIAL_ML_WEB_<FIELD>` (or in `.env`).

    Attributes:
        session_secret: Key that signs the session cookie. Unset, each process draws a random one: sessions
            then end when the service restarts and do not carry across `--workers` processes, so set it
            whenever more than one worker runs.
        cookie_secure: Send the cookie over HTTPS only. Turn off only for plain-HTTP tests on loopback.
        session_hours: Sign-in lifetime; after it the user signs in again.
    """

    model_config = SettingsConfigDict(env_prefix="DENIAL_ML_WEB_", env_file=".env", extra="ignore")

    session_secret: SecretStr | None = None
    cookie_secure: bool = True
    session_hours: float = 8.0

    def signing_key(self) -> str:
        """The configured secret, or a random one drawn now (the caller keeps it for the process)."""
        return self.session_secret.get_secret_value() if self.session_secret else secrets.token_urlsafe(32)
