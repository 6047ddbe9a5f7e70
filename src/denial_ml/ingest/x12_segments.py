"""Building blocks for writing X12: segments, values and the ISA/GS/ST ... SE/GE/IEA envelope.

Pure string building; the delimiters are fixed (`*` element, `:` component, `^` repetition, `~` terminator).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pandas as pd

ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
RESERVED = re.compile(r"[*:^~\r\n]")
SENDER = "DENIALML"
RECEIVER = "DENIALMLRCV"

Segment = list[str]


class X12WriteError(ValueError):
    """A value cannot be written as X12; the message names the table, the row key and the problem."""


def seg(*elements: object) -> Segment:
    """One segment from its tag and elements (None -> empty); trailing empty elements are dropped."""
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return values


def text(value: object, where: str) -> str:
    """A data value as X12 text; refuses delimiter characters (they would cut the segment)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    out = str(value)
    if RESERVED.search(out):
        raise X12WriteError(f"{where}: value {out!r} contains an X12 delimiter (* : ^ ~ or a line break)")
    return out


def money(value: float) -> str:
    """An amount in dollars and cents (X12 R type); never '-0.00'."""
    return f"{round(float(value), 2) + 0.0:.2f}"


def number(value: float) -> str:
    """A quantity: an integer when whole, else up to 3 decimals."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3f}".rstrip("0")


def date8(value: object) -> str:
    """A timestamp as CCYYMMDD."""
    return pd.Timestamp(value).strftime("%Y%m%d")


def composite(*parts: object) -> str:
    """A composite element; trailing empty components are dropped."""
    values = ["" if p is None else str(p) for p in parts]
    while values and values[-1] == "":
        values.pop()
    return COMPONENT.join(values)


def transaction_set(kind: str, control: int, version: str, body: Sequence[Segment]) -> list[Segment]:
    """ST + body + SE, with SE01 counting every segment from ST to SE inclusive."""
    st_control = f"{control:04d}"
    segments = [seg("ST", kind, st_control, version), *body]
    segments.append(seg("SE", len(segments) + 1, st_control))
    return segments


def interchange(functional_id: str, version: str, sets: Sequence[list[Segment]], date: str, control: int = 1) -> str:
    """A whole interchange (ISA/GS ... GE/IEA) around finished transaction sets, as text.

    Args:
        functional_id: GS01 ("HC" claims, "HP" remittance advice).
        version: GS08 implementation guide version, e.g. "005010X221A1".
        sets: Transaction sets from `transaction_set`.
        date: CCYYMMDD of the interchange (a data date, so that output is deterministic).
        control: ISA13 / GS06 control number.
    """
    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        SENDER.ljust(15),
        "ZZ",
        RECEIVER.ljust(15),
        date[2:],
        "1200",
        REPETITION,
        "00501",
        f"{control:09d}",
        "0",
        "P",
        COMPONENT,
    ]
    lines = [ELEMENT.join(isa)]
    lines.append(ELEMENT.join(seg("GS", functional_id, SENDER, RECEIVER, date, "1200", control, "X", version)))
    for segments in sets:
        lines.extend(ELEMENT.join(s) for s in segments)
    lines.append(ELEMENT.join(seg("GE", len(sets), control)))
    lines.append(ELEMENT.join(seg("IEA", 1, f"{control:09d}")))
    return "".join(line + TERMINATOR + "\n" for line in lines)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with missing values as None (row access in Python loops is ~50x faster than
    `itertuples` on Arrow-backed columns)."""
    out = frame.astype(object).where(frame.notna(), None)
    return out.to_dict("records")


def present(value: object) -> bool:
    """A value that is neither missing nor empty text."""
    return value is not None and value != ""


def nm1(entity: str, kind: str, name: str, qualifier: str, identifier: str) -> Segment:
    """NM1 with a name in NM103 only (organisation name, or the fixed patient placeholder) and an id."""
    return seg("NM1", entity, kind, name, "", "", "", "", qualifier, identifier)
