"""Service lines and modifiers, with the coding slips a real practice makes (diagnoses: `diagnoses`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import (
    Coded,
    as_str,
    decode,
    fixed_str,
    join_slots,
    lookup,
    str_frame,
)
from denial_ml.data.synthetic.hidden import add_hidden, hidden
from denial_ml.data.synthetic.params import (
    EM_CODES,
    GP_REQUIRED_PAYER_TYPES,
    HOSPITAL_POS,
    PAYERS,
    SPECIALTIES,
    TELEHEALTH_POS,
    THERAPY_CODES,
)
from denial_ml.domain.catalog import PROCEDURE_BY_CODE

PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}
PROCEDURES_NEEDING_25 = frozenset({"20610", "11102", "17000", "17110", "93000"})
LATERAL = frozenset({"73721", "29881", "27447", "20610", "J3301", "15823"})
ABA = frozenset({"97151", "97153", "97155", "97156"})
# Coders flag manual therapy billed on a claim with therapeutic activities or exercise as a distinct service
# (59 or XU), as the NCCI pair asks; whether a payer accepts the flag is its rule (the policy file's).
DISTINCT_CODE = "97140"
DISTINCT_WITH = frozenset({"97530", "97110"})
REVENUE_CODES = {"radiology": "0320", "cardiology": "0480", "orthopedics": "0360", "dermatology": "0510"}
MODIFIER_SLOTS = 4
MAX_UNITS = {code: p.max_units for code, p in PROCEDURE_BY_CODE.items()}
BASE_CHARGE = {code: p.base_charge for code, p in PROCEDURE_BY_CODE.items()}
PROCEDURE_CODES = np.array(sorted(PROCEDURE_BY_CODE))
PROCEDURE_INDEX = {code: i for i, code in enumerate(PROCEDURE_CODES)}
PROCEDURE_MAX_UNITS = np.array([MAX_UNITS[code] for code in PROCEDURE_CODES])
PROCEDURE_BASE_CHARGE = np.array([BASE_CHARGE[code] for code in PROCEDURE_CODES], dtype=float)


def draw_lines(rng: np.random.Generator, claims: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """Draw each claim's lines: procedures, units and charges (modifiers come later)."""
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    fee = people["fee_factor"].to_numpy()
    specialty = fixed_str(claims["specialty"])
    claim_parts, number_parts, proc_parts = [], [], []
    for name, spec in SPECIALTIES.items():
        cidx = np.flatnonzero(specialty == name)
        if len(cidx) == 0:
            continue
        extra_p = np.array(spec.extra_lines) / sum(spec.extra_lines)
        n_lines = 1 + rng.choice(len(extra_p), size=len(cidx), p=extra_p)
        if not spec.addons:
            n_lines[:] = 1
        claim_of_line = np.repeat(cidx, n_lines)
        line_no = _line_numbers(n_lines)
        proc = np.zeros(len(claim_of_line), dtype=np.int64)  # indexes into PROCEDURE_CODES
        first = line_no == 1
        proc[first] = _choose(rng, spec.primary, first.sum())
        if spec.addons:
            proc[~first] = _choose(rng, spec.addons, (~first).sum())
        claim_parts.append(claim_of_line)
        number_parts.append(line_no)
        proc_parts.append(proc)
    c, line_no, proc = (np.concatenate(parts) for parts in (claim_parts, number_parts, proc_parts))
    order = np.lexsort((line_no, c))
    c, line_no, proc = c[order], line_no[order], proc[order]
    max_units = PROCEDURE_MAX_UNITS[proc]
    units = np.where(max_units > 1, rng.integers(1, max_units + 1), 1)
    units = np.where(proc == PROCEDURE_INDEX["97153"], rng.integers(4, 17, len(proc)), units)
    base = PROCEDURE_BASE_CHARGE[proc]
    prov = hidden(claims, "claims", "_prov").to_numpy()[c]
    charge = np.round(base * fee[prov] * units * rng.uniform(0.97, 1.03, len(proc)), 2)
    revenue = lookup(specialty, REVENUE_CODES, None, object)[c]
    revenue = np.where(claims["claim_type"].to_numpy()[c] == "837I", revenue, None)
    return str_frame(
        {
            "_c": c,
            "line_number": line_no,
            "procedure_code": decode(proc, PROCEDURE_CODES),
            "units": units,
            "line_charge": charge,
            "service_date": claims["service_date_from"].to_numpy()[c],
            "revenue_code": revenue,
        }
    )


def _line_numbers(n_lines: np.ndarray) -> np.ndarray:
    starts = np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    return np.arange(n_lines.sum()) - starts + 1


def _choose(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    """Draw `size` procedures by weight, as indexes into `PROCEDURE_CODES`."""
    codes = np.array([PROCEDURE_INDEX[code] for code in weights])
    p = np.array(list(weights.values()))
    return codes[rng.choice(len(codes), size=size, p=p / p.sum())]


def match_preventive_codes(rng: np.random.Generator, lines: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Billers mostly use the wellness code each payer pays; a few slip."""
    code = lines["procedure_code"].to_numpy().astype(object)
    medicare = np.isin(
        lookup(claims["payer_id"], PAYER_TYPE, None, object)[hidden(lines, "claim_lines", "_c").to_numpy()],
        ["medicare", "medicare_advantage"],
    )
    switch = rng.random(len(code)) < 0.93
    code[(code == "G0439") & ~medicare & switch] = "99396"
    code[(code == "99396") & medicare & switch] = "G0439"
    return lines.assign(procedure_code=code)


def add_modifiers(
    rng: np.random.Generator,
    lines: pd.DataFrame,
    claims: pd.DataFrame,
    providers: pd.DataFrame,
) -> pd.DataFrame:
    """Attach modifiers the way coders do, including the slips that cause coding denials.

    These are the coders' habits (25 on an E/M billed with a minor procedure, 95/GT on telehealth visits, GP on
    therapy for the payer types they know want it, 59/XU on `DISTINCT_CODE` billed with `DISTINCT_WITH`); which
    payer denies a line for its modifiers is the policy file's (`policy_rules`), read from the modifiers
    written here.
    """
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    c = hidden(lines, "claim_lines", "_c").to_numpy()
    code = fixed_str(lines["procedure_code"])
    coded = Coded(lines["procedure_code"])  # membership per distinct code (`Coded`), not per line
    n = len(code)
    cq = people["coding_quality"].to_numpy()[hidden(claims, "claims", "_prov").to_numpy()[c]]
    payer_type = lookup(claims["payer_id"], PAYER_TYPE, "", str)[c]
    pos = fixed_str(claims["place_of_service"])[c]
    on_claim = pd.DataFrame({"_c": c, "code": code})
    has_25_proc = _claim_has(on_claim, PROCEDURES_NEEDING_25)[c]
    has_bundling_pair = _claim_has(on_claim, DISTINCT_WITH)[c]
    slips = rng.random((6, n))

    is_em = coded.isin(EM_CODES)
    needs25 = is_em & has_25_proc
    miss25 = needs25 & (slips[0] < 0.10 * cq)
    tele = np.isin(pos, list(TELEHEALTH_POS)) & (is_em | coded.isin(u for u in coded.uniques if u.startswith("908")))
    miss_tele = tele & (slips[1] < 0.08 * cq)
    is_therapy = coded.isin(THERAPY_CODES)
    needs_gp = is_therapy & np.isin(payer_type, list(GP_REQUIRED_PAYER_TYPES))
    miss_gp = needs_gp & (slips[2] < 0.03 * cq)
    gp = is_therapy & ((needs_gp & ~miss_gp) | (~needs_gp & (slips[2] < 0.5)))
    distinct = (code == DISTINCT_CODE) & has_bundling_pair
    mod59 = np.where(distinct & (slips[3] < 0.6), "59", np.where(distinct & (slips[3] < 0.8), "XU", ""))
    bad = slips[4] < 0.003 * cq

    cand = np.full((n, 7), "", dtype="U2")
    cand[:, 0] = np.where(needs25 & ~miss25, "25", "")
    cand[:, 1] = np.where(tele & ~miss_tele, np.where(payer_type == "medicare", "95", "GT"), "")
    cand[:, 1] = np.where(tele & ~miss_tele & (slips[5] < 0.7), "95", cand[:, 1])
    cand[:, 2] = np.where(gp, "GP", "")
    cand[:, 3] = mod59
    is_imaging = coded.isin(["71046", "70450", "72148", "73721", "74177", "93306", "93015"])
    cand[:, 4] = np.where(is_imaging & np.isin(pos, list(HOSPITAL_POS)), "26", "")
    lateral = coded.isin(LATERAL)
    cand[:, 4] = np.where(lateral, np.where(slips[5] < 0.5, "RT", "LT"), cand[:, 4])
    cand[:, 5] = np.where(coded.isin(ABA), np.where(code == "97153", "HM", "HO"), "")
    cand[:, 5] = np.where(coded.isin(["80053", "83036", "80061"]) & (slips[5] < 0.3), "QW", cand[:, 5])
    cand[bad, 6] = _invalid_modifier(code[bad])
    packed = _pack_left(cand)
    filled = packed != ""
    joined = join_slots(packed, filled)  # the 835's SVC01 modifier list, kept hidden for the remittance
    joined[~filled[:, 0]] = None
    out = lines.assign(**{f"modifier_{i + 1}": as_str(packed[:, i], ~filled[:, i]) for i in range(MODIFIER_SLOTS)})
    return add_hidden(
        out,
        "claim_lines",
        _modifiers=joined,
        _miss25=miss25,
        _miss_tele=miss_tele,
        _miss_gp=miss_gp,
        _bad_modifier=bad,
    )


def _claim_has(on_claim: pd.DataFrame, codes: set[str] | frozenset[str]) -> np.ndarray:
    hit = on_claim.assign(h=on_claim["code"].isin(list(codes))).groupby("_c")["h"].any()
    out = np.zeros(int(on_claim["_c"].max()) + 1, dtype=bool)
    out[hit.index.to_numpy()] = hit.to_numpy()
    return out


def _invalid_modifier(code: np.ndarray) -> np.ndarray:
    """A modifier the procedure does not accept (TC on a visit, 25 on a therapy code, ...)."""
    options = np.array(["TC", "25", "GP", "HM"])
    result = np.full(len(code), "", dtype=object)
    for opt in options:
        todo = result == ""
        ok = np.array([opt not in PROCEDURE_BY_CODE[c].modifiers for c in code], dtype=bool) & todo
        result[ok] = opt
    return result


def _pack_left(cand: np.ndarray) -> np.ndarray:
    """The first `MODIFIER_SLOTS` non-empty candidates of each row, in column order ("" fills the rest)."""
    packed = np.full((len(cand), MODIFIER_SLOTS), "", dtype=cand.dtype)
    rows = np.flatnonzero((cand != "").any(axis=1))  # most lines carry no modifier at all
    some = cand[rows]
    seen = np.cumsum(some != "", axis=1)
    for k in range(MODIFIER_SLOTS):
        at = np.argmax(seen > k, axis=1)  # column of the (k+1)-th filled candidate
        packed[rows, k] = np.where(seen[:, -1] > k, some[np.arange(len(rows)), at], "")
    return packed
