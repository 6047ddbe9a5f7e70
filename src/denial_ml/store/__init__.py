"""The appeal worklist database: models, status machine, store, API keys and migrations."""

from denial_ml.store.errors import (
    IllegalTransition,
    InvalidItems,
    InvalidUpdate,
    StaleVersion,
    StoreError,
    UnknownItem,
    UnknownKey,
    UnknownStatus,
)
from denial_ml.store.items import upsert_items
from denial_ml.store.migrate import upgrade_database
from denial_ml.store.text import InvalidText
from denial_ml.store.worklist import WorklistStore

__all__ = [
    "IllegalTransition",
    "InvalidItems",
    "InvalidText",
    "InvalidUpdate",
    "StaleVersion",
    "StoreError",
    "UnknownItem",
    "UnknownKey",
    "UnknownStatus",
    "WorklistStore",
    "upgrade_database",
    "upsert_items",
]
