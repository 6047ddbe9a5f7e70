"""Composite history keys (`tag|part|part...`) held as integers made of their parts' ranks, not as joined strings.

The patient-history and slice indexes (`denial_ml.features.slices`) key millions of events by a few parts (a kind,
the patient, the payer, the procedure, ...). Joining the parts into strings, sorting the strings and searching them
costs a Python string per distinct key and byte-wise compares. Here each part is ranked once per distinct value and
the key is the mixed-radix integer of its parts' ranks, so building and querying an index is numpy integer work.

The index's code of a key stays its rank among the joined strings in sorted order, so an index built here equals
one built from the strings (codes, sorted keys, running sums) and saves to the same file. That holds because a part
holds no `|`: two joined keys then first differ where their parts, each but the last compared with its `|`, first
differ, so the strings sort as the tuples of their parts' ranks, with each part ranked by `value + "|"` (the last
by `value`), and as the integers built from those ranks. The keys of one index are in groups laid end to end (one
per kind: `rolling|...` and `year|...`), told apart by their first part, a constant tag; groups sort by the tag.
Whatever breaks those conditions (a `|` in a value, more than 62 bits, a group without its own tag) falls back to
joined strings (`layout` gives None).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field
from operator import mul

import numpy as np
import pandas as pd

from denial_ml.features.line_features import first_rows, join_keys
from denial_ml.features.lookup import TINY, Keys, encode_pairs

SEP = "|"
MAX_BITS = 62  # the integers stay non-negative int64, with room for a sort's tie-break
DICT_UP_TO = 1 << 12  # a part with at most this many values gets a dict for one-by-one lookups (payers, codes)
FEW_ROWS = 32  # a group of up to this many rows (one claim's lines) is ranked value by value, without numpy calls


@dataclass(frozen=True)
class Composite:
    """Keys of rows made of parts: groups of rows laid end to end, each group's keys `part|part|...`.

    Attributes:
        groups: Each group's parts, one `Keys` per part (its rows' positions among its distinct string values).
    """

    groups: tuple[tuple[Keys, ...], ...]

    def __len__(self) -> int:
        return sum(len(g[0].position) for g in self.groups)

    def sizes(self) -> list[int]:
        """How many rows each group has."""
        return [len(g[0].position) for g in self.groups]

    def joined(self) -> Keys:
        """The keys as joined strings (`Keys` of every row), as `slice_keys.combine` and `concat_keys` gave them."""
        positions, distinct, offset = [], [], 0
        for parts in self.groups:
            key = combine(*parts)
            positions.append(key.position + offset)
            distinct.append(np.asarray(key.distinct, dtype=object))
            offset += len(key.distinct)
        if not positions:
            return Keys(np.zeros(0, dtype=np.int64), np.array([], dtype=object))
        return Keys(np.concatenate(positions), np.concatenate(distinct))


def combine(*parts: Keys) -> Keys:
    """`a|b|...` keys of encoded string columns (`Keys`): the strings are joined once per distinct combination."""
    n = len(parts[0].position)
    if n <= TINY:  # a claim's few lines: join each line's strings, no encoding (and no numpy call per part)
        columns = [[p.distinct[i] for i in p.position.tolist()] for p in parts]
        out = np.empty(n, dtype=object)
        out[:] = list(map("|".join, zip(*columns, strict=True)))
        return Keys(np.arange(n), out)
    position = parts[0].position
    for part in parts[1:]:
        position, _, _ = encode_pairs(position, len(part.distinct), part.position)
    rows = first_rows(position, int(position.max()) + 1 if len(position) else 0)
    return Keys(position, join_keys(*(np.asarray(p.distinct, dtype=object)[p.position[rows]] for p in parts)))


def tag(text: str, n: int) -> Keys:
    """A constant key part (the slice kind's name) for `n` lines (a read-only view of one zero: a batch's slice
    keys keep their parts, some twenty of these; a claim's few lines get plain zeros, a fifth of the cost)."""
    zeros = np.zeros(n, dtype=np.int64) if n <= TINY else np.broadcast_to(np.int64(0), (n,))
    return Keys(zeros, np.array([text], dtype=object))


def compose(*parts: Keys | Composite) -> Composite:
    """One group keyed `a|b|...` by the parts (a one-group `Composite` contributes its parts)."""
    flat: list[Keys] = []
    for part in parts:
        if isinstance(part, Composite):
            (group,) = part.groups
            flat.extend(group)
        else:
            flat.append(part)
    return Composite((tuple(flat),))


def chain(parts: list[Composite]) -> Composite:
    """Several composites' rows laid end to end (their groups, in order)."""
    return Composite(tuple(g for p in parts for g in p.groups))


@dataclass(frozen=True)
class Layout:
    """How keys map to integers: each group's tag (None: one untagged group) and the values of each ranked part.

    Attributes:
        tags: The groups' tags in key order. vocab: Each group's ranked parts' values in rank order, each with its
            `|` when it is not the key's last part (so a key's string is its parts' values concatenated).
        shift: The group's position sits above this many bits.
    """

    tags: tuple[str | None, ...]
    vocab: tuple[tuple[np.ndarray, ...], ...]
    shift: int
    _dicts: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _weights: dict[int, list[int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def radices(self, g: int) -> list[int]:
        """The number of values of each ranked part of group `g`."""
        return [max(len(v), 1) for v in self.vocab[g]]

    def weights(self, g: int) -> list[int]:
        """What a rank of each ranked part of group `g` weighs in its integer: the product of the later radices."""
        if g not in self._weights:
            out = [1]
            for radix in self.radices(g)[:0:-1]:
                out.append(out[-1] * radix)
            self._weights[g] = out[::-1]
        return self._weights[g]

    def rank(self, g: int, j: int, text: str) -> int:
        """The rank of `text` (with its `|` unless the key's last part) among part `j` of group `g`, -1 when it
        is not there."""
        return self.ranks(g, j, [text])[0]

    def ranks(self, g: int, j: int, texts: list[str]) -> list[int]:
        """`rank` of each text: a dict for a small part (built on first use), a bisection of a large one's values."""
        values = self.vocab[g][j]
        if len(values) <= DICT_UP_TO:
            if (g, j) not in self._dicts:
                self._dicts[(g, j)] = {v: i for i, v in enumerate(values.tolist())}
            found = self._dicts[(g, j)]
            return [found.get(t, -1) for t in texts]
        out = []
        for text in texts:
            pos = bisect_left(values, text)  # type: ignore[call-overload]
            out.append(pos if pos < len(values) and values[pos] == text else -1)
        return out


_TEXTS: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}  # id -> (values, `_texts`): a batch asks many times


def _texts(values: np.ndarray) -> np.ndarray | None:
    """Distinct values as a unicode array, None when one is not a string or holds `|` (remembered for the last few
    arrays asked about: every key of a batch asks again for its patients')."""
    hit = _TEXTS.get(id(values))
    if hit is not None and hit[0] is values:
        return hit[1]
    if len(_TEXTS) >= 32:
        _TEXTS.clear()
    text = _texts_of(values)
    _TEXTS[id(values)] = (values, text)  # the array is held, so its id is not reused while remembered
    return text


def _texts_of(values: np.ndarray) -> np.ndarray | None:
    items = np.asarray(values, dtype=object).tolist()
    if not all(type(v) is str for v in items):
        return None
    text = np.array(items, dtype=str) if items else np.array([], dtype="U1")
    if len(text) and np.char.find(text, SEP).max() >= 0:
        return None
    return text


def _ranked(parts: tuple[Keys, ...], tagged: bool) -> tuple[Keys, ...]:
    return parts[1:] if tagged else parts


def _tag(parts: tuple[Keys, ...]) -> str | None:
    values = set(np.asarray(parts[0].distinct, dtype=object).tolist())
    return values.pop() if len(values) == 1 and isinstance(next(iter(values)), str) else None


def layout(c: Composite) -> Layout | None:
    """The `Layout` of a composite's own values (None when the integers cannot stand for the strings)."""
    tagged = len(c.groups) > 1
    tags = [_tag(g) for g in c.groups] if tagged else [None]
    if tagged and (None in tags or len(set(tags)) < len(tags)):
        return None
    order = sorted(range(len(tags)), key=lambda g: (tags[g] or "") + SEP) if tagged else [0]
    vocab = []
    for g in order:
        parts = _ranked(c.groups[g], tagged)
        group = []
        for j, part in enumerate(parts):
            text = _texts(part.distinct)
            if text is None:
                return None
            if j < len(parts) - 1:
                text = np.char.add(text, SEP)
            group.append(np.unique(text))
        vocab.append(tuple(group))
    shift = max((math.prod(max(len(v), 1) for v in g) - 1).bit_length() for g in vocab)  # exact Python ints
    if shift + (len(tags) - 1).bit_length() > MAX_BITS:
        return None
    return Layout(tuple(tags[g] for g in order), tuple(vocab), shift)


def _group_of(lay: Layout, parts: tuple[Keys, ...], tagged: bool) -> int:
    """The layout's group of a query group (-1 when the layout has no such group)."""
    if lay.tags == (None,):
        return 0 if not tagged and len(parts) == len(lay.vocab[0]) else -1
    tag = _tag(parts) if tagged else None
    if tag is None or tag not in lay.tags:
        return -1
    g = lay.tags.index(tag)
    return g if len(parts) - 1 == len(lay.vocab[g]) else -1


def integers(lay: Layout, c: Composite) -> np.ndarray | None:
    """Each row's key as the layout's integer, -1 when a part's value is not in the layout (so neither is the key);
    None when the composite's groups do not match the layout's (the caller falls back to strings)."""
    tagged = len(c.groups) > 1 or lay.tags != (None,)
    if max(c.sizes(), default=0) <= FEW_ROWS:
        few = _few_integers(lay, c, tagged)
        if few is not None:
            return few
    out = []
    for parts in c.groups:
        g = _group_of(lay, parts, tagged)
        if g < 0:
            return None
        acc = np.zeros(len(parts[0].position), dtype=np.int64)
        bad = np.zeros(len(acc), dtype=bool)
        ranked = _ranked(parts, tagged)
        for j, (part, values, radix) in enumerate(zip(ranked, lay.vocab[g], lay.radices(g), strict=True)):
            text = _texts(part.distinct)
            if text is None:
                return None
            if j < len(ranked) - 1:
                text = np.char.add(text, SEP)
            rank = np.minimum(np.searchsorted(values, text), max(len(values) - 1, 0)) if len(values) else text
            hit = (values[rank] == text) if len(values) else np.zeros(len(text), dtype=bool)
            rank = np.where(hit, rank, -1).astype(np.int64)[part.position]
            bad |= rank < 0
            acc *= radix
            acc += rank
        acc += np.int64(g) << lay.shift
        acc[bad] = -1
        out.append(acc)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _few_integers(lay: Layout, c: Composite, tagged: bool) -> np.ndarray | None:
    """`integers` of groups of a few rows each (a claim's keys), value by value in Python: the vectorized pass
    costs some ten numpy calls a part, and a claim's slice keys are twenty groups of a line or two. None when a
    group is not the layout's or a value is not a plain string (`_plain`): the vectorized pass decides those."""
    out: list[int] = []
    plain: dict[int, list[str] | None] = {}  # each part's values, by array: the groups share the lines' columns
    for parts in c.groups:
        g = _group_of(lay, parts, tagged)
        ranked = _ranked(parts, tagged)
        if g < 0 or not ranked:  # (a group of its tag alone has no rows to zip)
            return None
        columns = []
        for j, part in enumerate(ranked):
            if len(part.distinct) > FEW_ROWS:  # a few rows of a batch's column: numpy ranks its values faster
                return None
            key = id(part.distinct)
            if key not in plain:
                plain[key] = _plain(part.distinct)
            values = plain[key]
            if values is None:
                return None
            ranks = lay.ranks(g, j, values if j == len(ranked) - 1 else [v + SEP for v in values])
            columns.append(map(ranks.__getitem__, part.position.tolist()))
        # The mixed-radix integer: each part's rank times the product of the later parts' radices.
        weights, base = lay.weights(g), g << lay.shift
        out += [-1 if min(row) < 0 else sum(map(mul, row, weights)) + base for row in zip(*columns, strict=True)]
    return np.array(out, dtype=np.int64)


def _plain(distinct: np.ndarray) -> list[str] | None:
    """The values as a list when each is a `str` holding neither `|` nor NUL (which numpy's strings would drop
    at the end, so the vectorized pass could match them otherwise), else None."""
    values = np.asarray(distinct, dtype=object).tolist()
    return values if all(type(v) is str and SEP not in v and "\0" not in v for v in values) else None


def distinct_rows(c: Composite) -> tuple[np.ndarray, int]:
    """Each row's position among the composite's distinct keys, and how many there are (a key's identity in the
    batch; any `|` in a value falls back to the joined strings)."""
    lay = layout(c)
    ints = integers(lay, c) if lay is not None else None
    if ints is None:
        joined = c.joined()
        ints = joined.distinct[joined.position]
    codes, uniques = pd.factorize(ints)
    return codes.astype(np.int64), len(uniques)
