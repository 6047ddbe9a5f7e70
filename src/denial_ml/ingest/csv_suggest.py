"""`denial-ml ingest-csv FILE --suggest`: a draft mapping from an export's header and a sample of its values.

Each of our columns has synonyms seen in billing exports; a header matches the first column whose synonym it
contains (after lower-casing and dropping punctuation). Date formats are guessed from the values, claim
statuses are mapped by their words, and reason texts are listed for the user to give their CARC. The draft is
a start, to be read and corrected: every guess is marked in a comment.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

# (table, our column, synonyms), in order of precedence: specific names before generic ones.
SYNONYMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("claims", "claim_id", ("claim id", "claim number", "claim no", "claim #", "encounter id", "invoice")),
    ("claims", "rendering_provider_npi", ("rendering npi", "rendering provider npi")),
    ("claims", "billing_provider_npi", ("billing npi", "provider npi", "npi")),
    ("claims", "patient_id", ("patient id", "patient account", "account number", "mrn", "patient number")),
    ("claims", "member_id", ("member id", "subscriber id", "policy number", "insured id")),
    ("claims", "payer_id", ("payer id", "payer", "insurance type", "insurance", "carrier", "plan")),
    ("claims", "service_date_from", ("date of service", "service date", "dos", "from date", "visit date")),
    ("claims", "submission_date", ("submitted", "submission date", "bill date", "billed date", "sent date")),
    ("claims", "place_of_service", ("place of service", "pos")),
    ("claims", "total_charge", ("billed", "charge", "charges", "total charge", "amount billed")),
    ("claims", "diagnosis_codes", ("diagnosis", "diagnoses", "dx", "icd")),
    ("claims", "prior_auth_number", ("auth number", "authorization", "prior auth")),
    ("claim_lines", "procedure_code", ("procedure", "cpt", "hcpcs", "proc code", "service code")),
    ("claim_lines", "modifier_1", ("modifier", "mod 1", "mod1")),
    ("claim_lines", "units", ("units", "qty", "quantity")),
    ("remittances", "claim_status_code", ("claim status", "status")),
    ("remittances", "paid_amount", ("paid", "payment", "insurance paid", "amount paid")),
    ("remittances", "adjudication_date", ("paid date", "decision date", "adjudication date", "remit date")),
    ("adjustments", "carc", ("reason", "denial reason", "carc", "adjustment reason", "denial code")),
)
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y", "%d.%m.%Y", "%Y%m%d")
DATE_COLUMNS = {"service_date_from", "submission_date", "adjudication_date"}
STATUS_WORDS = (("partial", "1"), ("paid", "1"), ("approved", "1"), ("denied", "4"), ("rejected", "4"))
MAX_VALUES = 15


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9#]+", " ", text.lower()).strip() + " "


def match_columns(header: list[str]) -> dict[tuple[str, str], str]:
    """(table, our column) -> their column, each of their columns used once (first synonym match wins)."""
    found: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for table, ours, synonyms in SYNONYMS:
        for theirs in header:
            if theirs in used:
                continue
            if any(f" {s} " in _words(theirs) for s in synonyms):
                found[(table, ours)] = theirs
                used.add(theirs)
                break
    return found


def guess_date_format(values: pd.Series) -> str | None:
    """The first format that reads every non-empty sampled value, or None."""
    sample = [v for v in values.dropna().astype(str).str.strip().head(200) if v]
    for fmt in DATE_FORMATS:
        try:
            for v in sample:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt if sample else None
    return None


def _status_code(value: str) -> str:
    low = value.lower()
    return next((f'"{code}"' for word, code in STATUS_WORDS if word in low), "null  # not decided yet?")


def suggest_mapping(csv_path: Path | str, rows: int = 50_000) -> str:
    """A draft YAML mapping for the export at `csv_path` (read: its header and first `rows` rows)."""
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, nrows=rows)
    found = match_columns(list(raw.columns))
    lines = [f"# Draft mapping for {Path(csv_path).name}: read it, fix the guesses, delete what does not apply."]
    unmatched = [c for c in raw.columns if c not in found.values()]
    if unmatched:
        lines.append(f"# Columns not used: {', '.join(unmatched)}")
    lines.append("tables:")
    for table in ("claims", "claim_lines", "remittances", "adjustments"):
        columns = {ours: theirs for (t, ours), theirs in found.items() if t == table}
        if not columns or (table != "claims" and "claim_id" not in {o for (_, o) in found}):
            continue
        if table != "claims":
            columns = {"claim_id": found[("claims", "claim_id")], **columns}
        lines += [f"  {table}:", "    columns:"]
        lines += [f"      {ours}: {theirs}" for ours, theirs in columns.items()]
        dates = {o: guess_date_format(raw[t]) for o, t in columns.items() if o in DATE_COLUMNS}
        if dates:
            lines.append("    dates:")
            lines += [
                f'      {o}: "{fmt}"' if fmt else f"      {o}: ?  # no known date format fits"
                for o, fmt in dates.items()
            ]
        lines += _value_maps(raw, columns)
    return "\n".join(lines) + "\n"


def _value_maps(raw: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    out: list[str] = []
    if "claim_status_code" in columns:
        values = raw[columns["claim_status_code"]].value_counts().index[:MAX_VALUES]
        out += ["    values:", "      claim_status_code:  # 1 paid, 4 denied; null: not decided"]
        out += [f'        "{v}": {_status_code(v)}' for v in values]
    if "carc" in columns:
        values = [v for v in raw[columns["carc"]].value_counts().index[:MAX_VALUES] if v]
        out += ["    values:", '      carc:  # give each reason text its CARC (e.g. "197" authorization)']
        out += ['        "": null'] + [f'        "{v}": "?"' for v in values]
    return out
