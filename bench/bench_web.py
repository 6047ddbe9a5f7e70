"""Benchmark: the worklist page (HTML) with 100,000 items in the store (target: at most 300 ms server time).

Run by hand:  .venv/bin/python bench/bench_web.py [--items 100000] [--repeats 30] [--postgres]

Fills a SQLite file in a temporary folder (or, with --postgres, a fresh schema on 127.0.0.1:5432, dropped
afterwards), signs an appeals user in and times `GET /ui/worklist` through the app in-process (FastAPI's
TestClient, no network): session check, key check, the store's count and page of 50, the filter menus and the
template. The figures include the test client's own overhead, so the server's share is a little smaller.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import create_schema, drop_schema, find_postgres, sample_items
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

PAGES: dict[str, str] = {
    "no filter": "/ui/worklist",
    "status=new": "/ui/worklist?status=new",
    "payer": "/ui/worklist?payer=P3",
    "payer+category": "/ui/worklist?payer=P3&category=medical_necessity",
    "due in 14 days": "/ui/worklist?deadline_within_days=14",
    "assignee": "/ui/worklist?assignee=ann",
    "status=new, page 100": "/ui/worklist?status=new&page=100",
    "one item's detail": "/ui/worklist/1",
}


def fill(store: WorklistStore, items: int) -> float:
    """Insert `items` sample items (a few hundred assigned to "ann"); seconds taken."""
    start = time.perf_counter()
    store.migrate()
    store.upsert_items(sample_items(items))
    for item in store.list_items(status="new", limit=300).items:
        store.update_item(item.id, item.version, "bench", status="in_progress", assignee="ann")
    store.optimize()
    return time.perf_counter() - start


def signed_in_client(store: WorklistStore) -> TestClient:
    """A client of the app over `store`, signed in as an appeals user."""
    app = create_app(services=make_services(store))
    app.state.web = make_state(WebSettings(session_secret="bench", cookie_secure=False))  # type: ignore[arg-type]
    client = TestClient(app)
    token = issue_keys(store)["appeals"]
    page = client.get("/ui/sign-in").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/ui/sign-in", data={"csrf_token": csrf, "api_key": token})
    return client


def time_pages(client: TestClient, repeats: int) -> None:
    """Print the first (cold) and the median time of every page."""
    print(f"{'page':<24}{'status':>7}{'first ms':>10}{'median ms':>11}{'max ms':>9}")
    for name, path in PAGES.items():
        start = time.perf_counter()
        first = client.get(path)
        cold = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{name:<24}{first.status_code:>7}{cold:>10.1f}{statistics.median(times):>11.1f}{max(times):>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="use the PostgreSQL server on 127.0.0.1:5432")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.postgres:
        base, reason = find_postgres()
        if base is None:
            raise SystemExit(f"no PostgreSQL: {reason}")
        schema, url = create_schema(base, "bench_web")
        try:
            run("PostgreSQL", url, args.items, args.repeats)
        finally:
            drop_schema(base, schema)
    else:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{Path(folder) / 'worklist.db'}", args.items, args.repeats)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def run(label: str, url: str, items: int, repeats: int) -> None:
    """Fill a store at `url` and time the pages against it."""
    store = WorklistStore(url)
    try:
        seconds = fill(store, items)
        print(f"{label}: {items:,} items stored in {seconds:.1f} s; {repeats} timed requests per page")
        time_pages(signed_in_client(store), repeats)
    finally:
        store.close()


if __name__ == "__main__":
    main()
