"""`/metrics` labels come from closed sets: invented methods and unknown paths do not add series."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database


def test_invented_methods_and_paths_fold_into_one_label(tmp_path):
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        client = TestClient(create_app(services=make_services(store)))
        for i in range(40):
            client.request(f"INVENTED{i}", "/health/live")
            client.get(f"/no/such/path/{i}")
        text = client.get("/metrics").text
        store.close()
    methods = set(re.findall(r'denial_ml_http_requests_total\{method="([^"]*)"', text))
    routes = set(re.findall(r'denial_ml_http_requests_total\{[^}]*route="([^"]*)"', text))
    assert "INVENTED1" not in text and "/no/such/path" not in text
    assert methods == {"GET", "other"}
    assert routes == {"/health/live", "unmatched"}
