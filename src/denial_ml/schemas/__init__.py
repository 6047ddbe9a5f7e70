"""The claims data model: one pandera schema per table, checked at every boundary (read, write, ingest).

`world` holds the world's tables (reference data, claims, lines, the 835's decisions, the truth), `frontend` the
tables a world or store may lack (999, 277CA/277, 271, payers' appeal contacts), `validation` the check with
errors that name the table, column and row; `columns` the column builders and code lists they share.
"""

from denial_ml.schemas.columns import APPEAL_OUTCOMES, CLP_STATUS_CODES, DATE, GROUP_CODES, MODIFIER, PAYER_TYPES
from denial_ml.schemas.frontend import (
    ACKNOWLEDGEMENTS,
    CLAIM_EVENTS,
    COVERAGE_STATUSES,
    ELIGIBILITY_RESPONSES,
    EVENT_KINDS,
    FRONT_END_TABLES,
    OPTIONAL_TABLES,
    PAYER_CONTACTS,
)
from denial_ml.schemas.validation import TableValidationError, validate_schema, validate_table
from denial_ml.schemas.world import (
    ADJUSTMENTS,
    APPEALS,
    AUTHORIZATIONS,
    CLAIM_LINES,
    CLAIMS,
    COVERAGES,
    PATIENTS,
    PAYER_DECISION_TABLES,
    PAYERS,
    PRE_SUBMISSION_TABLES,
    PROVIDERS,
    REMARKS,
    REMITTANCE_LINES,
    REMITTANCES,
    TABLES,
    TRUTH,
)

__all__ = [
    "ACKNOWLEDGEMENTS",
    "ADJUSTMENTS",
    "APPEALS",
    "APPEAL_OUTCOMES",
    "AUTHORIZATIONS",
    "CLAIMS",
    "CLAIM_EVENTS",
    "CLAIM_LINES",
    "CLP_STATUS_CODES",
    "COVERAGES",
    "COVERAGE_STATUSES",
    "DATE",
    "ELIGIBILITY_RESPONSES",
    "EVENT_KINDS",
    "FRONT_END_TABLES",
    "GROUP_CODES",
    "MODIFIER",
    "OPTIONAL_TABLES",
    "PATIENTS",
    "PAYERS",
    "PAYER_CONTACTS",
    "PAYER_DECISION_TABLES",
    "PAYER_TYPES",
    "PRE_SUBMISSION_TABLES",
    "PROVIDERS",
    "REMARKS",
    "REMITTANCES",
    "REMITTANCE_LINES",
    "TABLES",
    "TRUTH",
    "TableValidationError",
    "validate_schema",
    "validate_table",
]
