"""The front-end readers by transaction set (ST01), and their tables over the files of a run.

`files.py` hands every 999, 277 and 271 set to `FRONT_END_READERS[ST01]`; the rows of one file are
validated by `FrontEndRows.frames`, those of a run concatenated by `combine_front_end`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.frontend_tables import FRONT_END_SCHEMAS, FrontEndRows, empty_front_end
from denial_ml.ingest.x271 import map_271
from denial_ml.ingest.x277 import map_277
from denial_ml.ingest.x999 import map_999
from denial_ml.schemas import validate_schema

__all__ = ["FRONT_END_KINDS", "FRONT_END_READERS", "FRONT_END_TABLES", "FrontEndRows", "combine_front_end"]

Reader = Callable[[TransactionSet, str, FrontEndRows], None]

FRONT_END_READERS: dict[str, Reader] = {"999": map_999, "277": map_277, "271": map_271}
"""ST01 -> the reader of that transaction set."""

FRONT_END_KINDS = frozenset(FRONT_END_READERS)
FRONT_END_TABLES = tuple(FRONT_END_SCHEMAS)


def combine_front_end(parts: Iterable[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The front-end tables of many files, one frame per table (empty ones where no file gave rows)."""
    parts = list(parts)
    combined = {}
    for table in FRONT_END_TABLES:
        frames = [p[table] for p in parts if table in p and len(p[table])]
        combined[table] = (
            validate_schema(FRONT_END_SCHEMAS[table], pd.concat(frames, ignore_index=True))
            if frames
            else empty_front_end(table)
        )
    return combined
