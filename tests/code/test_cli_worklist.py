"""`denial-ml worklist show|set|refresh` and `denial-ml keys create|list|revoke` on a SQLite worklist."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli.worklist import register
from denial_ml.jobs.worklist_text import top_reason
from denial_ml.store import WorklistStore
from denial_ml.store.testing import sample_items


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'worklist.db'}"
    store = WorklistStore(url)
    store.migrate()
    store.upsert_items(sample_items(40))
    store.close()
    return url


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args))


def test_show_prints_the_top_items_in_order(app, db):
    result = run(app, "worklist", "show", "--top", "5", "--route", "appeal", "--db", db)
    assert result.exit_code == 0, result.output
    store = WorklistStore(db)
    expected = store.list_items(route="appeal", limit=5)
    store.close()
    assert f"items 1-5 of {expected.total}" in result.output
    positions = [result.output.index(item.claim_id) for item in expected.items]
    assert positions == sorted(positions)
    # Each item's largest factor, "+" when it raises P(overturn) (the cell wraps the rest of the sentence).
    assert "top reason" in result.output and result.output.count("+ Coding denials of this") == 5


def test_top_reason_is_the_first_factors_sentence_with_its_sign():
    factor = {"factor": "appeal_window", "direction": "lowers", "sentence": "Acme allows 60 days to appeal."}
    assert top_reason([factor, {**factor, "sentence": "other"}]) == "- Acme allows 60 days to appeal."
    assert top_reason([{**factor, "direction": "raises"}]) == "+ Acme allows 60 days to appeal."
    # Items stored before factors had sentences, and items without factors, show no reason.
    assert top_reason([{"factor": "days_left", "value": 12}]) == top_reason([]) == top_reason(None) == ""


def test_show_filters_by_payer_and_category(app, db):
    result = run(app, "worklist", "show", "--payer", "P3", "--category", "coding", "--db", db)
    store = WorklistStore(db)
    expected = store.list_items(payer="P3", category="coding")
    store.close()
    assert result.exit_code == 0 and f"of {expected.total}," in result.output


def test_show_refuses_an_unknown_status_and_a_missing_database(app, db, tmp_path):
    result = run(app, "worklist", "show", "--status", "done", "--db", db)
    assert result.exit_code == 2 and "unknown status 'done'" in result.output
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    result = run(app, "worklist", "show", "--db", missing)
    assert result.exit_code == 2 and "run `denial-ml worklist build` first" in result.output
    assert not (tmp_path / "none.db").exists()


def test_set_changes_status_and_records_the_actor(app, db):
    result = run(app, "worklist", "set", "3", "--status", "in_progress", "--assignee", "ann", "--note", "hi",
                 "--actor", "ann", "--db", db)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "status new -> in_progress, assignee - -> ann, version 2" in result.output
    store = WorklistStore(db)
    item = store.get_item(3)
    store.close()
    assert [(h.actor, h.field) for h in item.history] == [
        ("ann", "status"),
        ("ann", "assignee"),
        ("ann", "note"),
    ]


def test_set_refuses_illegal_moves_and_stale_versions(app, db):
    result = run(app, "worklist", "set", "3", "--status", "upheld", "--actor", "ann", "--db", db)
    assert result.exit_code == 2
    assert "cannot move item 3 from 'new' to 'upheld'; allowed:" in result.output
    result = run(app, "worklist", "set", "3", "--note", "x", "--version", "9", "--actor", "ann", "--db", db)
    assert result.exit_code == 2 and "is at version 1, not 9" in result.output
    result = run(app, "worklist", "set", "999", "--note", "x", "--actor", "ann", "--db", db)
    assert result.exit_code == 2 and "no worklist item with id 999" in result.output


def test_keys_create_list_revoke(app, tmp_path):
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    result = run(app, "keys", "create", "--role", "appeals", "--owner", "ann", "--db", db)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    store = WorklistStore(db)
    assert store.authenticate(token) == ("ann", "appeals")
    listed = run(app, "keys", "list", "--db", db)
    assert "1\tann\tappeals" in listed.output and token not in listed.output
    assert run(app, "keys", "revoke", "1", "--db", db).exit_code == 0
    assert store.authenticate(token) is None
    store.close()
    bad = run(app, "keys", "create", "--role", "boss", "--owner", "ann", "--db", db)
    assert bad.exit_code == 2 and "unknown role 'boss'" in bad.output


def test_refresh_routes_appeals_past_their_deadline_and_says_how_many(app, db):
    import datetime as dt

    store = WorklistStore(db)
    later = dt.date.today() + dt.timedelta(days=30)
    due = [i for i in store.list_items(route="appeal", limit=100).items if i.appeal_deadline < later]
    store.close()
    result = run(app, "worklist", "refresh", "--today", later.isoformat(), "--db", db)
    assert result.exit_code == 0, result.output
    assert f"{len(due)} appeal(s) past their deadline on {later} routed to write off" in result.output
    store = WorklistStore(db)
    assert all(store.get_item(i.id).route == "write_off" for i in due)
    store.close()
    bad = run(app, "worklist", "refresh", "--today", "soon", "--db", db)
    assert bad.exit_code != 0 and "--today must be a date YYYY-MM-DD, got 'soon'" in bad.output
