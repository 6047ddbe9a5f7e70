"""Helpers for tests and benchmarks of the service: services over a bundle and a store, keys, claim payloads."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pandas as pd

from denial_ml.config import Settings
from denial_ml.modeling.bundle import Scorer
from denial_ml.service.observability import Metrics
from denial_ml.service.serving import ModelHolder, load_bundle, serve_scorer
from denial_ml.service.state import Services
from denial_ml.service.validation import claims_payload
from denial_ml.store import WorklistStore


def make_services(store: WorklistStore, bundle: Path | None = None, scorer: Scorer | None = None) -> Services:
    """Services over `store` serving `bundle` (or an already loaded `scorer` of it); no model when None."""
    settings = Settings(api_bundle_dir=bundle, worklist_url=store.url, _env_file=None)  # type: ignore[call-arg]
    served = None
    if bundle is not None:
        # Reuse the caller's scorer when given: loading a bundle costs a second or two.
        source = f"bundle:{bundle}"
        served = serve_scorer(scorer, bundle, source) if scorer else load_bundle(bundle, source)
    metrics = Metrics()
    metrics.model_version = served.version if served else None
    return Services(settings=settings, models=ModelHolder(settings, served), store=store, metrics=metrics)


def issue_keys(store: WorklistStore) -> dict[str, str]:
    """One key per role, owned by `<role>-user`: role -> token."""
    return {role: store.create_key(f"{role}-user", role).token for role in ("biller", "appeals", "admin")}


def world_claims(tables: dict[str, pd.DataFrame], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` claims of a world, drawn at random, as API payloads."""
    claims = tables["claims"].sample(n=n, random_state=seed)
    lines = tables["claim_lines"]
    return claims_payload(claims, lines[lines["claim_id"].isin(claims["claim_id"])])


def private_values(tables: dict[str, pd.DataFrame], payloads: list[dict[str, Any]]) -> list[str]:
    """Member ids of the payloads and their patients' birth dates (ISO), which logs must never carry."""
    patients = tables["patients"].set_index("patient_id")["birth_date"]
    values = [p["member_id"] for p in payloads if p.get("member_id")]
    for p in payloads:
        birth = patients.get(p["patient_id"])
        if birth is not None and not pd.isna(birth):
            values.append(pd.Timestamp(birth).date().isoformat())
    return values


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_scope(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """An ASGI HTTP scope for calling `app` directly (tests of middleware that must decide before the body)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }
