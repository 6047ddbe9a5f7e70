"""Code families as feature values: an unseen procedure or diagnosis gets its family's level.

The families themselves (CPT section ranges, HCPCS series, ICD-10-CM category and chapter) are domain facts in
`denial_ml.domain.code_families`; this module adds their feature levels and the vectorised lookups.
"""

from __future__ import annotations

import numpy as np

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.domain.code_families import FAMILY_DX_GROUPS, FAMILY_PREFIX, PROCEDURE_FAMILIES, procedure_level
from denial_ml.features.lookup import encode

# Levels of the categorical features. Catalog values come first in their old order, families after them: the
# positions of catalog levels (what a model trained on catalog codes split on) do not move.
PROCEDURE_LEVELS: list[str] = sorted(PROCEDURE_BY_CODE) + [FAMILY_PREFIX + f for f in PROCEDURE_FAMILIES]
DX_GROUP_LEVELS: list[str] = sorted({d.group for d in DIAGNOSIS_BY_CODE.values()}) + list(FAMILY_DX_GROUPS)


def procedure_levels(codes: np.ndarray) -> np.ndarray:
    """Each claim's `primary_procedure` level: the catalog code, else its family level, else None.

    Args:
        codes: Object array of procedure codes (None where a claim has no line).
    """
    position, distinct = encode(codes)
    levels = np.empty(len(distinct), dtype=object)
    levels[:] = [procedure_level(c) if isinstance(c, str) else None for c in distinct.tolist()]
    return levels[position]
