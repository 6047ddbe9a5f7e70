"""One claim's fields as plain Python values, and history lookups for a handful of keys at once.

The inputs of `denial_ml.features.one_claim`: the same conversions as `denial_ml.features.arrays`' record path
(strings "" when missing, float day numbers NaN when missing, a line's missing day as NaT's integer), kept as
scalars instead of arrays of one value. `before` answers `HistoryIndex.before` for a list of (key, day) queries
with one `searchsorted`, returning Python floats (the same differences of the same running sums).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import sub
from typing import Any, NamedTuple, cast

import numpy as np

from denial_ml.features.arrays import CLAIM_DAYS, CLAIM_TEXT, MODS, day_number, diagnosis_texts
from denial_ml.features.arrays import text_of as text
from denial_ml.features.auth_practice import learnt_requirement
from denial_ml.features.composite_codes import CompositeCodes
from denial_ml.features.history import DAY_BITS, HistoryIndex, smoothed_rate
from denial_ml.features.key_codes import KeyCodes
from denial_ml.features.revenue_lines import revenue_key

MISSING_DAY = int(np.iinfo(np.int64).min)  # a line without a service day, as `arrays` stores it
_DAY_MASK = (1 << DAY_BITS) - 1
# The batch's formulas (typed for arrays) applied to Python floats: one definition of each for both paths.
smoothed = cast(Callable[[float, float, float, float], float], smoothed_rate)
learnt_rule = cast(Callable[[float, float], bool], learnt_requirement)


@dataclass(frozen=True)
class ClaimFields:
    """The header fields the features read (names as `ClaimArrays`'), one claim's values."""

    claim_id: str
    payer: str
    patient: str
    member: str
    provider: str
    claim_type: str
    pos: str
    eligibility_status: str
    frequency: str
    auth_number: str
    service_day: float
    submit_day: float
    check_day: float
    dx_text: str
    eligibility_checked: float
    charge: float


@dataclass(frozen=True)
class LineFields:
    """The line fields the features read (as `LineArrays`'), one line's values."""

    code: str  # procedure code, else the revenue family key
    mods: tuple[str, ...]  # modifiers 1-4, "" when absent
    units: float
    pointers: str
    service_day: int  # `MISSING_DAY` when missing


def _float(value: object) -> float:
    # As `np.array([value], dtype=float)`: None becomes NaN.
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


def claim_fields(record: dict) -> ClaimFields:
    """The header fields of a claim record (keyed by the `claims` columns, None when missing)."""
    texts: dict[str, Any] = {name: text(record.get(col)) for name, col in CLAIM_TEXT}
    days: dict[str, Any] = {name: day_number(record.get(col)) for name, col in CLAIM_DAYS}
    dx = text(record.get("diagnosis_codes"))
    return ClaimFields(
        **texts,
        **days,
        dx_text=str(diagnosis_texts(np.array([dx], dtype=object))[0]),
        eligibility_checked=float(bool(record.get("eligibility_checked"))),
        charge=_float(record.get("total_charge")),
    )


def line_fields(line: dict) -> LineFields:
    """The fields of a line record (keyed by the `claim_lines` columns, None when missing)."""
    day = day_number(line.get("service_date"))
    return LineFields(
        code=text(line.get("procedure_code")) or revenue_key(line.get("revenue_code")),
        mods=tuple(text(line.get(m)) for m in MODS),
        units=_float(line.get("units")),
        pointers=text(line.get("diagnosis_pointers")),
        service_day=MISSING_DAY if day != day else int(day),
    )


ROW_BY_ROW_UP_TO = 4  # queries: up to this many, a row each costs less than one gather of all rows


class Found(NamedTuple):
    """Answers of `search`: for the queries whose key the index has, where the key's events start and where the
    query's day falls among them (Python ints: one NumPy call for all queries, then plain arithmetic)."""

    known: list[int]  # positions of the queries whose key the index has
    pos: list[int]  # per known query: first event at or after (key, day)
    start: list[int]  # per known query: first event of its key


def key_codes(index: HistoryIndex, keys: Sequence[str]) -> list[int]:
    """The index's code of each key, -1 when unseen (composite codes: one search for all the keys)."""
    codes = index.codes
    kind = type(codes)  # not `isinstance`: a check against a `Mapping` subclass costs a microsecond
    if kind is CompositeCodes:
        return cast(CompositeCodes, codes).codes_of(keys)
    get = cast(KeyCodes, codes).getter() if kind is KeyCodes else codes.get
    return [get(key, -1) for key in keys]


def search(index: HistoryIndex, keys: Sequence[str], days: Sequence[int]) -> Found:
    """Locate each (key, day) query in the index (one `searchsorted` for all of them)."""
    return search_codes(index, key_codes(index, keys), days)


def search_codes(index: HistoryIndex, codes: Sequence[int], days: Sequence[int]) -> Found:
    """`search` of keys already coded (`key_codes`: a key asked on several days is looked up once)."""
    first = index.starts.item
    known, queries, starts = [], [], []
    for i, (code, day) in enumerate(zip(codes, days, strict=True)):
        if code >= 0:
            known.append(i)
            queries.append((code << DAY_BITS) | day)
            starts.append(first(code))
    if not known:
        return Found(known, [], [])
    return Found(known, index.sorted_keys.searchsorted(queries).tolist(), starts)


def rows(index: HistoryIndex, keys: Sequence[str], days: Sequence[int]) -> list[list[float]]:
    """`HistoryIndex.before` of each (key, day) query as a row: the count `n`, then each value's sum (the order of
    `index.value_names`; `column` finds one) over the key's events strictly before the day, zeros for an unseen
    key. Python floats: the same differences of the same running sums. The rows are read-only (unseen keys share
    one)."""
    return found_rows(index, len(keys), search(index, keys, days))


def found_rows(index: HistoryIndex, n_queries: int, found: Found) -> list[list[float]]:
    """`rows` of `n_queries` queries that `search` or `search_codes` located."""
    known, pos, start = found
    out = [[0.0] * (len(index.value_names) + 1)] * n_queries
    cumsums = index.cumsums
    if len(index.value_names) == 1:  # most indexes: each query's two running sums read as scalars, no row views
        at = cumsums.item
        for i, p, s in zip(known, pos, start, strict=True):
            out[i] = [float(p - s), at(p, 0) - at(s, 0)]
        return out
    if len(known) > ROW_BY_ROW_UP_TO:
        sums = cumsums[pos + start].tolist()
        now, then = sums[: len(known)], sums[len(known) :]
    else:
        now, then = [cumsums[p].tolist() for p in pos], [cumsums[s].tolist() for s in start]
    for i, p, s, a, b in zip(known, pos, start, now, then, strict=True):
        out[i] = [float(p - s), *map(sub, a, b)]
    return out


def column(index: HistoryIndex, name: str) -> int:
    """Where `rows` puts the value `name` ("n": the count)."""
    return 0 if name == "n" else 1 + index.value_names.index(name)


def before(index: HistoryIndex, key: str, day: int) -> dict[str, float]:
    """`rows` of one query, by name."""
    return dict(zip(("n", *index.value_names), rows(index, [key], [day])[0], strict=True))


def found_last_days(index: HistoryIndex, n_queries: int, found: Found) -> list[float]:
    """Day of each key's latest event strictly before its query's day, NaN when none (`slices.last_day_before`),
    for the first `n_queries` queries `search` or `search_codes` located (a search of more queries, for
    `found_rows`, answers these too)."""
    out = [np.nan] * n_queries
    key_at = index.sorted_keys.item
    for i, pos, start in zip(found.known, found.pos, found.start, strict=True):
        if i < n_queries and pos > start:
            out[i] = float(key_at(pos - 1) & _DAY_MASK)
    return out
