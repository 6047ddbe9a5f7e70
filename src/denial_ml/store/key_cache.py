"""A short-lived cache of API keys that passed authentication, so that a busy service does not hash and look up the
same key on every request (0.3-0.4 ms of a one-claim request's ~1 ms outside scoring; issue #20).

Only successes are kept, under the key's SHA-256 (the token itself is never stored), each for `seconds`. A key
revoked through the same store is dropped at once (`forget_all`); one revoked by another process (the `keys` CLI
on the database) stops working within `seconds`: the price of the cache, which `seconds` = 0 turns off.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

Identity = tuple[str, str]  # (owner, role)


class KeyCache:
    """Authenticated keys remembered for `seconds` each, the `size` most recent at most.

    Args:
        seconds: How long a success is trusted; 0 or less keeps nothing.
        size: The most keys kept (the least recently used go first).
        clock: Seconds, monotonic (tests pass their own).
    """

    def __init__(self, seconds: float, size: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._kept: OrderedDict[bytes, tuple[float, Identity]] = OrderedDict()

    def get(self, token: str) -> Identity | None:
        """The identity a token authenticated as within the last `seconds`, else None."""
        if self.seconds <= 0:
            return None
        digest = _digest(token)
        found = self._kept.get(digest)
        if found is None:
            return None
        if self.clock() >= found[0]:
            del self._kept[digest]
            return None
        self._kept.move_to_end(digest)
        return found[1]

    def put(self, token: str, identity: Identity) -> None:
        """Remember that `token` authenticated as `identity` (nothing when the cache is off)."""
        if self.seconds <= 0:
            return
        digest = _digest(token)
        self._kept[digest] = (self.clock() + self.seconds, identity)
        self._kept.move_to_end(digest)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def forget_all(self) -> None:
        """Drop every remembered key (a key was revoked: which token it was is not known here)."""
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
