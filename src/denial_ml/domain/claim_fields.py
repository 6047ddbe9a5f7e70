"""The fields a biller submits for a claim and its lines, described once.

Every layer that names a claim field reads it from here: the API's request bodies (`ClaimIn`, `LineIn`: types,
constraints, titles, descriptions, examples), the claim-check form (order, labels, help texts), the checks' field
names and the feature pipeline's list of header fields. A test fails when a layer misses a described field or
holds one that is not described, including the pandera `claims` / `claim_lines` schemas.

Kinds (how a value is written in a request):

- `text`: free text; `min_length` / `max_length` bound its length.
- `code`: text matching `pattern`.
- `choice`: one of `choices` (value, words).
- `date`: a day, written YYYY-MM-DD.
- `money`: dollars, 0 to 1e9.
- `count`: a whole number from `minimum` to `maximum`.
- `flag`: true or false.
- `codes`: a list of codes, each matching `pattern`; `min_length` / `max_length` bound the list. The data model
  holds it space-separated, or spread over numbered columns (`columns`).
- `numbers`: a list of whole numbers, each from `minimum` to `maximum`; `max_length` bounds the list.
- `lines`: the claim's service lines (each described by `LINE_FIELDS`), held in the `claim_lines` table.

Plain data, no imports above the standard library: the lowest layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "code", "choice", "date", "money", "count", "flag", "codes", "numbers", "lines"]
Section = Literal["claim", "eligibility", "correction", "lines", "line"]

NPI = r"^[0-9]{10}$"  # ASCII digits only: \d also takes other scripts' digits
PROCEDURE = r"^[A-Z0-9]{5}$"
ICD10 = r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$"  # ICD-10-CM, with or without the dot (M54.50 is M5450)
MODIFIER_CODE = r"^[A-Z0-9]{2}$"
PLACE_OF_SERVICE = r"^[0-9]{2}$"
REVENUE_CODE = r"^[0-9]{4}$"
FACILITY_TYPE = r"^[0-9]{2}$"  # 837I CLM05-1: the bill type's facility type and classification digits
ADMISSION_TYPE = r"^[0-9]$"  # CL101 (NUBC priority of admission: 1 emergency ... 9 not available)
ADMISSION_SOURCE = r"^[0-9A-Z]$"  # CL102 (NUBC point of origin)
# CLM05-3 (NUBC frequency, the bill type's last digit): 0 non-payment, 1 admit through discharge (a whole
# claim), 2 interim first, 3 interim continuing, 4 interim last, 5 late charges only, 7 replacement, 8 void.
FREQUENCY_CODES = ("0", "1", "2", "3", "4", "5", "7", "8")
INSTITUTIONAL_ONLY_FREQUENCIES = ("0", "2", "3", "4", "5")  # an 837P takes 1, 7 and 8 only

CLAIM_SYSTEM_COLUMNS: tuple[str, ...] = ()
"""Columns of the `claims` table no biller field fills (none: every column comes from the claim as sent)."""
LINE_SYSTEM_COLUMNS = ("claim_id",)
"""Columns of the `claim_lines` table no line field fills: the claim a line belongs to is the one it is sent in."""


@dataclass(frozen=True)
class ClaimField:
    """One field of a claim (or of a line) as a biller submits it.

    Attributes:
        name: The field's name in requests, and the data-model column it fills unless `columns` says otherwise.
        kind: How the value is written (see the module docstring).
        label: Its name for people (form labels, error summaries, the API's titles).
        help: One sentence saying what to enter (form hints, the API's descriptions).
        example: A realistic value, in request form.
        required: Whether a request must carry it; an optional field left out takes `default`.
        default: The value of an optional field left out (None: empty; `()`: an empty list).
        x12: The 837 element that carries it, where one does.
        pattern: Regular expression the value (or each item of a list) matches.
        min_length: Shortest text, or fewest items of a list.
        max_length: Longest text, or most items of a list.
        minimum: Smallest number (of a count, or of each item of a list of numbers).
        maximum: Largest number.
        choices: (value, words) of a `choice`, in the order the API lists them.
        section: Where the claim-check form shows it.
        columns: The data-model columns it fills; `(name,)` when empty, `()` for `lines`.
        feature_array: The name the feature pipeline reads the header field under ("" when it does not).
        form_input: Whether the claim-check form has an input for it.
        form_fill: What the form sends when the input is left empty ("" when it sends nothing).
        form_note: Why the form has no input for it (when `form_input` is False).
    """

    name: str
    kind: Kind
    label: str
    help: str
    example: object
    required: bool = True
    default: object = None
    x12: str = ""
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    section: Section = "claim"
    columns: tuple[str, ...] | None = None
    feature_array: str = ""
    form_input: bool = True
    form_fill: str = ""
    form_note: str = ""

    @property
    def data_columns(self) -> tuple[str, ...]:
        """The data-model columns the field fills."""
        if self.columns is not None:
            return self.columns
        return () if self.kind == "lines" else (self.name,)

    @property
    def nullable(self) -> bool:
        """Whether the field may be sent empty (null)."""
        return not self.required and self.default is None

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The values a `choice` takes."""
        return tuple(value for value, _ in self.choices)

    @property
    def description(self) -> str:
        """The help text followed by the X12 element that carries the field."""
        return f"{self.help} X12: {self.x12}." if self.x12 else self.help


CLAIM_FIELDS: tuple[ClaimField, ...] = (
    ClaimField("claim_id", "text", "Claim number", "Your patient control number, unique per claim.",
               "CLM-2026-000123", x12="CLM01", min_length=1, max_length=64, feature_array="claim_id"),
    ClaimField("patient_id", "text", "Patient id", "The practice's id of the patient.", "P0004776",
               min_length=1, max_length=64, feature_array="patient"),
    ClaimField("member_id", "text", "Member id", "The subscriber id on the insurance card; never logged.",
               "HUN511227441", required=False, x12="NM109 of loop 2010BA", max_length=64, feature_array="member"),
    ClaimField("payer_id", "text", "Payer", "The payer the claim goes to: one the model knows (GET /v1/models).",
               "MCD02", min_length=1, max_length=64, feature_array="payer"),
    ClaimField("billing_provider_npi", "code", "Billing NPI", "The billing provider's 10-digit NPI.", "1283664446",
               x12="NM109 of loop 2010AA", pattern=NPI),
    ClaimField("rendering_provider_npi", "code", "Rendering NPI",
               "The 10-digit NPI of the provider who gave the service.", "1054798030", required=False,
               x12="NM109 of loop 2310B", pattern=NPI, feature_array="provider"),
    ClaimField("claim_type", "choice", "Claim type", "837P for professional claims, 837I for institutional ones.",
               "837P", choices=(("837P", "837P professional"), ("837I", "837I institutional")),
               feature_array="claim_type"),
    ClaimField("claim_frequency_code", "choice", "Frequency",
               "1 for a new claim, 7 to replace one, 8 to void one; 837I also 0, 2-4 (interim bills) and 5 (late "
               "charges).", "1", required=False, default="1", x12="CLM05-3", section="correction",
               choices=(("1", "1 original"), ("7", "7 replacement"), ("8", "8 void"), ("2", "2 interim, first"),
                        ("3", "3 interim, continuing"), ("4", "4 interim, last"), ("5", "5 late charges only"),
                        ("0", "0 non-payment / zero claim")), feature_array="frequency"),
    ClaimField("place_of_service", "code", "Place of service", "2 digits, e.g. 11 office, 02 telehealth.", "11",
               x12="CLM05-1", pattern=PLACE_OF_SERVICE, feature_array="pos"),
    ClaimField("service_date_from", "date", "Service from", "The first day of service.", "2026-02-10",
               feature_array="service_day"),
    ClaimField("service_date_to", "date", "Service to", "The last day of service.", "2026-02-10"),
    ClaimField("submission_date", "date", "Submission date",
               "The day the claim leaves (or would leave) the practice.", "2026-02-12", x12="BHT04",
               feature_array="submit_day", form_fill="today"),
    ClaimField("total_charge", "money", "Total charge", "The sum of the line charges, in dollars.", 494.97,
               x12="CLM02", feature_array="charge", form_fill="the sum of the lines"),
    ClaimField("diagnosis_codes", "codes", "Diagnosis codes",
               "ICD-10-CM codes without dots, principal first, e.g. F840 E119.", ["F840", "E119"], x12="HI",
               pattern=ICD10, min_length=1, max_length=12, feature_array="dx_text"),
    ClaimField("prior_auth_number", "text", "Prior authorization number",
               "The payer's number for a service it authorized in advance.", "AUTH00002926", required=False,
               x12="REF*G1", max_length=50, feature_array="auth_number"),
    ClaimField("original_claim_id", "text", "Original claim number",
               "For a replacement or a void: the claim number it corrects.", "CLM-2026-000099", required=False,
               x12="REF*F8", max_length=64, section="correction"),
    ClaimField("eligibility_checked", "flag", "Eligibility verified",
               "An eligibility inquiry (270/271) was made before submission.", True, required=False,
               default=False, section="eligibility", feature_array="eligibility_checked"),
    ClaimField("eligibility_check_date", "date", "Eligibility check date", "The day of that inquiry.", "2026-02-09",
               required=False, section="eligibility", feature_array="check_day"),
    ClaimField("eligibility_status", "choice", "Eligibility status", "What the 271 answered for the service date.",
               "active", required=False, default="unknown", x12="EB01 of the 271", section="eligibility",
               choices=(("active", "active"), ("inactive", "inactive"), ("unknown", "unknown")),
               feature_array="eligibility_status"),
    ClaimField("facility_type_code", "code", "Facility type (837I)",
               "837I: the bill type's first two digits, e.g. 13 hospital outpatient, 11 hospital inpatient; the "
               "frequency is its third.", "13", required=False, x12="CLM05-1 (837I)", pattern=FACILITY_TYPE),
    ClaimField("admission_date", "date", "Admission date (837I)", "837I inpatient bills: the day of admission.",
               "2026-02-10", required=False, x12="DTP*435"),
    ClaimField("admission_type_code", "code", "Admission type (837I)",
               "837I: NUBC priority of admission, 1 emergency, 2 urgent, 3 elective, 9 not available.", "3",
               required=False, x12="CL101", pattern=ADMISSION_TYPE),
    ClaimField("admission_source_code", "code", "Point of origin (837I)",
               "837I: NUBC point of origin, e.g. 1 non-health-care facility, 2 clinic referral, 4 transfer.", "1",
               required=False, x12="CL102", pattern=ADMISSION_SOURCE),
    ClaimField("lines", "lines", "Service lines",
               "The claim's service lines, at least one; each line_number once (a repeat is refused).", [],
               x12="loop 2400", min_length=1, max_length=999, section="lines"),
)  # fmt: skip
"""The claim's header fields, in the order requests and the API document list them."""

LINE_FIELDS: tuple[ClaimField, ...] = (
    ClaimField("line_number", "count", "Line number", "The line's number, unique within the claim.", 1,
               x12="LX01", minimum=1, maximum=999, section="line", form_input=False,
               form_note="the form numbers the filled rows in order"),
    ClaimField("line_control_number", "text", "Line control number",
               "Your id of the line, echoed in the 835; default `<claim_id>-<line_number>`.", "CLM-2026-000123-1",
               required=False, x12="REF*6R", max_length=64, section="line", form_input=False,
               form_note="the form always sends the default"),
    ClaimField("procedure_code", "code", "Procedure",
               "The CPT/HCPCS code; an 837I line may leave it empty when its revenue code names the service.",
               "97155", required=False, x12="SV101-2 / SV202-2", pattern=PROCEDURE, section="line"),
    ClaimField("modifiers", "codes", "Modifiers", "Up to four modifiers.", ["HO"], required=False, default=(),
               x12="SV101-3 to SV101-6", pattern=MODIFIER_CODE, max_length=4, section="line",
               columns=("modifier_1", "modifier_2", "modifier_3", "modifier_4")),
    ClaimField("units", "count", "Units", "Units of service.", 4, x12="SV104 / SV205", minimum=1, maximum=9999,
               section="line"),
    ClaimField("line_charge", "money", "Charge", "The line's charge, in dollars.", 494.97, x12="SV102 / SV203",
               section="line"),
    ClaimField("diagnosis_pointers", "numbers", "Diagnosis pointers",
               "1-based indexes into the claim's diagnosis_codes.", [1], required=False, x12="SV107", minimum=1,
               maximum=12, max_length=4, section="line"),
    ClaimField("service_date", "date", "Service date", "The day of the service.", "2026-02-10", x12="DTP*472",
               section="line", form_fill="the claim's first service date"),
    ClaimField("revenue_code", "code", "Revenue code", "The 4-digit revenue code (837I only).", "0450",
               required=False, x12="SV201", pattern=REVENUE_CODE, section="line"),
)  # fmt: skip
"""The fields of one service line (837 loop 2400), in request order."""


def claim_field(name: str) -> ClaimField:
    """The description of one claim header field.

    Raises:
        KeyError: when no header field has that name.
    """
    return _find(CLAIM_FIELDS, name)


def line_field(name: str) -> ClaimField:
    """The description of one line field.

    Raises:
        KeyError: when no line field has that name.
    """
    return _find(LINE_FIELDS, name)


def _find(fields: tuple[ClaimField, ...], name: str) -> ClaimField:
    for field in fields:
        if field.name == name:
            return field
    raise KeyError(f"no described claim field {name!r}")


def header_feature_fields(kinds: tuple[Kind, ...]) -> tuple[tuple[str, str], ...]:
    """(array name, column) of the header fields of these kinds the feature pipeline reads, in field order."""
    return tuple((f.feature_array, f.name) for f in CLAIM_FIELDS if f.feature_array and f.kind in kinds)
