"""The worklist as text for a terminal: money, an item's top reasons, a page with its reasons.

Pure formatting with nothing heavy imported, so `denial-ml worklist show` starts fast (the triage job that also
prints a page imports pandas and the models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from denial_ml.store.queries import Page


def format_money(value: float | None) -> str:
    """Dollars with cents ("" for none)."""
    return "" if value is None else f"${value:,.2f}"


def top_reason(factors: list | None, n: int = 1) -> str:
    """The first `n` (largest) factors, one a line, as "+ sentence" (raises P(overturn)) or "- sentence".

    Items written before factors carried sentences show "" rather than a raw value.
    """
    lines = [
        ("+ " if f.get("direction") == "raises" else "- ") + str(f["sentence"])
        for f in (factors or [])[:n]
        if isinstance(f, dict) and f.get("sentence")
    ]
    return "\n".join(lines)


def format_reasons(page: Page, reasons: int = 2) -> str:
    """A worklist page as text: one line per item, its `reasons` largest factors indented below it.

    Days left are as of scoring. A table column would squeeze the sentences into a few words a line.
    """
    header = ["#", "claim", "payer", "category", "route", "P(overturn)", "exp. recovery", "days left"]
    rows = [
        [
            str(rank),
            item.claim_id,
            item.payer_name or item.payer_id,
            item.category.replace("_", " "),
            item.route.replace("_", " "),
            f"{item.p_overturn:.0%}",
            format_money(item.expected_recovery),
            "" if item.days_left is None else str(item.days_left),
        ]
        for rank, item in enumerate(page.items, start=page.offset + 1)
    ]
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    right = {0, 5, 6, 7}

    def line(cells: list[str]) -> str:
        padded = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded)

    out = [
        f"worklist top {len(page.items)} of {page.total:,} by expected recovery "
        "(reasons: + raises, - lowers P(overturn))",
        line(header).rstrip(),
    ]
    for row, item in zip(rows, page.items, strict=True):
        out.append(line(row).rstrip())
        out.extend(" " * (widths[0] + 2) + reason for reason in top_reason(item.factors, reasons).splitlines())
    return "\n".join(out)
