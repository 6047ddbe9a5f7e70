"""The practice's authorization register and the defects that lead to authorization denials."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.params import PAYERS, WorldTimeline

AUTH_CODES = {p.payer_id: frozenset(p.auth_codes) for p in PAYERS}
# A sibling code an authorization is mistakenly written for ("covers 97153 but not 97155").
SIBLING = {
    "97151": "97153",
    "97153": "97155",
    "97155": "97153",
    "97156": "97155",
    "72148": "72158",
    "73721": "73722",
    "70450": "70460",
    "74177": "74176",
    "93306": "93303",
    "29881": "29880",
    "27447": "27446",
    "15823": "15822",
    "93015": "93017",
    "97110": "97112",
    "97530": "97535",
}


def make_authorizations(
    rng: np.random.Generator, claims: pd.DataFrame, lines: pd.DataFrame, timeline: WorldTimeline
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Authorizations the practice obtained, with their defects.

    Returns:
        (authorizations table, claims with `prior_auth_number` and hidden auth flags, lines with hidden
        `_auth_wrong_code` / `_auth_units` flags).
    """
    c = lines["_c"].to_numpy()
    code = lines["procedure_code"].to_numpy().astype(str)
    payer = claims["payer_id"].to_numpy()[c]
    service = claims["service_date_from"].to_numpy()[c].astype("datetime64[D]")
    published = np.array([cd in AUTH_CODES[p] for cd, p in zip(code, payer, strict=True)])
    rule_start = np.datetime64(timeline.rule_change_start, "D")
    hidden = (
        (payer == timeline.rule_change_payer)
        & np.isin(code, timeline.rule_change_codes)
        & (service >= rule_start)
    )
    learned = hidden & (service >= rule_start + np.timedelta64(timeline.practice_learns_after_days, "D"))
    required = published | hidden
    known = published | learned

    n = len(claims)
    need = np.bincount(c, weights=required, minlength=n) > 0
    known_need = np.bincount(c, weights=required & known, minlength=n) > 0
    svc_claim = claims["service_date_from"].to_numpy().astype("datetime64[D]")
    p_obtain = np.where(svc_claim < np.datetime64(timeline.auth_fix_date, "D"), 0.93, 0.98)
    obtained = known_need & (rng.random(n) < p_obtain)

    req_lines = lines.loc[required & obtained[c], ["_c", "line_number", "procedure_code", "units"]]
    last_req = req_lines.drop_duplicates("_c", keep="last")
    per_claim = req_lines.groupby("_c").agg(
        codes=("procedure_code", lambda s: list(dict.fromkeys(s))), units=("units", "sum")
    )
    idx = per_claim.index.to_numpy()
    k = len(idx)
    wrong = rng.random(k) < 0.04
    codes = per_claim["codes"].to_list()
    dropped = np.full(k, "", dtype=object)
    for i in np.flatnonzero(wrong):
        dropped[i] = codes[i][-1]
        codes[i] = codes[i][:-1] if len(codes[i]) > 1 else [SIBLING.get(codes[i][0], codes[i][0])]
    start = svc_claim[idx] - rng.integers(0, 60, k).astype("timedelta64[D]")
    end = start + rng.choice([60, 90, 180], k).astype("timedelta64[D]")
    expired = rng.random(k) < 0.035
    end = np.where(expired, svc_claim[idx] - rng.integers(1, 25, k).astype("timedelta64[D]"), end)
    start = np.minimum(start, end - np.timedelta64(30, "D"))
    needed = per_claim["units"].to_numpy()
    short = (rng.random(k) < 0.05) & (needed >= 2)
    units = np.where(short, np.maximum(1, needed - rng.integers(1, 5, k)), needed + rng.integers(0, 20, k))
    auth_no = pd.Series(np.arange(k)).map("AUTH{:08d}".format).to_numpy()
    auths = pd.DataFrame(
        {
            "auth_number": auth_no,
            "payer_id": claims["payer_id"].to_numpy()[idx],
            "patient_id": claims["patient_id"].to_numpy()[idx],
            "procedure_codes": [" ".join(x) for x in codes],
            "start_date": start.astype("datetime64[ns]"),
            "end_date": end.astype("datetime64[ns]"),
            "units_authorized": units.astype("int64"),
        }
    )
    number = np.full(n, None, dtype=object)
    number[idx] = auth_no
    dq_slip = rng.random(n) < 0.012
    number = np.where(dq_slip, None, number)
    on_claim = np.array([x is not None for x in number])

    flags = {name: np.zeros(n, dtype=bool) for name in ("_auth_expired", "_auth_wrong", "_auth_units")}
    flags["_auth_expired"][idx] = expired
    flags["_auth_wrong"][idx] = wrong
    flags["_auth_units"][idx] = short
    claims = claims.assign(
        prior_auth_number=number,
        _auth_missing=need & ~on_claim,
        _auth_needed=need,
        **{k_: v & on_claim for k_, v in flags.items()},
    )
    # The line whose code the authorization does not cover, and the last line that exceeds its units.
    drop_code = pd.Series(dropped[wrong], index=idx[wrong])
    wrong_hit = req_lines[req_lines["procedure_code"].to_numpy() == req_lines["_c"].map(drop_code).to_numpy()]
    units_hit = last_req[last_req["_c"].isin(idx[short])]
    keys = pd.MultiIndex.from_arrays([c, lines["line_number"].to_numpy()])
    on = on_claim[c]
    lines = lines.assign(
        _auth_wrong_code=on & keys.isin(pd.MultiIndex.from_frame(wrong_hit[["_c", "line_number"]])),
        _auth_units=on & keys.isin(pd.MultiIndex.from_frame(units_hit[["_c", "line_number"]])),
    )
    return auths, claims, lines
