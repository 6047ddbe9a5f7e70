"""Column-wise row accumulators: appending to lists is what keeps the mapping loop fast."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import pandas as pd

_consume = deque[Any](maxlen=0).extend  # runs an iterator to its end in C


class Columns:
    """Rows of one table kept as one list per column, with rollback to a mark (a rejected claim)."""

    def __init__(self, names: Sequence[str]):
        self.names = tuple(names)
        self.lists: tuple[list[Any], ...] = tuple([] for _ in self.names)

    def add(self, *values: Any) -> None:
        """Append one row (values in column order)."""
        if len(values) != len(self.lists):
            raise ValueError(f"a row of {len(values)} values for {len(self.lists)} columns {self.names}")
        # One C-level loop instead of a Python one: this runs once per mapped row.
        _consume(map(list.append, self.lists, values))

    def __len__(self) -> int:
        return len(self.lists[0])

    def truncate(self, length: int) -> None:
        """Drop every row after the first `length` (undo a rejected claim)."""
        for column in self.lists:
            del column[length:]

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (plain object/float columns; schemas coerce the dtypes)."""
        return pd.DataFrame(dict(zip(self.names, self.lists, strict=True)))


def to_dates(values: pd.Series) -> pd.Series:
    """CCYYMMDD strings (already checked) to datetime64; empty or None gives NaT."""
    return pd.to_datetime(values.where(values.astype(bool), None), format="%Y%m%d", errors="coerce")
