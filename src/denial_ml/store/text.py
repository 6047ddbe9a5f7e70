"""The store's one text policy: no string with a control character reaches SQL, on any backend.

PostgreSQL refuses NUL in text (a driver `DataError`), SQLite stores it; other control characters are stored by
both but break CSV exports and logs. So every text a caller hands the store is checked here first, and refused
with `InvalidText` naming the field. Notes may hold tabs and line breaks; every other field is one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from denial_ml.store.errors import InvalidUpdate

# C0 and C1 control characters and DEL; lone surrogates cannot be encoded for either driver.
_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL = "[\x00-\x1f\x7f-\x9f]"  # for pandas `str.contains` (Arrow strings hold no surrogates)
_SUFFIX = re.compile(r"_\d+$")


class InvalidText(InvalidUpdate):  # noqa: N818 (reads as the condition)
    """A text with a character the store refuses; `field` names where it was."""

    def __init__(self, field: str, char: str) -> None:
        super().__init__(f"{field} contains the control character U+{ord(char):04X}; remove it and retry")
        self.field = field


def check_text(field: str, value: str | None, multiline: bool = False) -> str | None:
    """Return `value` unchanged when it has no refused character (None passes).

    Args:
        field: The field's name, for the error.
        value: The text.
        multiline: Allow tab, line feed and carriage return (notes).

    Raises:
        InvalidText: naming the field and the first refused character.
    """
    if value is None:
        return None
    found = (_MULTILINE if multiline else _ONE_LINE).search(value)
    if found:
        raise InvalidText(field, found.group())
    return value


def check_parameters(parameters: Mapping[str, Any] | Sequence[Any] | None) -> None:
    """Refuse NUL in statement parameters: the backstop under the named checks.

    Raises:
        InvalidText: naming the parameter (its bind name without SQLAlchemy's numeric suffix).
    """
    if isinstance(parameters, Mapping):
        for name, value in parameters.items():
            if isinstance(value, str) and _unstorable(value):
                raise InvalidText(_SUFFIX.sub("", str(name)), _unstorable(value))
    elif isinstance(parameters, Sequence) and not isinstance(parameters, str | bytes):
        for index, value in enumerate(parameters):
            if isinstance(value, Mapping | list | tuple):
                check_parameters(value)
            elif isinstance(value, str) and _unstorable(value):
                raise InvalidText(f"parameter {index + 1}", _unstorable(value))


def _unstorable(value: str) -> str:
    # `in` is a C-speed scan: the backstop costs next to nothing on bulk upserts of 100,000 rows.
    return "\x00" if "\x00" in value else ""
