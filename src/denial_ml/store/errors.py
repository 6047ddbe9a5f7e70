"""Errors of the worklist store; each message names the item, field or value at fault."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every worklist-store error; the store is unchanged when one is raised."""


class UnknownItem(StoreError, LookupError):  # noqa: N818 (names from the issue)
    """No worklist item has the given id or claim id."""


class UnknownStatus(StoreError, ValueError):  # noqa: N818 (names from the issue)
    """A status that is not one of `denial_ml.store.status.STATUSES`."""


class IllegalTransition(StoreError, ValueError):  # noqa: N818 (names from the issue)
    """A status change the status machine does not allow."""


class StaleVersion(StoreError):  # noqa: N818 (names from the issue)
    """The item changed since the caller read it (optimistic-locking conflict)."""


class InvalidUpdate(StoreError, ValueError):  # noqa: N818 (names from the issue)
    """An update, outcome or key request with missing or malformed arguments."""


class InvalidItems(StoreError, ValueError):  # noqa: N818 (names from the issue)
    """A frame of worklist items that cannot be stored (missing column, bad value, duplicate claim)."""


class UnknownKey(StoreError, LookupError):  # noqa: N818 (names from the issue)
    """No API key has the given id."""
