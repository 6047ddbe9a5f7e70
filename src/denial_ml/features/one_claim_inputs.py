"""One claim's fields as plain Python values, and history lookups for a handful of keys at once.

The inputs of `denial_ml.features.one_claim`: the same conversions as `denial_ml.features.arrays`' record path
(strings "" when missing, float day numbers NaN when missing, a line's missing day as NaT's integer), kept as
scalars instead of arrays of one value. `before` answers `HistoryIndex.before` for a list of (key, day) queries
with one `searchsorted`, returning Python floats (the same differences of the same running sums).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from denial_ml.features.arrays import CLAIM_DAYS, CLAIM_TEXT, MODS, day_number, diagnosis_texts
from denial_ml.features.arrays import _text as text
from denial_ml.features.auth_practice import learnt_requirement
from denial_ml.features.history import DAY_BITS, HistoryIndex, smoothed_rate
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


@dataclass(frozen=True)
class Found:
    """Answers of `search`: each query's index code (-1 unseen) and, for the known ones, where its events start
    and where its day falls among them."""

    known: list[int]  # positions of the queries whose key the index has
    pos: np.ndarray  # per known query: first event at or after (key, day)
    start: np.ndarray  # per known query: first event of its key


def search(index: HistoryIndex, keys: Sequence[str], days: Sequence[int]) -> Found:
    """Locate each (key, day) query in the index (one `searchsorted` for all of them)."""
    get = index.codes.get
    codes = [get(k, -1) for k in keys]
    known = [i for i, c in enumerate(codes) if c >= 0]
    if not known:
        empty = np.zeros(0, dtype=np.int64)
        return Found(known, empty, empty)
    queries = [(codes[i] << DAY_BITS) | days[i] for i in known]
    pos = index.sorted_keys.searchsorted(queries, side="left")
    return Found(known, pos, index.starts[[codes[i] for i in known]])


def before(index: HistoryIndex, keys: Sequence[str], days: Sequence[int]) -> list[dict[str, float]]:
    """`HistoryIndex.before` of each (key, day) query: `n` and each value's sum over the key's events strictly
    before the day (zeros for an unseen key), as Python floats."""
    found = search(index, keys, days)
    names = ("n", *index.value_names)
    out = [dict.fromkeys(names, 0.0) for _ in keys]
    if found.known:
        counts = (found.pos - found.start).tolist()
        sums = (index.cumsums[found.pos] - index.cumsums[found.start]).tolist()
        for i, n, row in zip(found.known, counts, sums, strict=True):
            out[i] = dict(zip(names, [float(n), *row], strict=True))
    return out


def last_days(index: HistoryIndex, keys: Sequence[str], days: Sequence[int]) -> list[float]:
    """Day of each key's latest event strictly before the query's day, NaN when none (`slices.last_day_before`)."""
    found = search(index, keys, days)
    out = [np.nan] * len(keys)
    if found.known:
        pos, start = found.pos.tolist(), found.start.tolist()
        previous = index.sorted_keys[np.maximum(found.pos - 1, 0)].tolist()
        for i, p, s, key in zip(found.known, pos, start, previous, strict=True):
            if p > s:
                out[i] = float(key & _DAY_MASK)
    return out
