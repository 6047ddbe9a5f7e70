"""Streaming ingest: a file read in tiny chunks gives the tables the whole-file read gives, and a run holds a
bounded number of 835 rows in memory (spilled to the store's spool) with the same store as a run that
spills nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from x12_texts import claim, claims_837, remits_835, remittance, write

from denial_ml.data.claims_store import load_manifest
from denial_ml.data.claims_store.store import read_all_rows
from denial_ml.ingest.envelope import read_envelope
from denial_ml.ingest.files import read_x12_file
from denial_ml.ingest.spool import Spool
from denial_ml.ingest.stream import scan_file
from denial_ml.jobs.ingest import run_ingest

TINY = 7  # bytes per read: segments, CR/LF pairs and the BOM are cut across reads


def _remits(control: int, first: int, count: int, st: str = "0001") -> str:
    loops = [
        remittance(f"C{k}", "1", 100, 80, [("99213", 60, 50), ("83036", 40, 30)]) for k in range(first, first + count)
    ]
    return remits_835(control, loops, st=st)


def _crlf_with_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.replace("~", "~\r\n").encode()


def _assert_same(whole, tiny) -> None:
    assert [str(i) for i in tiny.issues] == [str(i) for i in whole.issues]
    assert tiny.interchanges == whole.interchanges and tiny.kinds == whole.kinds
    assert set(tiny.tables) == set(whole.tables)
    for table, frame in whole.tables.items():
        pd.testing.assert_frame_equal(tiny.tables[table], frame, check_exact=True)
    for table, frame in whole.versions.items():
        pd.testing.assert_frame_equal(tiny.versions[table], frame, check_exact=True)


def test_tiny_chunks_give_the_tables_of_the_whole_file(tmp_path: Path) -> None:
    data = _crlf_with_bom(_remits(11, 1, 6) + _remits(12, 7, 3, st="0002"))
    # A terminator ends some 7-byte reads (its CR/LF in the next one): the carried-over segment is exercised.
    assert any(i % TINY == TINY - 1 for i, byte in enumerate(data) if byte == ord("~"))
    path = write(tmp_path, "crlf.835", data)
    whole, tiny = read_x12_file(path), read_x12_file(path, chunk_size=TINY)
    assert len(whole.tables["remittances"]) == 9 and len(whole.tables["remittance_lines"]) == 18
    _assert_same(whole, tiny)
    # The reader of a whole file held in memory agrees too (same sets, same interchange hashes).
    envelope = read_envelope(data, str(path))
    assert envelope.interchanges == whole.interchanges and len(envelope.sets) == 2


def test_tiny_chunks_of_an_837_with_a_space_before_a_late_terminator(tmp_path: Path) -> None:
    claims = [claim(f"K{k}", [("99213", 100), ("83036", 40)]) for k in range(1, 5)]
    text = claims_837(21, claims)
    late = text.rindex("~GE*")  # a space beside a terminator near the end: every segment is stripped
    path = write(tmp_path, "late.837", _crlf_with_bom(text[:late] + " " + text[late:]))
    assert scan_file(path, TINY).strip and not scan_file(write(tmp_path, "plain.837", text), TINY).strip
    whole, tiny = read_x12_file(path), read_x12_file(path, chunk_size=TINY)
    assert len(whole.tables["claims"]) == 4
    _assert_same(whole, tiny)


def test_scan_hashes_and_finds_the_encoding_streaming(tmp_path: Path) -> None:
    import hashlib

    data = _remits(31, 1, 2).replace("PAYER", "PAY\xc9R").encode("latin-1")  # not UTF-8: read as Latin-1
    path = write(tmp_path, "latin.835", data)
    scan = scan_file(path, TINY)
    assert (scan.sha256, scan.size, scan.encoding) == (hashlib.sha256(data).hexdigest(), len(data), "latin-1")
    assert scan_file(write(tmp_path, "utf8.835", data.decode("latin-1").encode()), TINY).encoding == "utf-8"
    _assert_same(read_x12_file(path), read_x12_file(path, chunk_size=TINY))


def _store_rows(store: Path) -> dict[str, pd.DataFrame]:
    manifest = load_manifest(store)
    return {t: read_all_rows(store, t, manifest).drop(columns="batch") for t in sorted(manifest.tables())}


@pytest.mark.parametrize("strict", [False, True])
def test_spilled_runs_hold_few_rows_and_store_the_same(tmp_path: Path, monkeypatch, strict: bool) -> None:
    monday = _remits(41, 1, 5)
    repeated = write(tmp_path, "repeated.835", monday + monday)  # the second interchange is rolled back
    bad_ge = _remits(42, 20, 4).replace("GE*1*42~", "GE*9*42~")  # strict: the group's sets are refused
    other = write(tmp_path, "other.835", bad_ge + _remits(43, 30, 6))
    claims = write(tmp_path, "claims.837", claims_837(44, [claim("C2", [("99213", 60), ("83036", 40)])]))
    files = [claims, repeated, other]
    held: list[int] = []
    spill = Spool.spill

    def counting(self: Spool, remits) -> None:
        held.append(len(remits.remittances))
        spill(self, remits)

    monkeypatch.setattr(Spool, "spill", counting)
    small = run_ingest(files, tmp_path / "small", strict=strict, batch_rows=2, chunk_size=TINY)
    spills = len(held)
    assert spills > 3 and max(held) <= 6  # every 2 remittances, at a set's end (sets of 4 to 6 claims)
    big = run_ingest(files, tmp_path / "big", strict=strict, batch_rows=10**9)
    assert len(held) == spills + 3  # one spill per 835 file at its end
    assert (small.added, small.unmatched, small.exit_code) == (big.added, big.unmatched, big.exit_code)
    assert small.added["remittances"] == 5 + (6 if strict else 10)
    assert [f.taken for f in small.files] == [f.taken for f in big.files]
    rows_small, rows_big = _store_rows(tmp_path / "small"), _store_rows(tmp_path / "big")
    assert set(rows_small) == set(rows_big)
    for table, frame in rows_big.items():
        pd.testing.assert_frame_equal(rows_small[table], frame, check_exact=True)
    matches = rows_big["remittance_matches"]
    assert (matches["method"] == "claim_id").sum() == 1  # C2 matched its claim; the rest are unmatched
    assert not list((tmp_path / "small").glob(".spool-*"))  # the spool is gone after the run


def test_an_835_run_reads_only_the_claim_keys_of_the_store(tmp_path: Path, monkeypatch) -> None:
    from denial_ml.data.claims_store import store as store_module

    store = tmp_path / "store"
    run_ingest([write(tmp_path, "claims.837", claims_837(51, [claim("C1", [("99213", 60), ("83036", 40)])]))], store)
    run_ingest([write(tmp_path, "first.835", _remits(52, 1, 2))], store)
    reads: list[tuple[str, list[str] | None]] = []
    real = store_module.read_part

    def recording(folder, relative, columns=None):
        reads.append((relative.split("/")[1], columns))
        return real(folder, relative, columns)

    monkeypatch.setattr(store_module, "read_part", recording)
    outcome = run_ingest([write(tmp_path, "second.835", _remits(53, 1, 1))], store)
    assert sorted(table for table, _ in reads) == ["claim_lines", "claims"]  # no earlier remittances
    assert all(columns is not None and "patient_id" not in columns for _, columns in reads)
    assert outcome.unmatched == 0 and outcome.added["remittances"] == 1  # C1 matched by its claim id


def test_remit_sequence_on_arrow_columns_equals_the_views(tmp_path: Path) -> None:
    import pyarrow as pa

    from denial_ml.data.claims_store.view import sequence_remittances
    from denial_ml.ingest.store_batch import remit_sequence

    dates = ["2025-03-02", None, "2025-03-01", "2025-03-02", "2025-03-01", None, "2025-02-01", "2025-03-02"]
    frame = pd.DataFrame(
        {
            "claim_id": ["B", "A", "B", "A", "B", "B", "C", "B"],
            "adjudication_date": pd.to_datetime(pd.Series(dates)),
        }
    )
    expected = sequence_remittances(frame)["remit_sequence"].tolist()
    assert expected == [3, 2, 1, 1, 2, 5, 1, 4] == remit_sequence(pa.Table.from_pandas(frame)).tolist()
