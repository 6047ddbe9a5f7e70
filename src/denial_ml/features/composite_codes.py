"""The codes of an index keyed by composite keys (`denial_ml.features.composite`): sorted integers, not strings.

`CompositeCodes` answers a batch's `Composite` keys by integer search, and reads as the same `Mapping[str, int]`
as `KeyCodes` (the one-claim path looks its string keys up one by one; saving writes the keys' strings, so the
saved index is the one the string keys gave).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from denial_ml.features.composite import FEW_ROWS, SEP, Composite, Layout, integers, layout
from denial_ml.features.key_codes import FEW, KeyCodes, encode


class CompositeCodes(Mapping[str, int]):
    """Key -> code of composite keys: the code is the key's position among `ints`, the sorted key integers.

    Args:
        lay: How a key's parts make its integer. ints: The index's key integers, sorted, distinct.
    """

    def __init__(self, lay: Layout, ints: np.ndarray) -> None:
        self.layout = lay
        self.ints = ints

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

    def _one(self, key: str) -> int:
        parts = str(key).split(SEP)
        lay = self.layout
        if lay.tags != (None,):
            if parts[0] not in lay.tags:
                return -1
            g, parts = lay.tags.index(parts[0]), parts[1:]
        else:
            g = 0
        if len(parts) != len(lay.vocab[g]):
            return -1
        value = 0
        for j, (text, radix) in enumerate(zip(parts, lay.radices(g), strict=True)):
            rank = lay.rank(g, j, text if j == len(parts) - 1 else text + SEP)
            if rank < 0:
                return -1
            value = value * radix + rank
        value += g << lay.shift
        pos = int(np.searchsorted(self.ints, value))
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
