"""Column builders and code lists shared by the data model's schemas."""

from __future__ import annotations

import pandera.pandas as pa

DATE = "datetime64[ns]"
# self_pay: the patient pays (no insurer); a practice's export has such claims, the synthetic world does not.
PAYER_TYPES = ("medicare", "medicare_advantage", "medicaid", "commercial", "tricare", "self_pay")
CLP_STATUS_CODES = ("1", "2", "3", "4", "19", "20", "21", "22", "23", "25")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
APPEAL_OUTCOMES = ("overturned", "upheld", "pending")
MODIFIER = r"^([A-Z0-9]{2})?$"


def text(nullable: bool = False, checks: list[pa.Check] | None = None, unique: bool = False) -> pa.Column:
    """A text column (coerced to str)."""
    return pa.Column(str, checks=checks or [], nullable=nullable, unique=unique, coerce=True)


def date(nullable: bool = False) -> pa.Column:
    """A date column (datetime64[ns])."""
    return pa.Column(DATE, nullable=nullable, coerce=True)


def money(nullable: bool = False) -> pa.Column:
    """A non-negative amount."""
    return pa.Column(float, checks=[pa.Check.ge(0)], nullable=nullable, coerce=True)


def integer(min_value: int = 0, nullable: bool = False) -> pa.Column:
    """An integer column at or above `min_value` (nullable ones use pandas' Int64)."""
    return pa.Column("Int64" if nullable else "int64", checks=[pa.Check.ge(min_value)], nullable=nullable, coerce=True)


def boolean() -> pa.Column:
    """A boolean column."""
    return pa.Column(bool, coerce=True)


def one_of(values: tuple[str, ...], nullable: bool = False) -> pa.Column:
    """A text column holding one of `values`."""
    return text(nullable=nullable, checks=[pa.Check.isin(values)])


def code(pattern: str, nullable: bool = False) -> pa.Column:
    """A text column matching the regular expression `pattern`."""
    return text(nullable=nullable, checks=[pa.Check.str_matches(pattern)])


def optional(column: pa.Column) -> pa.Column:
    """A column a table may lack (tables written before it existed); present, it is checked as usual."""
    column.required = False
    return column


def text_column(nullable: bool = True, unique: bool = False) -> pa.Column:
    """A text column of the front-end tables (nullable unless said)."""
    return pa.Column(str, nullable=nullable, unique=unique, coerce=True)


def optional_date() -> pa.Column:
    """A nullable date column."""
    return pa.Column(DATE, nullable=True, coerce=True)
