"""Where the synthetic world's payers take appeals: made up from each payer's id (no random draw, so the
world's other tables are unchanged), in the reserved 555-01xx fax range and example.com portals."""

from __future__ import annotations

import pandas as pd


def payer_contacts(payers: pd.DataFrame) -> pd.DataFrame:
    """One appeal address, fax and portal per payer of `payers`."""
    rows = []
    for n, payer_id in enumerate(payers["payer_id"].astype(str)):
        rows.append(
            {
                "payer_id": payer_id,
                "appeal_address": f"Appeals Unit, PO Box {4100 + 17 * n}, Springfield, IL {62701 + n}",
                "appeal_fax": f"(217) 555-01{n % 100:02d}",
                "appeal_portal": f"https://{payer_id.lower()}.example.com/appeals",
            }
        )
    return pd.DataFrame(rows, columns=["payer_id", "appeal_address", "appeal_fax", "appeal_portal"])
