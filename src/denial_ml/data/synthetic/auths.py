"""The practice's authorization register and the defects that lead to authorization denials."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import Coded, first_occurrences, fixed_str, format_ids, join_slots, str_frame
from denial_ml.data.synthetic.hidden import add_hidden, hidden
from denial_ml.data.synthetic.params import PAYERS, WorldTimeline
from denial_ml.data.synthetic.policies import AuthorizationRule, Policies, applies_to

PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}
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
    rng: np.random.Generator,
    claims: pd.DataFrame,
    lines: pd.DataFrame,
    timeline: WorldTimeline,
    policies: Policies,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Authorizations the practice obtained, with their defects (the requirements: `policies`' authorization
    rules; the practice knows a published list at once and an unpublished requirement once it has learnt it).

    Returns:
        (authorizations table, claims with `prior_auth_number` and hidden auth flags, lines with hidden
        `_auth_wrong_code` / `_auth_units` flags).
    """
    c = hidden(lines, "claim_lines", "_c").to_numpy()
    code = fixed_str(lines["procedure_code"])
    coded = Coded(lines["procedure_code"])
    payer = Coded(claims["payer_id"]).take(c)
    service = claims["service_date_from"].to_numpy()[c].astype("datetime64[D]")
    published = _on_auth_list(policies.auth_lists(), coded, payer, service)
    unlisted = _on_auth_list(policies.unpublished_auths(), coded, payer, service)
    learned = _learned(policies, coded, payer, service)
    required = published | unlisted
    known = published | learned

    n = len(claims)
    need = np.bincount(c, weights=required, minlength=n) > 0
    known_need = np.bincount(c, weights=required & known, minlength=n) > 0
    svc_claim = claims["service_date_from"].to_numpy().astype("datetime64[D]")
    p_obtain = np.where(svc_claim < np.datetime64(timeline.auth_fix_date, "D"), 0.93, 0.98)
    obtained = known_need & (rng.random(n) < p_obtain)

    req_rows = np.flatnonzero(required & obtained[c])  # lines are sorted by claim, then line number
    req_c = c[req_rows]
    idx, start_at, per_claim_lines = np.unique(req_c, return_index=True, return_counts=True)
    last_req = req_rows[start_at + per_claim_lines - 1]
    k = len(idx)
    needed = np.add.reduceat(lines["units"].to_numpy()[req_rows], start_at) if k else np.zeros(0, np.int64)
    wrong = rng.random(k) < 0.04
    auth_codes, dropped = _authorized_codes(code[req_rows], start_at, per_claim_lines, wrong)
    start = svc_claim[idx] - rng.integers(0, 60, k).astype("timedelta64[D]")
    end = start + rng.choice([60, 90, 180], k).astype("timedelta64[D]")
    expired = rng.random(k) < 0.035
    end = np.where(expired, svc_claim[idx] - rng.integers(1, 25, k).astype("timedelta64[D]"), end)
    start = np.minimum(start, end - np.timedelta64(30, "D"))
    short = (rng.random(k) < 0.05) & (needed >= 2)
    units = np.where(short, np.maximum(1, needed - rng.integers(1, 5, k)), needed + rng.integers(0, 20, k))
    auth_no = format_ids("AUTH%08d", range(k))
    auths = str_frame(
        {
            "auth_number": auth_no,
            "payer_id": claims["payer_id"].to_numpy()[idx],
            "patient_id": claims["patient_id"].to_numpy()[idx],
            "procedure_codes": auth_codes,
            "start_date": start.astype("datetime64[ns]"),
            "end_date": end.astype("datetime64[ns]"),
            "units_authorized": units.astype("int64"),
        }
    )
    number = np.full(n, None, dtype=object)
    number[idx] = auth_no
    dq_slip = rng.random(n) < 0.012
    number = np.where(dq_slip, None, number)  # type: ignore[call-overload]  # object array; stubs reject None
    on_claim = np.zeros(n, dtype=bool)
    on_claim[idx] = True
    on_claim &= ~dq_slip

    auth_expired = np.zeros(n, dtype=bool)
    auth_expired[idx] = expired
    claims = add_hidden(
        claims.assign(prior_auth_number=number),
        "claims",
        _auth_missing=need & ~on_claim,
        _auth_needed=need,
        _auth_expired=auth_expired & on_claim,
    )
    # The line whose code the authorization does not cover, and the last line that exceeds its units.
    wrong_of_line = np.repeat(np.where(wrong, dropped, None), per_claim_lines)  # type: ignore[call-overload]
    wrong_hit = req_rows[code[req_rows].astype(object) == wrong_of_line]
    on = on_claim[c]
    wrong_line = np.zeros(len(lines), dtype=bool)
    wrong_line[wrong_hit] = True
    units_line = np.zeros(len(lines), dtype=bool)
    units_line[last_req[short]] = True
    lines = add_hidden(lines, "claim_lines", _auth_wrong_code=on & wrong_line, _auth_units=on & units_line)
    return auths, claims, lines


def _on_auth_list(rules: list[AuthorizationRule], code: Coded, payer: Coded, service: np.ndarray) -> np.ndarray:
    """Per line: does one of these authorization rules require an authorization for it on its service date."""
    listed = np.zeros(len(code), dtype=bool)
    for rule in rules:
        named = [p for p in payer.uniques if applies_to(rule, p, PAYER_TYPE.get(p, ""))]
        hit = payer.isin(named) & code.isin(rule.codes)
        if rule.effective_from is not None:
            hit &= service >= np.datetime64(rule.effective_from, "D")
        if rule.effective_to is not None:
            hit &= service <= np.datetime64(rule.effective_to, "D")
        listed |= hit
    return listed


def _learned(policies: Policies, code: Coded, payer: Coded, service: np.ndarray) -> np.ndarray:
    """Per line: an unpublished requirement the practice has learnt by the service date (`learned_after_days`
    after the rule's start)."""
    learned = np.zeros(len(code), dtype=bool)
    for rule in policies.unpublished_auths():
        start, days = rule.effective_from, rule.learned_after_days
        if start is None or days is None:  # never learnt (the schema gives every unpublished rule a start)
            continue
        since = np.datetime64(start, "D") + np.timedelta64(days, "D")
        learned |= _on_auth_list([rule], code, payer, service) & (service >= since)
    return learned


def _authorized_codes(
    req_codes: np.ndarray, start_at: np.ndarray, counts: np.ndarray, wrong: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each authorization's code list (distinct required codes in line order), and the code a wrong one drops.

    A wrong authorization leaves off its last code, or, when it has one code, names a sibling code instead.

    Returns:
        `(space-joined codes per authorization, dropped code per authorization ("" when not wrong))`.
    """
    k = len(start_at)
    width = int(counts.max()) if k else 1
    slots = np.full((k, width), "", dtype=object)
    pos = np.arange(len(req_codes)) - np.repeat(start_at, counts)
    slots[np.repeat(np.arange(k), counts), pos] = req_codes
    new, _ = first_occurrences(slots)
    n_codes = new.sum(axis=1)
    last = width - 1 - np.argmax(new[:, ::-1], axis=1)
    last_code = slots[np.arange(k), last] if k else np.zeros(0, dtype=object)
    keep = new.copy()
    drop_last = wrong & (n_codes > 1)
    keep[np.flatnonzero(drop_last), last[drop_last]] = False
    joined = join_slots(slots, keep).to_numpy(dtype=object)
    single = np.flatnonzero(wrong & (n_codes == 1))
    joined[single] = [SIBLING.get(x, x) for x in last_code[single]]
    dropped = np.where(wrong, last_code, "").astype(object)
    return joined, dropped
