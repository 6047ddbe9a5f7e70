"""Every real X12 file of ../shared/data/x12 read into tables, with counts taken by hand from the files.

How the counts were taken: `tr '~' '\\n' < FILE | grep -c '^CLP\\*'` (and `^SVC\\*`, `^CAS\\*`, `^LQ\\*HE`,
`^PLB\\*`, `^CLM\\*`, `^LX\\*`), then reading each CAS for its number of (reason, amount) triplets, each
MOA/MIA for remark codes, and each PLB for its (reason, amount) pairs; claims the reader must leave out (and
why) were read off the segments and are listed in the comments.
"""

from __future__ import annotations

import pytest

from denial_ml.ingest.errors import X12Error
from denial_ml.ingest.files import read_x12_file
from denial_ml.labels import label_claims

# file: (remittances, remittance_lines, adjustments, remarks, provider_adjustments, claims left out)
REMITS = {
    # 1 CLP whose CAS carries placeholder reasons 'XXX' -> left out; PLB: GO kept, five 'XX' reasons dropped.
    "affect__exhaustive_no_envelope.txt": (0, 0, 0, 0, 1, 1),
    # 3 CLP, no SVC, 5 CAS with one triplet each, no remarks, PLB with 6 CT/CS pairs.
    "affect__nevada_medicaid.txt": (3, 0, 5, 0, 6, 0),
    # 6 CLP; the first two carry CAS*grp_code*reason_code -> left out (with their 2 SVC). 10 SVC and 10
    # single-triplet CAS remain; every MIA/MOA/LQ remark is a placeholder or a bare digit -> no remark.
    "affect__sample_835_placeholders.txt": (4, 10, 10, 0, 0, 2),
    # 1 CLP, 1 SVC (HC>55669 although ISA16 says ':'), CAS OA-23 and OA-94.
    "lfh__cob-contractural-adjustment.835": (1, 1, 2, 0, 0, 0),
    # 2 CLP, 2 SVC, 5 single-triplet CAS (2 claim level CO-A2, 3 line level).
    "lfh__managed-care.835": (2, 2, 5, 0, 0, 0),
    # 2 CLP, no SVC, 2 CAS CO-45, MOA03 MA02 (MIA05 empty), PLB CV.
    "lfh__medicare-part-a.835": (2, 0, 2, 1, 1, 0),
    # 2 CLP, 2 SVC, CAS: OA-23, OA-23, PR-1 + PR-2 (two triplets), CO-42 -> 5 adjustments.
    "lfh__secondary-payment.835": (2, 2, 5, 0, 0, 0),
    # 1 CLP whose SVC01 is a bare 'HC' with no procedure code -> left out.
    "lfh__tertiary-payment.835": (0, 0, 0, 0, 0, 1),
    # 3 CLP (22 reversal, 1 correction, 22 reversal), 3 SVC, 2 CAS CR-45, PLB with 3 CS pairs.
    "pyx12__835_4010_reversal.txt": (3, 3, 2, 0, 3, 0),
    # 1 CLP (status 4), 3 SVC each with one CAS and one LQ*HE N14.
    "pyx12__835_mult_loops.txt": (1, 3, 3, 3, 0, 0),
}

# file: (claims, claim_lines, claims left out)
CLAIMS = {
    # 2 sets x 3 CLM: A37YH556 kept (once: the second copy is a duplicate), A37YH667/668 carry procedure
    # code 478331 (6 characters) -> left out; A37YH556 has LX 1 and 2.
    "imsweb__x12_complex.txt": (1, 2, 4),
    "imsweb__x12_multiple_st.txt": (1, 1, 2),  # same two claims sent twice; A37YH667 has 478331
    "imsweb__x12_valid.txt": (1, 1, 1),
    "imsweb__x223-test.txt": (1, 1, 0),
    "lfh__demo.ambulance.example5.837": (1, 4, 0),
    "lfh__demo.autoaccident.837": (1, 2, 0),
    "lfh__demo.cob.2ndary.example4.837": (1, 1, 0),
    "lfh__demo.cob.example3.A.837": (1, 3, 0),
    "lfh__demo.cob.example3.B.837": (1, 3, 0),
    "lfh__demo.cob.example3.C.837": (1, 3, 0),
    "lfh__demo.cob.example4.837": (1, 1, 0),
    "lfh__demo.drug.example10.1.837": (1, 2, 0),
    "lfh__demo.drug.example10.2.837": (1, 6, 0),
    "lfh__demo.drug.example10.3.837": (1, 6, 0),
    "lfh__demo.example1.837": (1, 4, 0),
    "lfh__demo.example11.837": (1, 2, 0),
    "lfh__demo.example12.837": (1, 1, 0),
    "lfh__demo.example2.837": (1, 4, 0),
    "lfh__demo.example6.837": (1, 1, 0),
    "lfh__demo.example7.837": (1, 2, 0),
    "lfh__demo.example8.837": (1, 1, 0),
    "lfh__demo.example9.837": (1, 1, 0),
    "lfh__institutional-claim.837i": (1, 2, 0),
    "lfh__out-of-network-repriced-claim.837i": (1, 1, 0),
    "lfh__ppo-repriced-claim.837i": (1, 2, 0),
    "lfh__two-claims-single-provider.837i": (2, 3, 0),
    # 4010: the billing provider NM1*85 carries an EIN (qualifier 24), no NPI -> both claims left out.
    "pyx12__837i_4010.txt": (0, 0, 2),
    "pyx12__837p_4010.txt": (0, 0, 2),
}
# Files whose SE01 segment counts are wrong (imsweb test files, the placeholder template).
WRONG_SE_COUNTS = {
    "affect__sample_835_placeholders.txt",
    "imsweb__x12_complex.txt",
    "imsweb__x12_multiple_st.txt",
    "imsweb__x12_valid.txt",
    "imsweb__x223-test.txt",
}


def test_every_shared_file_is_covered(shared_data):
    files = {p.name for p in (shared_data / "x12").glob("*/*")}
    assert files == set(REMITS) | set(CLAIMS)


@pytest.mark.parametrize("name", sorted(REMITS))
def test_835_counts(shared_data, name):
    result = read_x12_file(shared_data / "x12" / "835" / name, strict_counts=False)
    t = result.tables
    counts = (
        len(t["remittances"]),
        len(t["remittance_lines"]),
        len(t["adjustments"]),
        len(t["remarks"]),
        len(t["provider_adjustments"]),
    )
    left_out = sum(1 for i in result.issues if i.rejected == "claim")
    assert (*counts, left_out) == REMITS[name]


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_837_counts(shared_data, name):
    result = read_x12_file(shared_data / "x12" / "837" / name, strict_counts=False)
    left_out = sum(1 for i in result.issues if i.rejected == "claim")
    assert (len(result.tables["claims"]), len(result.tables["claim_lines"]), left_out) == CLAIMS[name]


@pytest.mark.parametrize("name", sorted(WRONG_SE_COUNTS))
def test_wrong_se_counts_reject_the_file_in_strict_mode(shared_data, name):
    folder = "835" if name.startswith("affect") else "837"
    with pytest.raises(X12Error, match=r"SE01 says '\d+' segments"):
        read_x12_file(shared_data / "x12" / folder / name, strict_counts=True)


def _labels(path):
    t = read_x12_file(path, strict_counts=False).tables
    return label_claims(t["remittances"], t["remittance_lines"], t["adjustments"]).set_index("claim_id")


def test_denied_claims_come_out_denied_with_their_carcs(shared_data):
    loops = _labels(shared_data / "x12" / "835" / "pyx12__835_mult_loops.txt")
    assert loops.loc["2005555A", "denied"] and loops.loc["2005555A", "claim_status_code"] == "4"
    assert loops.loc["2005555A", "denial_carc"] == "16"  # CO-16 500.04 is the largest denial amount
    assert loops.loc["2005555A", "denied_lines"] == 3
    nevada = _labels(shared_data / "x12" / "835" / "affect__nevada_medicaid.txt")
    assert nevada.loc["77777777", "denied"] and nevada.loc["77777777", "denial_carc"] == "147"  # OA-147 50016
    assert nevada.loc["77777779", "denied"] and nevada.loc["77777779", "denial_carc"] == "26"  # CO-26 31866
    assert nevada.loc["77777779", "denial_category"] == "eligibility"


def test_claim_level_cas_is_kept_with_every_triplet(shared_data):
    t = read_x12_file(shared_data / "x12" / "835" / "lfh__secondary-payment.835").tables
    adj = t["adjustments"]
    pr = adj[adj["group_code"] == "PR"].sort_values("carc")
    assert pr[["carc", "amount"]].values.tolist() == [["1", 150.0], ["2", 70.0]]
    assert adj["line_number"].isna().sum() == 1  # CAS*OA*23*9411.64 of claim L0004828311 is claim level
    nevada = read_x12_file(shared_data / "x12" / "835" / "affect__nevada_medicaid.txt").tables["adjustments"]
    assert nevada["line_number"].isna().all() and sorted(nevada["carc"]) == ["147", "147", "176", "26", "26"]


def test_4010_reversal_pair_is_one_reversal_not_a_denial(shared_data):
    path = shared_data / "x12" / "835" / "pyx12__835_4010_reversal.txt"
    t = read_x12_file(path).tables
    pair = t["remittances"][t["remittances"]["claim_id"] == "123839-24635"]
    assert pair["claim_status_code"].tolist() == ["22", "1"]
    assert pair["paid_amount"].tolist() == [-210.0, 200.0]
    assert set(t["adjustments"]["group_code"]) == {"CR"}
    labels = _labels(path)
    assert list(labels.index) == ["123839-24635"]  # the lone reversal 134158-27488 is no decision
    assert not labels.loc["123839-24635", "denied"] and labels.loc["123839-24635", "claim_status_code"] == "1"


def test_placeholder_codes_get_clear_errors_and_valid_claims_are_kept(shared_data):
    result = read_x12_file(shared_data / "x12" / "835" / "affect__sample_835_placeholders.txt", strict_counts=False)
    file = result.issues[0].file
    problem = "CAS01 group code 'grp_code' is not one of CO, CR, OA, PI, PR; claim left out"
    claim_errors = [str(i) for i in result.issues if i.rejected == "claim"]
    assert claim_errors == [
        f"{file}: segment 23 (claim patient_control_number0): {problem}",
        f"{file}: segment 38 (claim patient_control_number1): {problem}",
    ]
    remark_errors = [i for i in result.issues if i.rejected == "value" and "RARC" in i.problem]
    assert any("'remark_code2'" in i.problem and i.segment == 81 for i in remark_errors)
    kept = result.tables["remittances"]["claim_id"].tolist()
    assert kept == [f"patient_control_number{k}" for k in (2, 3, 4, 5)]


def test_envelope_less_fragment_parses(shared_data):
    result = read_x12_file(shared_data / "x12" / "835" / "affect__exhaustive_no_envelope.txt")
    payments = result.tables["remittance_payments"]
    assert payments["production_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-10-19"]
    assert result.tables["provider_adjustments"]["reason_code"].tolist() == ["GO"]
    (claim_error,) = [i for i in result.issues if i.rejected == "claim"]
    assert claim_error.segment == 24 and "CAS02 'XXX'" in claim_error.problem


def test_837_never_keeps_names_and_fills_defaults(shared_data):
    t = read_x12_file(shared_data / "x12" / "837" / "lfh__demo.example1.837").tables
    claim = t["claims"].iloc[0]
    assert claim["claim_id"] == "26463774" and claim["member_id"] == "JS00111223333"
    assert claim["submission_date"].strftime("%Y%m%d") == "20061015"  # BHT04
    assert not claim["eligibility_checked"] and claim["eligibility_status"] == "unknown"
    assert claim["diagnosis_codes"] == "0340 V7389"
    flat = " ".join(str(v) for frame in t.values() for v in frame.astype(str).to_numpy().ravel())
    for name in ("SMITH", "JANE", "TED"):
        assert name not in flat
    lines = t["claim_lines"]
    assert lines["procedure_code"].tolist() == ["99213", "87070", "99214", "86663"]
    assert lines["diagnosis_pointers"].tolist() == ["1", "1", "2", "2"]
