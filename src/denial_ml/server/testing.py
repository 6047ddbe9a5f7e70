"""Helpers for tests and benchmarks of the pages: the service on a loopback port, a seeded worklist, and a
claim whose top reason is a missing authorization that is on file."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI

from denial_ml.modeling.bundle import Scorer
from denial_ml.service.testing import free_port
from denial_ml.service.validation import claims_payload
from denial_ml.store import WorklistStore
from denial_ml.store.testing import sample_items


@contextmanager
def serve_app(app: FastAPI, seconds: float = 30.0) -> Iterator[str]:
    """Run `app` under uvicorn in a thread on a free loopback port; yields its base URL, stops it after."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=seconds)


def seed_worklist(store: WorklistStore, n: int, in_progress: int = 0, seed: int = 0) -> None:
    """Store `n` sample items (`sample_items`) and move the `in_progress` highest-ranked to in_progress."""
    store.upsert_items(sample_items(n, seed=seed))
    if in_progress:
        page = store.list_items(limit=in_progress)
        for item in page.items:
            store.update_item(item.id, item.version, "seed", status="in_progress")


def _auth_candidates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Claims without an authorization number whose payer requires one for a billed code, with the number of
    an authorization on file that covers the code on the service date (claim_id, auth_number)."""
    claims, lines, auths = tables["claims"], tables["claim_lines"], tables["authorizations"]
    required = tables["payers"].set_index("payer_id")["auth_required_codes"].fillna("").str.split()
    missing = claims[claims["prior_auth_number"].isna()][["claim_id", "patient_id", "payer_id", "service_date_from"]]
    billed = missing.merge(lines[["claim_id", "procedure_code"]], on="claim_id")
    billed = billed[
        [
            code in required.get(payer, [])
            for code, payer in zip(billed["procedure_code"], billed["payer_id"], strict=True)
        ]
    ]
    on_file = billed.merge(auths, on=["patient_id", "payer_id"])
    covers = [
        f" {code} " in f" {codes} "
        for code, codes in zip(on_file["procedure_code"], on_file["procedure_codes"], strict=True)
    ]
    on_file = on_file[covers]
    on_file = on_file[
        (on_file["start_date"] <= on_file["service_date_from"]) & (on_file["service_date_from"] <= on_file["end_date"])
    ]
    return on_file.drop_duplicates("claim_id")[["claim_id", "auth_number"]]


def authorization_claim(
    tables: dict[str, pd.DataFrame], scorer: Scorer, tries: int = 300
) -> tuple[dict[str, Any], str]:
    """A claim (API payload, one to six lines) whose top factor is the missing authorization and whose risk drops
    most when the authorization on file is added; and that authorization's number.

    Raises:
        LookupError: when no such claim is among the `tries` most recent candidates.
    """
    from denial_ml.explain.explainer import Explainer
    from denial_ml.explain.whatif import Edits, what_if

    candidates = _auth_candidates(tables).tail(tries)
    n_lines = tables["claim_lines"].groupby("claim_id").size()
    candidates = candidates[candidates["claim_id"].map(n_lines).le(6)]
    claims = tables["claims"].set_index("claim_id").loc[candidates["claim_id"]].reset_index()
    lines = tables["claim_lines"][tables["claim_lines"]["claim_id"].isin(candidates["claim_id"])]
    explainer = Explainer(scorer)
    best: tuple[float, str, str] | None = None
    for row, explanation in zip(candidates.itertuples(), explainer.explain(claims, lines), strict=True):
        factors = explanation["factors"]
        if not factors or factors[0]["factor"] != "authorization":
            continue
        claim_lines = lines[lines["claim_id"] == row.claim_id]
        change = what_if(
            explainer, claims[claims["claim_id"] == row.claim_id], claim_lines, Edits(prior_auth_number=row.auth_number)
        )
        if best is None or change["risk_change"] < best[0]:
            best = (change["risk_change"], row.claim_id, row.auth_number)
    if best is None or best[0] >= 0:
        raise LookupError("no claim lacking an authorization on file has it as its top factor")
    claim = claims[claims["claim_id"] == best[1]]
    return claims_payload(claim, lines[lines["claim_id"] == best[1]])[0], best[2]


@dataclass
class Site:
    """An app over a seeded store and a world folder, with one key per role (`<role>-user`)."""

    app: FastAPI
    store: WorklistStore
    keys: dict[str, str]
    data_dir: Path


@contextmanager
def model_site(
    folder: Path,
    tables: dict[str, pd.DataFrame],
    bundle: Path,
    scorer: Scorer,
    items: int = 300,
    in_progress: int = 5,
    cookie_secure: bool = False,
) -> Iterator[Site]:
    """The service with the pages, serving `bundle`, its worklist (SQLite in `folder`) seeded with `items`
    sample items, its tracking page reading `tables` (written to `folder/world`).

    `cookie_secure=False` lets HTTP test clients keep the session; browsers keep a Secure cookie from
    http://127.0.0.1 (a loopback origin counts as secure)."""
    from denial_ml.data.io import write_tables
    from denial_ml.schemas import TABLES
    from denial_ml.server.app import create_app
    from denial_ml.service.testing import issue_keys, make_services
    from denial_ml.store.testing import migrated_database
    from denial_ml.web.settings import WebSettings
    from denial_ml.web.state import make_state

    world = folder / "world"
    write_tables({k: v for k, v in tables.items() if k in TABLES}, world, validate=False)
    with migrated_database("sqlite", folder) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        seed_worklist(store, items, in_progress=in_progress)
        services = make_services(store, bundle, scorer)
        services.settings = services.settings.model_copy(update={"data_dir": world})
        app = create_app(services=services)
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=cookie_secure))  # type: ignore[arg-type]
        try:
            yield Site(app=app, store=store, keys=keys, data_dir=world)
        finally:
            store.close()
