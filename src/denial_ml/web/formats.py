"""How numbers, dates and deadlines read on the pages (pure functions, used as template filters)."""

from __future__ import annotations

import datetime as dt
from typing import Any

DASH = "–"


def pct(value: float | None, places: int = 1) -> str:
    """0.1234 -> "12.3%"."""
    return DASH if value is None else f"{100 * value:.{places}f}%"


def money(value: float | None) -> str:
    """1234.5 -> "$1,234.50"; negative amounts keep their sign in front."""
    if value is None:
        return DASH
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def num(value: float | None) -> str:
    """12345 -> "12,345"."""
    return DASH if value is None else f"{value:,.0f}"


def day(value: dt.date | dt.datetime | None) -> str:
    """A date as YYYY-MM-DD."""
    if value is None:
        return DASH
    return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def moment(value: dt.datetime | None) -> str:
    """A timestamp to the minute, in UTC."""
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def risk_band(risk: float) -> str:
    """ "high" (>= 30 %), "medium" (>= 10 %) or "low": the colour of a risk."""
    return "high" if risk >= 0.30 else "medium" if risk >= 0.10 else "low"


def deadline_badge(deadline: dt.date | None, today: dt.date | None = None) -> dict[str, Any]:
    """The badge of an appeal deadline: `{"kind", "text", "days"}`.

    Kinds: "none" (no deadline), "past", "urgent" (7 days or fewer), "soon" (30 or fewer), "ok".
    """
    if deadline is None:
        return {"kind": "none", "text": "no deadline", "days": None}
    days = (deadline - (today or dt.date.today())).days
    if days < 0:
        return {"kind": "past", "text": f"past by {-days} d", "days": days}
    text = "due today" if days == 0 else f"{days} d left"
    kind = "urgent" if days <= 7 else "soon" if days <= 30 else "ok"
    return {"kind": kind, "text": text, "days": days}


def points(change: float | None) -> str:
    """A change of probability in percentage points: -0.123 -> "-12.3 points"."""
    return DASH if change is None else f"{100 * change:+.1f} points"


def factor_label(name: str) -> str:
    """The biller's name of an explanation factor ("authorization" -> "Prior authorization")."""
    from denial_ml.explain.factors import FACTORS

    labels = {f.name: f.label for f in FACTORS}
    return labels.get(name, name.replace("_", " ").capitalize())


def words(value: str | None) -> str:
    """ "in_progress" -> "in progress"."""
    return DASH if value is None else str(value).replace("_", " ")


def options(values: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """Menu options `(value, readable text)` of code values."""
    return [(v, words(v)) for v in values]


FILTERS = {
    "pct": pct,
    "money": money,
    "num": num,
    "day": day,
    "moment": moment,
    "risk_band": risk_band,
    "deadline_badge": deadline_badge,
    "words": words,
    "points": points,
    "factor_label": factor_label,
    "options": options,
}
