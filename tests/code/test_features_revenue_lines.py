"""The procedure key of revenue-code-only 837I lines: their revenue family, and how line history treats it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.lookup import Keys
from denial_ml.features.revenue_lines import is_revenue_key, line_code_keys, line_codes, revenue_key


def test_a_line_without_procedure_is_keyed_by_its_revenue_family():
    assert revenue_key("0250") == "REV025" and revenue_key("0258") == "REV025" and revenue_key(None) == ""
    keys = line_code_keys(np.array(["99213", "", ""], dtype=object), np.array([None, "0272", None], dtype=object))
    assert keys.tolist() == ["99213", "REV027", ""]
    lines = pd.DataFrame({"procedure_code": ["80053", None], "revenue_code": ["0300", "0120"]})
    assert line_codes(lines).tolist() == ["80053", "REV012"]


def test_revenue_keys_are_told_from_procedure_keys():
    keys = Keys(np.array([0, 1, 0, 2]), np.array(["P1|99213", "P1|REV025", "P2|REV027"], dtype=object))
    assert is_revenue_key(keys).tolist() == [False, True, False, True]
