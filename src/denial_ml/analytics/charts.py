"""Charts of the denial report as inline SVG strings (matplotlib, no pyplot state, no network).

Each function takes the JSON-ready report dict (or a part of it) and returns an `<svg>` element.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
THOUSANDS = StrMethodFormatter("{x:,.0f}")  # 1,200,000 rather than matplotlib's "1.2 1e6" offset
PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#c0392b", "#8e6bb8", "#7f8c8d", "#d4ac0d", "#16a085")


def to_svg(fig: Figure, salt: str) -> str:
    """Serialise a figure to an `<svg>` element; `salt` keeps element ids unique across charts on a page."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        # No metadata block: it carries a timestamp (pages would differ run to run) and external URIs.
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=_NO_METADATA)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def monthly_denial_rate(rows: list[dict[str, Any]]) -> str:
    """Line chart: denial rate (count and dollars) per service month."""
    months = [r["key"] for r in rows]
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    for field, label, color in (
        ("denial_rate", "by claims", PALETTE[0]),
        ("dollar_denial_rate", "by dollars", PALETTE[1]),
    ):
        values = [100 * r[field] if r[field] is not None else float("nan") for r in rows]
        ax.plot(months, values, marker="o", label=label, color=color)
    ax.set_ylabel("denial rate (%)")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    _tidy(ax, rotate=len(months) > 6)
    return to_svg(fig, "monthly-rate")


def horizontal_bars(labels: list[str], values: list[float], xlabel: str, salt: str, color: str = PALETTE[0]) -> str:
    """Horizontal bar chart, first label on top, with the value printed at the end of each bar."""
    fig = Figure(figsize=(8, 0.45 * max(len(labels), 1) + 0.8))
    ax = fig.add_subplot()
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions, labels)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(THOUSANDS)
    for y, v in zip(positions, values, strict=True):
        ax.annotate(f"{v:,.0f}", (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    _tidy(ax)
    return to_svg(fig, salt)


def preventable_trend(trend: dict[str, Any]) -> str:
    """Stacked bars of denied dollars per month, one colour per prevention step."""
    months, series = trend["months"], trend["series"]
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    bottom = [0.0] * len(months)
    for i, (step, values) in enumerate(series.items()):
        ax.bar(months, values, bottom=bottom, label=step, color=PALETTE[i % len(PALETTE)])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("denied dollars")
    ax.yaxis.set_major_formatter(THOUSANDS)
    # Legend outside the axes: inside it hides the tallest month's bars.
    if series:
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _tidy(ax, rotate=len(months) > 6)
    return to_svg(fig, "preventable-trend")


def _tidy(ax: Any, rotate: bool = False) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", alpha=0.25)
    if rotate:
        ax.tick_params(axis="x", labelrotation=60)


def report_charts(report: dict[str, Any], top: int = 10) -> dict[str, str]:
    """Every chart of the HTML page, by name."""
    # The payers with the most denied dollars, drawn by denial rate (highest on top).
    payers = sorted(report["slices"]["payer"][:top], key=lambda p: -(p["denial_rate"] or 0.0))
    steps = report["preventable"]["steps"]
    categories = report["slices"]["category"]
    return {
        "monthly_rate": monthly_denial_rate(report["slices"]["month"]),
        "preventable": horizontal_bars(
            [s["step"] for s in steps],
            [s["denied_dollars"] for s in steps],
            "denied dollars",
            "steps",
            PALETTE[3],
        ),
        "preventable_trend": preventable_trend(report["preventable"]["trend_dollars"]),
        "categories": horizontal_bars(
            [c["key"] for c in categories],
            [c["denied_dollars"] for c in categories],
            "denied dollars",
            "cats",
        ),
        "payers": horizontal_bars(
            [p["label"] for p in payers],
            [100 * (p["denial_rate"] or 0.0) for p in payers],
            "denial rate (%)",
            "payers",
            PALETTE[1],
        ),
    }
