"""A partitioned world's parts (no cluster): reproducible from seed and part number, disjoint ids, readable."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.data.io import is_partitioned, read_optional_tables, read_tables, write_part, write_tables
from denial_ml.data.synthetic.partition import (
    ID_COLUMNS,
    combine_counts,
    count_part,
    generate_part,
    reference_tables,
    split_claims,
    tag_ids,
)
from denial_ml.data.synthetic.world import generate_world


@pytest.fixture(scope="module")
def two_parts():
    return [generate_part(1200, 5, 2, part) for part in range(2)]


def test_split_claims_is_even_and_refuses_impossible_counts():
    assert split_claims(10, 3) == [4, 3, 3]
    with pytest.raises(ValueError, match="partitions: 4 parts for 3 claims"):
        split_claims(3, 4)
    with pytest.raises(ValueError, match="expected 1 to 10,000, got 0"):
        split_claims(3, 0)


def test_a_part_depends_only_on_seed_and_part_number(two_parts):
    again = generate_part(1200, 5, 2, 1)
    assert set(again) == set(two_parts[1])
    for name, frame in again.items():
        pd.testing.assert_frame_equal(frame, two_parts[1][name])
    other_seed = generate_part(1200, 6, 2, 1)
    assert not other_seed["claims"]["total_charge"].equals(two_parts[1]["claims"]["total_charge"])


def test_parts_share_no_id_and_carry_their_part_number(two_parts):
    first, second = two_parts
    assert len(first["claims"]) == len(second["claims"]) == 600
    for name in first:
        for column in ID_COLUMNS:
            if column in first[name].columns and column not in ("original_claim_id", "prior_auth_number"):
                shared = set(first[name][column].dropna()) & set(second[name][column].dropna())
                assert not shared, f"{name}.{column} shares {sorted(shared)[:3]}"
    assert first["claims"]["claim_id"].str.startswith("CLM0000").all()
    assert second["claims"]["claim_id"].str.startswith("CLM0001").all()
    # Every reference stays inside its part: lines, remittances and appeals name their own part's claims.
    for part in two_parts:
        ids = set(part["claims"]["claim_id"])
        for name in ("claim_lines", "remittances", "appeals", "truth", "claim_events"):
            assert set(part[name]["claim_id"]) <= ids, name
        assert set(part["claims"]["patient_id"]) <= set(part["patients"]["patient_id"])


def test_tag_ids_writes_the_part_after_the_letters():
    frame = pd.DataFrame({"claim_id": ["CLM000000012"], "line_control_number": ["CLM000000012-3"], "x": ["CLM1"]})
    tagged = tag_ids(frame, 42)
    assert tagged.iloc[0].tolist() == ["CLM0042000000012", "CLM0042000000012-3", "CLM1"]


def test_reference_tables_are_the_single_worlds(two_parts):
    single = generate_world(1200, 5)
    reference = reference_tables(1200, 5)
    pd.testing.assert_frame_equal(reference["providers"], single["providers"])
    pd.testing.assert_frame_equal(reference["payers"], single["payers"])
    assert set(two_parts[0]["claims"]["rendering_provider_npi"].dropna()) <= set(single["providers"]["provider_npi"])


def test_summary_adds_the_parts_counts(two_parts):
    counts = [count_part(p) for p in two_parts]
    summary = combine_counts(counts)
    assert summary["claims"] == 1200
    assert summary["denied"] == counts[0]["denied"] + counts[1]["denied"]
    assert summary["denial_rate"] == round(summary["denied"] / summary["adjudicated"], 4)


def test_readers_read_a_partitioned_folder_as_one_table(two_parts, tmp_path):
    for number, part in enumerate(two_parts):
        write_part(part, tmp_path, number)
    write_tables(reference_tables(1200, 5), tmp_path)
    assert is_partitioned(tmp_path)
    assert (tmp_path / "claims" / "part-00001.parquet").is_file()
    tables = read_tables(tmp_path, validate=True)
    expected = pd.concat([p["claims"] for p in two_parts], ignore_index=True)
    assert tables["claims"]["claim_id"].tolist() == expected["claim_id"].tolist()
    assert len(tables["claim_lines"]) == sum(len(p["claim_lines"]) for p in two_parts)
    assert len(tables["providers"]) == len(reference_tables(1200, 5)["providers"])
    events = read_optional_tables(tmp_path, ["claim_events", "no_such_table"])
    assert list(events) == ["claim_events"]
    assert len(events["claim_events"]) == sum(len(p["claim_events"]) for p in two_parts)
