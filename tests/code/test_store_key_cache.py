"""The API-key cache: successes trusted for a while, revocation through the store at once, elsewhere within the TTL."""

from __future__ import annotations

from sqlalchemy import update

from denial_ml.store.key_cache import KeyCache
from denial_ml.store.models import ApiKey
from denial_ml.store.worklist import WorklistStore


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_success_is_kept_for_its_seconds_then_forgotten():
    clock = Clock()
    cache = KeyCache(5.0, clock=clock)
    cache.put("dml_ab_secret", ("ann", "biller"))

    clock.now = 104.9
    assert cache.get("dml_ab_secret") == ("ann", "biller")
    assert cache.get("dml_ab_other") is None
    clock.now = 105.0
    assert cache.get("dml_ab_secret") is None
    assert len(cache) == 0


def test_the_cache_keeps_no_token_text_and_at_most_size_keys():
    cache = KeyCache(60.0, size=2, clock=Clock())
    for name in ("a", "b", "c"):
        cache.put(f"dml_{name}_secret", (name, "biller"))

    assert len(cache) == 2
    assert cache.get("dml_a_secret") is None  # the least recently used went first
    assert cache.get("dml_c_secret") == ("c", "biller")
    assert not any("secret" in repr(k) for k in cache._kept)


def test_zero_seconds_keeps_nothing():
    cache = KeyCache(0.0)
    cache.put("dml_ab_secret", ("ann", "biller"))
    assert cache.get("dml_ab_secret") is None and len(cache) == 0


def test_the_store_answers_from_the_cache_and_a_revocation_through_it_ends_the_key(tmp_path):
    store = WorklistStore(f"sqlite:///{tmp_path / 'w.db'}", key_cache_seconds=60.0)
    store.migrate()
    issued = store.create_key("ann", "biller")
    assert store.authenticate(issued.token) == ("ann", "biller")
    assert store.authenticate(issued.token + "x") is None  # failures are looked up each time, never kept
    assert len(store.key_cache) == 1

    with store.sessions.begin() as session:  # another process changes the key in the database
        session.execute(update(ApiKey).where(ApiKey.id == issued.id).values(role="admin"))
    assert store.authenticate(issued.token) == ("ann", "biller")  # trusted until its seconds pass

    store.revoke_key(issued.id)
    assert store.authenticate(issued.token) is None
    store.close()


def test_a_store_without_a_cache_looks_every_key_up(tmp_path):
    store = WorklistStore(f"sqlite:///{tmp_path / 'w.db'}")
    store.migrate()
    issued = store.create_key("ann", "biller")
    assert store.authenticate(issued.token) == ("ann", "biller")
    with store.sessions.begin() as session:
        session.execute(update(ApiKey).where(ApiKey.id == issued.id).values(role="admin"))
    assert store.authenticate(issued.token) == ("ann", "admin")
    assert len(store.key_cache) == 0
    store.close()
