"""The claim-check form: its fields to an API claim payload and back, and field errors to form inputs (pure).

Values that do not parse (a units field reading "four") are passed on as text, so the API's own validation
(`denial_ml.service.validation.check_claims`) names the field and the problem, exactly as the API would.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from denial_ml.domain import claim_fields as described
from denial_ml.service.schemas import FieldError
from denial_ml.web.plain_errors import plain_message

MAX_LINES = 6
# Typed-in header fields sent as typed; the diagnosis codes, the total charge and the eligibility flag are parsed.
_AS_TYPED = ("text", "code", "choice", "date")
HEADER_FIELDS = tuple(f.name for f in described.CLAIM_FIELDS if f.form_input and f.kind in _AS_TYPED)
LINE_FIELDS = tuple(f.name for f in described.LINE_FIELDS if f.form_input)
# Line labels are lower case: they follow "Line 2" in error summaries and input labels.
LABELS = {
    **{f.name: f.label for f in described.CLAIM_FIELDS},
    **{f.name: f.label.lower() for f in described.LINE_FIELDS},
    "claim": "Claim",
}
_LINE_SIZES = {
    "procedure_code": 5,
    "modifiers": 8,
    "units": 3,
    "line_charge": 8,
    "diagnosis_pointers": 5,
    "revenue_code": 4,
}
_DIGITS = re.compile(r"^\^\\d\{(\d+)\}\$$")


@dataclass(frozen=True)
class FormInput:
    """One input of the claim-check form, as the template draws it.

    Attributes:
        name: The input's name (the field's; `lines-<row>-<name>` for line fields).
        label: Its label; money fields say their unit.
        hint: The field's help text, and what an empty input sends.
        widget: "text", "date", "select", "checkbox", "payer" (the served model's payers) or "lines".
        required: Whether the browser asks for a value before sending.
        options: (value, words) of a select.
        inputmode: The keyboard a phone shows ("numeric", "decimal"; "" for text).
        maxlength: Most characters a code of fixed length takes (None: no limit).
        size: Width of a line input, in characters.
    """

    name: str
    label: str
    hint: str
    widget: str
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    inputmode: str = ""
    maxlength: int | None = None
    size: int = 10


def form_inputs() -> dict[str, list[FormInput]]:
    """The form's inputs by section ("claim", "eligibility", "correction", "line"), in the fields' order."""
    sections: dict[str, list[FormInput]] = {}
    for field in (*described.CLAIM_FIELDS, *described.LINE_FIELDS):
        if field.form_input and field.kind != "lines":
            sections.setdefault(field.section, []).append(_form_input(field))
    return sections


def _form_input(field: described.ClaimField) -> FormInput:
    widget = {"date": "date", "choice": "select", "flag": "checkbox"}.get(field.kind, "text")
    if field.name == "payer_id":
        widget = "payer"
    digits = _DIGITS.match(field.pattern or "")
    inputmode = "numeric" if digits else "decimal" if field.kind == "money" else ""
    fill = f" Empty: {field.form_fill}." if field.form_fill else ""
    return FormInput(
        name=field.name,
        label=f"{field.label} ($)" if field.kind == "money" else field.label,
        hint=field.help + fill,
        widget=widget,
        required=field.required and not field.form_fill and widget in ("text", "date", "payer"),
        options=field.choices,
        inputmode=inputmode,
        maxlength=int(digits.group(1)) if digits else None,
        size=_LINE_SIZES.get(field.name, 10),
    )


_SPLIT = re.compile(r"[\s,;]+")
_INT = re.compile(r"^[0-9]{1,9}$")  # ASCII only: `\d` and `str.isdigit` take "²" and "٣"


def _clean(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _codes(value: Any) -> list[str]:
    return [c.replace(".", "").upper() for c in _SPLIT.split(_clean(value) or "") if c]


def _int(text: str) -> int | str:
    return int(text) if _INT.match(text) else text


def _money(text: str) -> float | str:
    try:
        return round(float(text.replace(",", "").replace("$", "")), 2)
    except ValueError:
        return text


def new_form(today: dt.date) -> dict[str, str]:
    """Values of an empty form: today's submission, a professional claim in an office."""
    return {"submission_date": today.isoformat(), "claim_type": "837P", "claim_frequency_code": "1",
            "place_of_service": "11", "eligibility_status": "unknown"}  # fmt: skip


def _line(form: Mapping[str, Any], row: int, number: int, service_from: str | None) -> dict[str, Any] | None:
    raw = {name: _clean(form.get(f"lines-{row}-{name}")) for name in LINE_FIELDS}
    if all(v is None for v in raw.values()):
        return None
    units, charge = raw["units"] or "1", raw["line_charge"]
    pointers = [_int(p) for p in _SPLIT.split(raw["diagnosis_pointers"] or "") if p]
    line = {
        "line_number": number,
        "procedure_code": (raw["procedure_code"] or "").upper() or None,
        "modifiers": _codes(raw["modifiers"]),
        "units": _int(units),
        "line_charge": _money(charge) if charge else None,
        "diagnosis_pointers": pointers or None,
        "service_date": raw["service_date"] or service_from,
    }
    if raw["revenue_code"]:  # 837I: a line may give its revenue code alone
        line["revenue_code"] = raw["revenue_code"]
    return line


def form_to_claim(form: Mapping[str, Any], today: dt.date) -> tuple[dict[str, Any], list[int]]:
    """The API claim payload of a submitted form, and the form row of each of its lines.

    Empty line rows are skipped; a line's service date defaults to the claim's first service date, the
    submission date to today and the total charge to the sum of the line charges.
    """
    claim: dict[str, Any] = {}
    for name in HEADER_FIELDS:
        value = _clean(form.get(name))
        if value is not None:
            claim[name] = value.upper() if name in ("claim_type",) else value
    claim.setdefault("submission_date", today.isoformat())
    claim["eligibility_checked"] = form.get("eligibility_checked") in ("on", "true", "1", "yes")
    claim["diagnosis_codes"] = _codes(form.get("diagnosis_codes"))
    lines: list[dict[str, Any]] = []
    rows: list[int] = []
    for row in range(MAX_LINES):
        line = _line(form, row, len(lines) + 1, claim.get("service_date_from"))
        if line is not None:
            lines.append(line)
            rows.append(row)
    claim["lines"] = lines
    total = _clean(form.get("total_charge"))
    charges = [line["line_charge"] for line in lines if isinstance(line["line_charge"], float)]
    claim["total_charge"] = _money(total) if total else round(sum(charges), 2)
    return claim, rows


def open_line_rows(form: Mapping[str, Any], errors: Mapping[str, Any] | None = None) -> int:
    """How many line rows the form shows open: every row holding a value or an error, plus one empty row.

    At least two; the rest sit in a closed "More service lines" group, so the Tab path through a one-line
    claim passes 2 rows of line inputs instead of all MAX_LINES (issue #21: the form took 90 Tab stops).
    """
    used = [
        row
        for row in range(MAX_LINES)
        if any(str(form.get(f"lines-{row}-{name}") or "").strip() for name in LINE_FIELDS)
        or any(key.startswith(f"lines-{row}-") for key in (errors or {}))
    ]
    return min(MAX_LINES, max(2, (max(used) + 2) if used else 0))


def claim_to_form(claim: Mapping[str, Any]) -> dict[str, str]:
    """Form values showing a claim payload (e.g. one pasted as JSON), lines in rows 0, 1, ..."""
    form = {name: "" if claim.get(name) is None else str(claim[name]) for name in HEADER_FIELDS}
    form["diagnosis_codes"] = " ".join(claim.get("diagnosis_codes") or [])
    form["total_charge"] = "" if claim.get("total_charge") is None else f"{claim['total_charge']:.2f}"
    form["eligibility_checked"] = "on" if claim.get("eligibility_checked") else ""
    for row, line in enumerate((claim.get("lines") or [])[:MAX_LINES]):
        for name in LINE_FIELDS:
            value = line.get(name)
            if isinstance(value, list):
                value = " ".join(map(str, value))
            form[f"lines-{row}-{name}"] = "" if value is None else str(value)
    return form


def parse_pasted(text: str) -> dict[str, Any]:
    """A claim from pasted JSON: a claim object, `{"claim": {...}}` or `{"claims": [first, ...]}`.

    Raises:
        ValueError: with a message saying what is wrong with the text.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The pasted text is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    if isinstance(data, dict) and isinstance(data.get("claim"), dict):
        data = data["claim"]
    elif isinstance(data, dict) and isinstance(data.get("claims"), list) and data["claims"]:
        data = data["claims"][0]
    if not isinstance(data, dict):
        raise ValueError('The pasted JSON must be one claim object, {"claim": {...}} or {"claims": [...]}.')
    return data


def error_inputs(errors: list[FieldError], rows: list[int] | None = None) -> dict[str, list[str]]:
    """Field errors keyed by the form input they belong to (`lines-<row>-units`, `diagnosis_codes`, ...)."""
    out: dict[str, list[str]] = {}
    for error in errors:
        match = re.match(r"^lines\[(\d+)\]\.(\w+)", error.field)
        if match:
            position = int(match.group(1))
            row = rows[position] if rows is not None and position < len(rows) else position
            key = f"lines-{row}-{match.group(2)}"
        else:
            key = re.sub(r"\[\d+\]$", "", error.field) or "claim"
        out.setdefault(key, []).append(plain_message(error))
    return out


def describe_error(error: FieldError, rows: list[int] | None = None) -> str:
    """ "Line 2 units: Input should be a valid integer" for the summary above the form."""
    match = re.match(r"^lines\[(\d+)\]\.(\w+)", error.field)
    if match:
        position = int(match.group(1))
        row = rows[position] if rows is not None and position < len(rows) else position
        return f"Line {row + 1} {LABELS.get(match.group(2), match.group(2))}: {plain_message(error)}"
    name = re.sub(r"\[\d+\]$", "", error.field) or "claim"
    return f"{LABELS.get(name, name)}: {plain_message(error)}"
