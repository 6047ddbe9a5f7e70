"""The codes of an index keyed by composite keys (`denial_ml.features.composite`): sorted integers, not strings.

`CompositeCodes` answers a batch's `Composite` keys by integer search, and reads as the same `Mapping[str, int]`
as `KeyCodes` (the one-claim path looks its string keys up one by one; saving writes the keys' strings, so the
saved index is the one the string keys gave).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from denial_ml.features.composite import DICT_UP_TO, FEW_ROWS, SEP, Composite, Layout, integers, layout
from denial_ml.features.key_codes import FEW, KeyCodes, encode

Ranker = Callable[[str, int], int]  # (text, missing) -> the text's rank among a part's values, else `missing`


def ranker(values: np.ndarray, last: bool) -> Ranker:
    """The rank of a key part's text among the part's sorted `values` (which end with `SEP` unless the part is the
    key's `last`): a dict's `get` for a part of a few values, else a binary search that remembers its last answer
    (the keys a claim asks of one index share their patient)."""
    cut = 0 if last else len(SEP)
    if len(values) <= DICT_UP_TO:
        listed = values.tolist()
        return {v[: len(v) - cut]: i for i, v in enumerate(listed) if last or v.endswith(SEP)}.get
    memo: list[tuple[str | None, int]] = [(None, -1)]  # replaced whole: a concurrent reader sees a matching pair

    def rank(text: str, missing: int) -> int:
        seen, found = memo[0]
        if text != seen:
            value = text if last else text + SEP
            # NumPy's search (a third of a bisection's cost) orders texts as Python does, but for trailing NULs,
            # which its strings drop.
            padded = value.endswith("\x00")
            pos = bisect_left(values, value) if padded else int(values.searchsorted(value))  # type: ignore[call-overload]
            found = pos if pos < len(values) and values[pos] == value else -1
            memo[0] = (text, found)
        return missing if found < 0 else found

    return rank


class CompositeCodes(Mapping[str, int]):
    """Key -> code of composite keys: the code is the key's position among `ints`, the sorted key integers.

    Args:
        lay: How a key's parts make its integer. ints: The index's key integers, sorted, distinct.
    """

    def __init__(self, lay: Layout, ints: np.ndarray) -> None:
        self.layout = lay
        self.ints = ints
        self._groups: dict[int, tuple[list[int], list[Ranker]]] = {}
        self._tag_groups = {t: g for g, t in enumerate(lay.tags)} if lay.tags != (None,) else None

    def lookup_composite(self, c: Composite) -> np.ndarray | None:
        """The code of each row's key (-1 when unknown), None when the composite's groups are not the layout's."""
        ints = integers(self.layout, c)
        if ints is None:
            return None
        if len(ints) <= FEW_ROWS:  # a claim's keys: one search of each (hashing them costs more than that)
            return self._search(ints)
        row, distinct = pd.factorize(ints)  # one search per distinct key
        return self._search(np.asarray(distinct, dtype=np.int64))[row]

    def _search(self, ints: np.ndarray) -> np.ndarray:
        if not len(self.ints):
            return np.full(len(ints), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ints, ints), len(self.ints) - 1)
        return np.where((self.ints[pos] == ints) & (ints >= 0), pos, -1).astype(np.int64)

    def strings(self) -> list[str]:
        """Every key's string, in code order (a Python string a key: for saving and checks, not for lookups)."""
        lay, out = self.layout, []
        group = self.ints >> lay.shift
        for g, values in enumerate(lay.vocab):
            within = self.ints[group == g] & ((1 << lay.shift) - 1)
            columns = []
            for part, radix in zip(values[::-1], lay.radices(g)[::-1], strict=True):
                columns.append(part[within % radix].tolist())
                within = within // radix
            tag = lay.tags[g]
            prefix = [] if tag is None else [[tag + SEP] * len(within)]
            out += list(map("".join, zip(*prefix, *columns[::-1], strict=True)))
        return out

    def key_codes(self) -> KeyCodes:
        """The same codes as a `KeyCodes` of the keys' strings (what an index of string keys holds)."""
        return KeyCodes(encode(self.strings()))

    def lookup(self, keys: Sequence[str] | np.ndarray) -> np.ndarray:
        """The code of each string key, -1 when unknown."""
        if len(keys) <= FEW:
            return np.array([self._one(k) for k in keys], dtype=np.int64)
        return self.key_codes().lookup(keys)

    def codes_of(self, keys: Sequence[str]) -> list[int]:
        """The code of each string key, -1 when unknown (`get` of each, with one search for all of them: the
        one-claim path asks a few dozen keys of each index a request)."""
        values = [self._value(k) for k in keys]
        known = [v for v in values if v >= 0]
        if not known:
            return [-1] * len(values)
        ints, n = self.ints, len(self.ints)
        at = ints.item
        hits = {v: p for v, p in zip(known, ints.searchsorted(known).tolist(), strict=True) if p < n and at(p) == v}
        return [hits.get(v, -1) for v in values]

    def _group(self, g: int) -> tuple[list[int], list[Ranker]]:
        """Group `g`'s radices and the rank of a value of each of its parts (made on first use)."""
        held = self._groups.get(g)
        if held is None:
            vocab = self.layout.vocab[g]
            rankers = [ranker(v, j == len(vocab) - 1) for j, v in enumerate(vocab)]
            held = self._groups[g] = (self.layout.radices(g), rankers)
        return held

    def _value(self, key: str) -> int:
        """The integer `key` stands for in the layout, -1 when a part is not among its values."""
        parts = str(key).split(SEP)
        g = 0
        if self._tag_groups is not None:
            g = self._tag_groups.get(parts[0], -1)
            if g < 0:
                return -1
            del parts[0]
        radices, rankers = self._group(g)
        if len(parts) != len(radices):
            return -1
        value = 0
        for text, radix, rank_of in zip(parts, radices, rankers, strict=True):
            rank = rank_of(text, -1)
            if rank < 0:
                return -1
            value = value * radix + rank
        return value + (g << self.layout.shift)

    def _one(self, key: str) -> int:
        value = self._value(key)
        if value < 0:
            return -1
        pos = int(self.ints.searchsorted(value))
        return pos if pos < len(self.ints) and int(self.ints[pos]) == value else -1

    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        code = self._one(key)
        return default if code < 0 else code

    def __getitem__(self, key: str) -> int:
        code = self._one(key)
        if code < 0:
            raise KeyError(key)
        return code

    def __iter__(self) -> Iterator[str]:
        return iter(self.strings())

    def __len__(self) -> int:
        return len(self.ints)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._one(key) >= 0

    def items(self) -> ItemsView[str, int]:  # type: ignore[override]
        """Key, code pairs in code order (the strings made once, not looked up one by one)."""
        return dict(zip(self.strings(), range(len(self.ints)), strict=True)).items()


class CompositeRows:
    """Some rows of a `Composite`, as an index's event keys: `history.build_index` asks them for their codes
    (`index_codes`); anything else reads them as their joined strings (`np.asarray(rows, dtype=object)`).

    Args:
        keys: The composite. rows: Which of its rows are events (an index array, a mask or a slice).
    """

    def __init__(self, keys: Composite, rows: np.ndarray | slice = slice(None)) -> None:
        self.keys = keys
        self.rows = rows

    def __len__(self) -> int:
        return len(np.arange(len(self.keys))[self.rows])

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        joined = self.keys.joined()
        return np.asarray(joined.distinct, dtype=object)[joined.position[self.rows]]

    def index_codes(self) -> tuple[np.ndarray, CompositeCodes] | None:
        """Each event's code (its key's rank among the events' keys in sorted order) and the index's codes; None
        when the keys cannot be integers (`composite.layout`), and the index is built from their strings."""
        lay = layout(self.keys)
        ints = integers(lay, self.keys) if lay is not None else None
        if lay is None or ints is None:
            return None
        # Hash the events' integers once (pandas), then sort only the distinct ones: their rank is the code.
        row, distinct = pd.factorize(ints[self.rows])
        distinct = np.asarray(distinct, dtype=np.int64)
        order = np.argsort(distinct)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[row], CompositeCodes(lay, distinct[order])


FORMAT = 2  # `snapshot_parts.save_index` format of an index with composite codes (1: the keys' strings)


def to_arrays(codes: CompositeCodes) -> dict[str, np.ndarray]:
    """The codes as plain arrays for an `.npz` (no pickles): the key integers, the layout's tags and values."""
    lay = codes.layout
    tags = np.array([t for t in lay.tags if t is not None], dtype=str)
    out: dict[str, np.ndarray] = {
        "composite_format": np.array([FORMAT]),
        "composite_keys": codes.ints,
        "composite_shift": np.array([lay.shift]),
        "composite_tags": tags if len(tags) else np.array([], dtype="U1"),
        "composite_parts": np.array([len(v) for v in lay.vocab], dtype=np.int64),
    }
    for g, values in enumerate(lay.vocab):
        out |= {f"composite_vocab_{g}_{j}": v if len(v) else np.array([], dtype="U1") for j, v in enumerate(values)}
    return out


def from_arrays(data: Mapping[str, np.ndarray]) -> CompositeCodes | None:
    """The codes `to_arrays` wrote (None when the arrays hold none: an index saved with its keys' strings)."""
    if "composite_format" not in data:
        return None
    if int(data["composite_format"][0]) != FORMAT:
        raise ValueError(f"index format {int(data['composite_format'][0])} is not {FORMAT}")
    parts = data["composite_parts"].tolist()
    tags = data["composite_tags"].tolist()
    vocab = tuple(tuple(data[f"composite_vocab_{g}_{j}"] for j in range(n)) for g, n in enumerate(parts))
    lay = Layout(tuple(tags) if tags else (None,), vocab, int(data["composite_shift"][0]))
    return CompositeCodes(lay, data["composite_keys"])
