"""Code sets the project uses: procedures (CPT/HCPCS), diagnoses (ICD-10-CM), modifiers, places of service.

Code values are real codes (facts); the short descriptions are written in this project's own words.
Sources: CMS HCPCS Level II and Place of Service code sets, ICD-10-CM (CDC/CMS), CPT code values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from denial_ml.domain.denials import FAR_FUTURE, FAR_PAST


@dataclass(frozen=True)
class Procedure:
    """A billable procedure with the facts the generator and the pre-submission checks need."""

    code: str
    description: str
    specialty: str
    base_charge: float
    modifiers: tuple[str, ...] = ()  # modifiers the procedure accepts
    dx_groups: tuple[str, ...] = ()  # diagnosis groups that support medical necessity
    max_units: int = 1
    auth_prone: bool = False  # payers commonly require prior authorization
    necessity_prone: bool = False  # payers commonly review for medical necessity
    institutional: bool = False
    start: dt.date = FAR_PAST
    stop: dt.date = FAR_FUTURE


@dataclass(frozen=True)
class Diagnosis:
    """An ICD-10-CM code (stored without the dot, as X12 carries it) with its validity dates."""

    code: str
    description: str
    group: str
    start: dt.date = FAR_PAST
    stop: dt.date = FAR_FUTURE
    chapter: str = field(default="")


EM = ("25", "95", "GT")
THERAPY = ("GP", "59", "XS", "XU", "KX")
P = Procedure
PROCEDURES: tuple[Procedure, ...] = (
    # Primary care
    P(
        "99202",
        "Office visit, new patient, straightforward",
        "primary_care",
        110,
        EM,
        ("general", "metabolic", "respiratory", "cardio"),
    ),
    P(
        "99203",
        "Office visit, new patient, low complexity",
        "primary_care",
        165,
        EM,
        ("general", "metabolic", "respiratory", "cardio"),
    ),
    P(
        "99213",
        "Office visit, established patient, low complexity",
        "primary_care",
        130,
        EM,
        ("general", "metabolic", "respiratory", "cardio", "msk", "mental"),
    ),
    P(
        "99214",
        "Office visit, established patient, moderate complexity",
        "primary_care",
        190,
        EM,
        ("general", "metabolic", "respiratory", "cardio", "msk", "mental"),
    ),
    P(
        "99215",
        "Office visit, established patient, high complexity",
        "primary_care",
        260,
        EM,
        ("metabolic", "cardio", "mental"),
    ),
    P("99396", "Preventive visit, established patient, 40-64", "primary_care", 240, ("25",), ("preventive",)),
    P("G0439", "Annual wellness visit, subsequent", "primary_care", 175, (), ("preventive",)),
    P("36415", "Venous blood draw", "primary_care", 18, (), ("general", "metabolic", "cardio", "preventive")),
    P(
        "80053",
        "Comprehensive metabolic panel",
        "primary_care",
        45,
        ("QW",),
        ("metabolic", "general", "preventive"),
    ),
    P("83036", "Hemoglobin A1c", "primary_care", 38, ("QW",), ("metabolic",)),
    P("80061", "Lipid panel", "primary_care", 52, ("QW",), ("cardio", "metabolic", "preventive")),
    P("90471", "Immunization administration", "primary_care", 30, (), ("vaccine",)),
    P("90686", "Influenza vaccine, quadrivalent", "primary_care", 42, (), ("vaccine",)),
    P("93000", "Electrocardiogram with report", "cardiology", 70, (), ("cardio",)),
    # Physical therapy
    P("97161", "Physical therapy evaluation, low complexity", "physical_therapy", 150, ("GP",), ("msk",)),
    P("97110", "Therapeutic exercise, each 15 minutes", "physical_therapy", 55, THERAPY, ("msk",), 4),
    P("97140", "Manual therapy, each 15 minutes", "physical_therapy", 60, THERAPY, ("msk",), 3),
    P("97530", "Therapeutic activities, each 15 minutes", "physical_therapy", 62, THERAPY, ("msk",), 4),
    P(
        "97112",
        "Neuromuscular re-education, each 15 minutes",
        "physical_therapy",
        58,
        THERAPY,
        ("msk", "neuro"),
        3,
    ),
    P("G0283", "Electrical stimulation, unattended", "physical_therapy", 30, ("GP",), ("msk",)),
    # Applied behaviour analysis
    P(
        "97151",
        "Behaviour identification assessment",
        "behavioral_health",
        480,
        ("HO", "HN"),
        ("autism",),
        8,
        True,
    ),
    P(
        "97153",
        "Adaptive behaviour treatment by technician",
        "behavioral_health",
        65,
        ("HM", "HN"),
        ("autism",),
        16,
        True,
    ),
    P(
        "97155",
        "Adaptive behaviour treatment with protocol modification",
        "behavioral_health",
        110,
        ("HO", "HN"),
        ("autism",),
        8,
        True,
    ),
    P(
        "97156",
        "Family adaptive behaviour treatment guidance",
        "behavioral_health",
        105,
        ("HO", "HN"),
        ("autism",),
        4,
        True,
    ),
    # Psychotherapy
    P("90791", "Psychiatric diagnostic evaluation", "behavioral_health", 220, ("95", "GT"), ("mental",)),
    P("90834", "Psychotherapy, 45 minutes", "behavioral_health", 140, ("95", "GT"), ("mental",)),
    P(
        "90837",
        "Psychotherapy, 60 minutes",
        "behavioral_health",
        185,
        ("95", "GT"),
        ("mental",),
        1,
        False,
        True,
    ),
    P(
        "90847",
        "Family psychotherapy with patient",
        "behavioral_health",
        160,
        ("95", "GT"),
        ("mental", "autism"),
    ),
    # Imaging
    P("71046", "Chest X-ray, 2 views", "radiology", 95, ("26", "TC"), ("respiratory", "cardio")),
    P("70450", "CT head without contrast", "radiology", 520, ("26", "TC"), ("neuro",), 1, True, True),
    P(
        "72148",
        "MRI lumbar spine without contrast",
        "radiology",
        1250,
        ("26", "TC"),
        ("msk", "neuro"),
        1,
        True,
        True,
    ),
    P(
        "73721",
        "MRI knee without contrast",
        "radiology",
        1150,
        ("26", "TC", "RT", "LT"),
        ("msk",),
        1,
        True,
        True,
    ),
    P(
        "74177",
        "CT abdomen and pelvis with contrast",
        "radiology",
        1450,
        ("26", "TC"),
        ("digestive",),
        1,
        True,
        True,
    ),
    P("93306", "Echocardiogram, complete", "cardiology", 980, ("26", "TC"), ("cardio",), 1, True, True),
    P("93015", "Cardiovascular stress test", "cardiology", 420, ("26", "TC"), ("cardio",), 1, False, True),
    # Orthopaedics and surgery
    P("20610", "Major joint injection or aspiration", "orthopedics", 210, ("RT", "LT", "59", "XS"), ("msk",)),
    P("J3301", "Triamcinolone acetonide injection, per 10 mg", "orthopedics", 12, ("RT", "LT"), ("msk",), 8),
    P(
        "29881",
        "Knee arthroscopy with meniscectomy",
        "orthopedics",
        4200,
        ("RT", "LT"),
        ("msk",),
        1,
        True,
        True,
        True,
    ),
    P("27447", "Total knee arthroplasty", "orthopedics", 32000, ("RT", "LT"), ("msk",), 1, True, True, True),
    P("E0114", "Crutches, underarm, pair", "orthopedics", 65, ("NU", "RR"), ("msk",)),
    # Dermatology
    P("11102", "Tangential skin biopsy, single lesion", "dermatology", 160, ("59", "XS"), ("skin",)),
    P("17000", "Destruction of premalignant lesion, first", "dermatology", 120, ("59",), ("skin",)),
    P(
        "17110",
        "Destruction of benign lesions, up to 14",
        "dermatology",
        140,
        ("59",),
        ("skin",),
        1,
        False,
        True,
    ),
    P(
        "15823",
        "Upper eyelid blepharoplasty",
        "dermatology",
        2800,
        ("RT", "LT", "50"),
        ("skin",),
        1,
        True,
        True,
        True,
    ),
)
PROCEDURE_BY_CODE: dict[str, Procedure] = {p.code: p for p in PROCEDURES}

D = Diagnosis
_ICD10_CHANGE = dt.date(2021, 10, 1)  # FY2022 ICD-10-CM update: M54.5 split into M54.50/51/59
DIAGNOSES: tuple[Diagnosis, ...] = (
    D("Z0000", "General adult exam without abnormal findings", "preventive", chapter="Z"),
    D("Z0001", "General adult exam with abnormal findings", "preventive", chapter="Z"),
    D("Z23", "Encounter for immunization", "vaccine", chapter="Z"),
    D("E119", "Type 2 diabetes without complications", "metabolic", chapter="E"),
    D("E785", "Hyperlipidemia, unspecified", "metabolic", chapter="E"),
    D("E039", "Hypothyroidism, unspecified", "metabolic", chapter="E"),
    D("I10", "Essential hypertension", "cardio", chapter="I"),
    D("I2510", "Coronary artery disease of native artery", "cardio", chapter="I"),
    D("R079", "Chest pain, unspecified", "cardio", chapter="R"),
    D("I480", "Paroxysmal atrial fibrillation", "cardio", chapter="I"),
    D("J069", "Acute upper respiratory infection", "respiratory", chapter="J"),
    D("J449", "Chronic obstructive pulmonary disease", "respiratory", chapter="J"),
    D("R051", "Acute cough", "respiratory", chapter="R"),
    D("M545", "Low back pain", "msk", stop=_ICD10_CHANGE - dt.timedelta(days=1), chapter="M"),
    D("M5450", "Low back pain, unspecified", "msk", start=_ICD10_CHANGE, chapter="M"),
    D("M1711", "Primary osteoarthritis, right knee", "msk", chapter="M"),
    D("M1712", "Primary osteoarthritis, left knee", "msk", chapter="M"),
    D("M25561", "Pain in right knee", "msk", chapter="M"),
    D("S83241A", "Medial meniscus tear, right knee, initial", "msk", chapter="S"),
    D("M5416", "Radiculopathy, lumbar region", "msk", chapter="M"),
    D("M6281", "Muscle weakness, generalized", "msk", chapter="M"),
    D("G43909", "Migraine, unspecified", "neuro", chapter="G"),
    D("R519", "Headache, unspecified", "neuro", chapter="R"),
    D("G4733", "Obstructive sleep apnea", "neuro", chapter="G"),
    D("F840", "Autistic disorder", "autism", chapter="F"),
    D("F411", "Generalized anxiety disorder", "mental", chapter="F"),
    D("F331", "Major depressive disorder, recurrent, moderate", "mental", chapter="F"),
    D("F32A", "Depression, unspecified", "mental", chapter="F"),
    D("F4310", "Post-traumatic stress disorder", "mental", chapter="F"),
    D("L570", "Actinic keratosis", "skin", chapter="L"),
    D("L821", "Seborrheic keratosis", "skin", chapter="L"),
    D("D485", "Neoplasm of uncertain behaviour of skin", "skin", chapter="D"),
    D("H02831", "Dermatochalasis of right upper eyelid", "skin", chapter="H"),
    D("K219", "Gastro-oesophageal reflux disease", "digestive", chapter="K"),
    D("R1031", "Right lower quadrant pain", "digestive", chapter="R"),
    D("K5790", "Diverticulosis of intestine", "digestive", chapter="K"),
)
DIAGNOSIS_BY_CODE: dict[str, Diagnosis] = {d.code: d for d in DIAGNOSES}

# Modifiers with a one-line meaning (project's words).
MODIFIERS: dict[str, str] = {
    "25": "significant, separately identifiable E/M service on the day of a procedure",
    "59": "distinct procedural service",
    "XS": "separate structure",
    "XU": "unusual non-overlapping service",
    "GP": "services under a physical therapy plan of care",
    "KX": "requirements in the medical policy met",
    "95": "synchronous telemedicine",
    "GT": "via interactive audio and video",
    "26": "professional component",
    "TC": "technical component",
    "RT": "right side",
    "LT": "left side",
    "50": "bilateral procedure",
    "QW": "CLIA-waived test",
    "HM": "less than bachelor's degree level",
    "HN": "bachelor's degree level",
    "HO": "master's degree level",
    "NU": "new equipment",
    "RR": "rental",
}

# Places of service used by the generator (CMS POS code set).
PLACES_OF_SERVICE: dict[str, str] = {
    "02": "telehealth outside the patient's home",
    "10": "telehealth in the patient's home",
    "11": "office",
    "12": "home",
    "19": "off-campus outpatient hospital",
    "21": "inpatient hospital",
    "22": "on-campus outpatient hospital",
    "24": "ambulatory surgical center",
    "81": "independent laboratory",
}

SPECIALTY_TAXONOMY: dict[str, str] = {
    "primary_care": "207Q00000X",
    "physical_therapy": "225100000X",
    "behavioral_health": "103K00000X",
    "radiology": "2085R0202X",
    "cardiology": "207RC0000X",
    "orthopedics": "207X00000X",
    "dermatology": "207N00000X",
}


def is_code_active(code: str, on: dt.date) -> bool:
    """Whether a procedure or diagnosis code exists and is active on a date."""
    entry = PROCEDURE_BY_CODE.get(code) or DIAGNOSIS_BY_CODE.get(code)
    return entry is not None and entry.start <= on <= entry.stop
