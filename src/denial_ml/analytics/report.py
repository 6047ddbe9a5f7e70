"""The denial report as one JSON-ready dict: totals, slices, preventable denials, reconciliation.

`build_report(tables)` is pure (frames in, dict out) so that the CLI writes it and the API serves it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from denial_ml.analytics.facts import build_claim_facts, check_tables, default_as_of
from denial_ml.analytics.ids import encode_ids
from denial_ml.analytics.measures import (
    COUNTS,
    RATES,
    SLICES,
    add_sums,
    group_sums,
    measures_from_sums,
    slice_from_sums,
    slice_sums,
)
from denial_ml.analytics.outcomes import appeal_outcomes
from denial_ml.analytics.preventable import (
    PREVENTION_STEP,
    preventable_from_sums,
    preventable_sums,
    trend_from_sums,
    trend_sums,
)
from denial_ml.analytics.rejections import rejection_sums, summarize_rejections
from denial_ml.domain.denials import CARC_CATEGORY_MAP_VERSION
from denial_ml.labels import label_claims

DOLLAR_FIELDS = frozenset(
    name for name in (*COUNTS, "recovered_dollars", "write_off_dollars") if name.endswith(("dollars", "charges"))
)
COUNT_FIELDS = frozenset(name for name in COUNTS if name not in DOLLAR_FIELDS)
TOLERANCE = 0.005  # dollars: half a cent, the rounding of every amount in the tables


def build_report(
    tables: dict[str, pd.DataFrame], as_of: pd.Timestamp | str | None = None, recorded: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Compute every measure, slice and check of the denial report.

    Args:
        tables: World tables; needs those of `facts.REQUIRED_COLUMNS` (claims, claim_lines, payers,
            providers, remittances, remittance_lines, adjustments, appeals); `claim_events` (277CA / 277) is
            optional and gives the rejection measures.
        as_of: Report date for deadlines; default the latest date found in the tables.
        recorded: Appeal outcomes recorded in the worklist (`WorklistStore.outcomes_frame()`), if any.

    Returns:
        A JSON-serialisable dict with `as_of`, `totals` (all measures), `slices` (name -> rows with `key`,
        `label` and the measures, largest denied dollars first; months in order), `preventable` (steps and
        monthly trends), `rejections` (front-end rejections by reason and status code), `appeal_outcomes`
        (decided, overturn rate, dollars recovered by payer and category: the payers' decisions on file and
        the outcomes recorded in the worklist), `reconciliation`
        (checks against the source tables) and `definitions`.

    Raises:
        ReportInputError: a needed table or column is missing, or claim ids do not resolve.
    """
    check_tables(tables)
    day = pd.Timestamp(as_of) if as_of is not None else default_as_of(tables)
    return report_from_sums([report_sums(tables, day)], day, tables["payers"], tables["providers"], recorded)


def report_sums(tables: dict[str, pd.DataFrame], day: pd.Timestamp) -> dict[str, Any]:
    """Everything the report adds up, for the claims of `tables`: group sums of the facts overall and per slice,
    the preventable steps and trends, the rejections and the source tables' totals.

    Parts of a world whose claims carry their whole history (a partitioned world's parts) give sums that add
    up to the whole world's (`report_from_sums`), so the report never needs all the rows in one process.

    Raises:
        ReportInputError: a needed table or column is missing, or claim ids do not resolve.
    """
    check_tables(tables)
    coded = encode_ids(tables)
    labels = label_claims(coded["remittances"], coded["remittance_lines"], coded["adjustments"])
    facts = build_claim_facts(coded, labels, day)
    return {
        "totals": group_sums(facts),
        "slices": {name: slice_sums(facts, name) for name in SLICES},
        "preventable": preventable_sums(facts),
        "trend_dollars": trend_sums(facts, "denied_amount"),
        "trend_counts": trend_sums(facts, "denied"),
        "rejections": rejection_sums(tables.get("claim_events"), tables["claims"], day),
        "source": source_sums(labels, tables),
    }


def report_from_sums(
    parts: list[dict[str, Any]],
    day: pd.Timestamp,
    payers: pd.DataFrame,
    providers: pd.DataFrame,
    recorded: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The report (see `build_report`) from the `report_sums` of one or more parts of a world.

    Args:
        parts: `report_sums` of each part, all for the same report date `day`.
        day: The report date.
        payers: The payers (slice labels).
        providers: The providers (slice labels).
        recorded: Appeal outcomes recorded in the worklist, if any.
    """
    names = {"payers": payers, "providers": providers}
    totals = _record(measures_from_sums(add_sums([p["totals"] for p in parts])).iloc[0])
    slices = {
        name: _slice_rows(slice_from_sums(add_sums([p["slices"][name] for p in parts]), name), name, names)
        for name in SLICES
    }
    source = {key: sum(p["source"][key] for p in parts) for key in parts[0]["source"]}
    return {
        "as_of": day.date().isoformat(),
        "carc_map_version": CARC_CATEGORY_MAP_VERSION,
        "totals": totals,
        "slices": slices,
        "preventable": _preventable(parts),
        "rejections": summarize_rejections([p["rejections"] for p in parts]),
        "appeal_outcomes": appeal_outcomes(slices, totals, recorded),
        "reconciliation": reconcile(totals, slices, source),
        "definitions": {name: _first_line(rate.__doc__) for name, rate in RATES.items()},
    }


def source_sums(labels: pd.DataFrame, tables: dict) -> dict[str, float]:
    """The source tables' totals the report's totals must equal (`reconcile`): the labelling rule's and the
    claims' and appeals' own sums."""
    return {
        "denied": float(labels["denied"].sum()),
        "denied_dollars": float(labels["denied_amount"].sum()),
        "adjudicated": float(len(labels)),
        "submitted_charges": float(tables["claims"]["total_charge"].sum()),
        "appeals": float(len(tables["appeals"])),
        "recovered_dollars": float(tables["appeals"]["recovered_amount"].sum()),
    }


def reconcile(
    totals: dict[str, Any], slices: dict[str, list[dict[str, Any]]], source: dict[str, float]
) -> dict[str, Any]:
    """Checks that the report's totals equal the labelling rule and the sums of the source tables.

    Args:
        totals: The report's totals.
        slices: The report's slices.
        source: `source_sums` (added up over parts).

    Returns:
        `{"ok": bool, "checks": [{"name", "report", "source", "ok"}]}`; every slice must also add up
        to the totals (each claim falls in exactly one group of each slice).
    """
    checks = [_check(f"{name} = source tables", totals[name], value) for name, value in source.items()]
    for name, rows in slices.items():
        for field in ("denied", "denied_dollars"):
            summed = sum(row[field] for row in rows)
            checks.append(_check(f"{field} summed over {name} = total", summed, totals[field]))
    return {"ok": all(c["ok"] for c in checks), "checks": checks}


def _check(name: str, report: float, source: float) -> dict[str, Any]:
    return {
        "name": name,
        "report": report,
        "source": round(source, 2),
        "ok": abs(report - source) <= TOLERANCE,
    }


def _slice_rows(table: pd.DataFrame, name: str, tables: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    labels = _labels_for(name, tables)
    rows = []
    for key, row in table.iterrows():
        record = {"key": str(key), "label": labels.get(str(key), str(key)) if labels else str(key)}
        record.update(_record(row))
        rows.append(record)
    return rows


def _labels_for(name: str, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Readable names for slice keys: payer names, provider names."""
    if name == "payer":
        payers = tables["payers"]
        return dict(zip(payers["payer_id"].astype(str), payers["payer_name"].astype(str), strict=True))
    if name == "provider":
        providers = tables["providers"]
        return dict(zip(providers["provider_npi"].astype(str), providers["provider_name"].astype(str), strict=True))
    return {}


def _preventable(parts: list[dict[str, Any]]) -> dict[str, Any]:
    steps = preventable_from_sums(add_sums([p["preventable"] for p in parts]))
    rows = [{"step": str(step), **_record(row)} for step, row in steps.iterrows()]
    return {
        "mapping": dict(PREVENTION_STEP),
        "steps": rows,
        "trend_dollars": _trend(trend_from_sums(_add_trends(parts, "trend_dollars"), steps.index), dollars=True),
        "trend_counts": _trend(trend_from_sums(_add_trends(parts, "trend_counts"), steps.index), dollars=False),
    }


def _add_trends(parts: list[dict[str, Any]], key: str) -> pd.Series:
    series = [p[key] for p in parts if not p[key].empty]
    if len(series) <= 1:
        return series[0] if series else parts[0][key]
    return pd.concat(series).groupby(level=[0, 1], sort=True).sum()


def _trend(table: pd.DataFrame, dollars: bool) -> dict[str, Any]:
    convert = (lambda v: round(float(v), 2)) if dollars else (lambda v: int(round(float(v))))
    return {
        "months": [str(m) for m in table.index],
        "series": {str(step): [convert(v) for v in table[step]] for step in table.columns},
    }


def _record(row: pd.Series) -> dict[str, Any]:
    """A measure row as plain JSON values: counts as int, dollars to the cent, rates to 6 places, NaN None."""
    out: dict[str, Any] = {}
    for name, raw in row.items():
        if isinstance(raw, str):
            out[str(name)] = raw
            continue
        value = float(raw)
        if math.isnan(value):
            out[str(name)] = None
        elif name in COUNT_FIELDS or name == "denied":
            out[str(name)] = int(round(value))
        elif name in DOLLAR_FIELDS or str(name).endswith("dollars"):
            out[str(name)] = round(value, 2)
        else:
            out[str(name)] = round(value, 6)
    return out


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc else ""
