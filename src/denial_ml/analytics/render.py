"""Render the report dict of `build_report` as one self-contained HTML page (inline CSS and SVG, offline)."""

from __future__ import annotations

import json
from typing import Any

import jinja2

from denial_ml.analytics.charts import report_charts

# Columns of the slice tables: (field, title, kind). Category/CARC slices have no claim-denominator rates.
CLAIM_COLUMNS = (
    ("claims", "claims", "num"),
    ("adjudicated", "adjudicated", "num"),
    ("denied", "denied", "num"),
    ("denial_rate", "denial rate", "pct"),
    ("denied_dollars", "denied $", "money"),
    ("dollar_denial_rate", "$ denial rate", "pct"),
    ("clean_claim_rate", "clean-claim rate", "pct"),
    ("first_pass_rate", "first-pass rate", "pct"),
    ("rejection_rate", "rejection rate", "pct"),
    ("avg_days_to_adjudication", "days to adjudication", "days"),
    ("overturn_rate", "overturn rate", "pct"),
    ("recovered_dollars", "recovered $", "money"),
    ("write_off_dollars", "written off $", "money"),
    ("missed_appeal_deadline", "missed deadline", "num"),
)
DENIAL_COLUMNS = (
    ("denied", "denied", "num"),
    ("share_of_denials", "share", "pct"),
    ("denied_dollars", "denied $", "money"),
    ("appeals", "appeals", "num"),
    ("overturn_rate", "overturn rate", "pct"),
    ("avg_days_to_appeal_decision", "days to decision", "days"),
    ("recovered_dollars", "recovered $", "money"),
    ("write_off_dollars", "written off $", "money"),
    ("missed_appeal_deadline", "missed deadline", "num"),
)
SECTIONS = (
    ("payer", "By payer", "payer", CLAIM_COLUMNS),
    ("payer_type", "By payer type", "payer type", CLAIM_COLUMNS),
    ("category", "By denial category", "category", DENIAL_COLUMNS),
    ("carc", "By reason code (CARC)", "CARC", DENIAL_COLUMNS),
    ("procedure", "By primary procedure (line 1)", "procedure", CLAIM_COLUMNS),
    ("provider", "By provider (rendering, else billing)", "provider", CLAIM_COLUMNS),
    ("month", "By month of service", "month", CLAIM_COLUMNS),
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _money(value: float | None) -> str:
    return "–" if value is None else f"${value:,.2f}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _plain(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


FORMATS = {"pct": _pct, "money": _money, "num": _num, "days": _days, "plain": _plain}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("denial_ml.analytics", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FORMATS)
    env.filters["fmt"] = lambda value, kind: FORMATS[kind](value)
    return env


def render_html(report: dict[str, Any], top: int = 15) -> str:
    """The report as a single HTML page with inline CSS and SVG charts.

    Args:
        report: `build_report` output.
        top: Rows shown per long slice table (largest denied dollars first); months are all shown.

    Returns:
        The HTML text; it loads nothing from the network.
    """
    sections = []
    for name, title, key_title, columns in SECTIONS:
        rows = report["slices"][name]
        shown = rows if name == "month" else rows[:top]
        sections.append(
            {
                "title": title,
                "key_title": key_title,
                "rows": shown,
                "total": len(rows),
                "columns": [{"field": f, "title": t, "kind": k} for f, t, k in columns],
            }
        )
    template = _environment().get_template("report.html")
    return template.render(r=report, t=report["totals"], charts=report_charts(report), sections=sections, top=top)


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON (NaN never appears: missing rates are null)."""
    return json.dumps(report, indent=2, allow_nan=False)
