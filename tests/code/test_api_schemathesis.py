"""Schemathesis against the service's own OpenAPI schema: no 5xx, every response conforms to its schema.

Bounded to 25 generated cases per operation, valid and invalid (about 230 in all). Every check runs on every
operation, including `positive_data_acceptance` (a schema-valid request must not get a 422; 404 and 409 for an
item that does not exist or a move the status machine refuses are allowed). The claim operations pass it because
rules a static schema cannot state (a payer the served model knows, unique line numbers and claim ids, edits of
lines the claim has) are answered in a 200: a batch lists such claims in `rejected`, a what-if in `errors`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from denial_ml.config import Settings
from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database, sample_items

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
ROLE_BY_PREFIX = (("/v1/claims", "biller"), ("/v1/worklist", "appeals"), ("/v1/outcomes", "appeals"))


# The schema is static (no model or store needed to build it), so it is read at collection; the model and the
# store are put into the app by the fixture below. (`schemathesis.pytest.from_fixture` fails under pytest 9.)
# Reading it starts the app's lifespan, which opens a store: a private one per process, so two test workers
# collecting at once never migrate the same file (nor the checkout's own worklist.db, nor its models folder).
_PRIVATE = Path(tempfile.mkdtemp(prefix="schemathesis-collect-"))
APP = create_app(
    Settings(_env_file=None, worklist_url=f"sqlite:///{_PRIVATE / 'worklist.db'}", models_dir=_PRIVATE / "models")
)
# Valid and invalid requests, generated (the coverage phase's thousand-odd boundary cases are left out: a few
# hundred cases in all keep the test at seconds).
CONFIG = {"generation": {"mode": "all"}, "phases": {"coverage": {"enabled": False}}}
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=SchemathesisConfig.from_dict(CONFIG))


@pytest.fixture(scope="module")
def keys(trained, tmp_path_factory):
    """Serve the trained bundle over a fresh SQLite worklist; one API key per role."""
    result, scorer = trained
    with migrated_database("sqlite", tmp_path_factory.mktemp("schemathesis")) as url:
        store = WorklistStore(url)
        store.upsert_items(sample_items(30, seed=5))
        APP.state.services = make_services(store, result.bundle, scorer)
        yield issue_keys(store)
        del APP.state.services
        store.close()


def role_for(path: str) -> str:
    """The role whose key the operation at `path` needs (admin for models, and for open routes)."""
    return next((role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix)), "admin")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_service_honours_its_openapi_schema(case, keys):
    case.call_and_validate(headers={"X-API-Key": keys[role_for(case.path)]})
