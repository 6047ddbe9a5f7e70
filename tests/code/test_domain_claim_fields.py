"""Every layer that names a claim's fields names exactly the described ones (`denial_ml.domain.claim_fields`).

A field added to the description but not to the API, the form, the data model or the feature pipeline fails here,
and so does a field a layer holds that the description lacks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing

import pytest

from denial_ml.domain import claim_fields as described
from denial_ml.features.arrays import claim_arrays_from_records
from denial_ml.schemas import CLAIM_LINES, CLAIMS, validate_table
from denial_ml.service.schemas import EXAMPLE_CLAIM, ClaimIn, LineIn
from denial_ml.service.validation import claims_frame, lines_frame
from denial_ml.web.claim_form import LABELS, claim_to_form, form_inputs, form_to_claim
from denial_ml.web.state import template_environment

HEADER = described.CLAIM_FIELDS
LINE = described.LINE_FIELDS


BASE_TYPES = {"text": str, "code": str, "choice": str, "date": dt.date, "money": float, "count": int, "flag": bool,
              "codes": list, "numbers": list, "lines": list}  # fmt: skip


def base_type(annotation: object) -> object:
    """The type under an optional, a Literal (its values' type) or a list (`list`)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return type(args[0])
    if origin is list:
        return list
    return base_type(args[0]) if origin is not None else annotation


def differences(fields: tuple[described.ClaimField, ...], layer: list[str] | set[str]) -> tuple[set, set]:
    """(described names the layer lacks, names the layer holds that are not described)."""
    names = {f.name for f in fields}
    return names - set(layer), set(layer) - names


def test_differences_names_a_missing_and_an_undescribed_field():
    extra = described.ClaimField("referral_number", "text", "Referral", "A referral.", "R1")
    assert differences((*HEADER, extra), list(ClaimIn.model_fields)) == ({"referral_number"}, set())
    assert differences(HEADER[1:], list(ClaimIn.model_fields)) == (set(), {"claim_id"})


def test_api_models_hold_exactly_the_described_fields_in_order():
    assert list(ClaimIn.model_fields) == [f.name for f in HEADER]
    assert list(LineIn.model_fields) == [f.name for f in LINE]


@pytest.mark.parametrize("model,field", [(ClaimIn, f) for f in HEADER] + [(LineIn, f) for f in LINE], ids=str)
def test_api_field_follows_its_description(model, field):
    info = model.model_fields[field.name]
    assert info.is_required() == field.required
    assert (info.title, info.description) == (field.label, field.description)
    if not field.required:
        default = info.get_default(call_default_factory=True)
        assert default == (list(field.default) if field.default == () else field.default)
    assert base_type(info.annotation) is BASE_TYPES[field.kind]
    allows_none = type(None) in typing.get_args(info.annotation)
    assert allows_none == field.nullable
    if field.kind == "choice":
        assert typing.get_args(info.annotation) == field.choice_values


def test_described_examples_make_a_claim_the_api_and_the_data_model_accept():
    line = {f.name: f.example for f in LINE}
    claim = ClaimIn.model_validate({**{f.name: f.example for f in HEADER}, "lines": [line]})
    validate_table("claims", claims_frame([claim]))
    validate_table("claim_lines", lines_frame([claim]))


def test_data_model_columns_are_the_described_ones_plus_the_system_columns():
    claim_columns = {c for f in HEADER for c in f.data_columns}
    line_columns = {c for f in LINE for c in f.data_columns}
    assert claim_columns | set(described.CLAIM_SYSTEM_COLUMNS) == set(CLAIMS.columns)
    assert line_columns | set(described.LINE_SYSTEM_COLUMNS) == set(CLAIM_LINES.columns)
    assert not claim_columns & set(described.CLAIM_SYSTEM_COLUMNS)
    assert not line_columns & set(described.LINE_SYSTEM_COLUMNS)


def test_web_form_has_an_input_for_every_described_field_or_says_why_not():
    on_form = [f for f in (*HEADER, *LINE) if f.form_input and f.kind != "lines"]
    for section, inputs in form_inputs().items():  # each section in the described order
        assert [i.name for i in inputs] == [f.name for f in on_form if f.section == section]
    assert {i.name for inputs in form_inputs().values() for i in inputs} == {f.name for f in on_form}
    assert all(f.form_note for f in (*HEADER, *LINE) if not f.form_input)
    assert set(LABELS) - {"claim"} == {f.name for f in (*HEADER, *LINE)}
    form = claim_to_form(EXAMPLE_CLAIM)
    header_keys = {k for k in form if not k.startswith("lines-")}
    assert differences(tuple(f for f in HEADER if f.form_input and f.kind != "lines"), header_keys) == (set(), set())
    line_keys = {k.split("-", 2)[2] for k in form if k.startswith("lines-0-")}
    assert differences(tuple(f for f in LINE if f.form_input), line_keys) == (set(), set())
    claim, _ = form_to_claim(form, dt.date(2026, 3, 2))
    assert ClaimIn.model_validate(claim) == ClaimIn.model_validate(EXAMPLE_CLAIM)


def test_claim_check_page_draws_every_form_input():
    page = {"form": {}, "inputs": form_inputs(), "labels": LABELS, "max_lines": 1, "open_lines": 1, "payers": ["MCD02"]}
    page |= dict.fromkeys(("result", "claim", "viewer", "request", "whatif", "whatif_error"))
    page |= {"field_errors": {}, "errors": [], "choices": {}, "model_version": "v", "mode": "form", "pasted": ""}
    page |= {"claim_json": "", "csrf_field": "c", "csrf_token": "t"}
    html = template_environment().get_template("claim_check.html").render(**page)
    for section in form_inputs().values():
        for i in section:
            name = f"lines-0-{i.name}" if i.name in {f.name for f in LINE} else i.name
            assert f'name="{name}"' in html, name
            assert i.label in html


def test_feature_pipeline_reads_only_described_header_fields():
    read: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    record = Recording({**EXAMPLE_CLAIM, "diagnosis_codes": "F840 E119"})
    arrays = claim_arrays_from_records([record])
    with_arrays = tuple(f for f in HEADER if f.feature_array)
    assert differences(with_arrays, read) == (set(), set())
    assert {f.name for f in dataclasses.fields(arrays)} == {f.feature_array for f in with_arrays}


def test_unknown_field_names_fail_loudly():
    with pytest.raises(KeyError, match="referral_number"):
        described.claim_field("referral_number")
    with pytest.raises(KeyError):
        described.line_field("claim_id")
