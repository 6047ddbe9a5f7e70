"""Batch uploads with shapes the format never has are refused fast with a clear message, before any parser runs."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from denial_ml.web.batch import MAX_COLUMNS, MAX_ROWS, UploadError, check_batch

# No model is needed: every case is refused before the claims are read, let alone scored.
MODEL = SimpleNamespace(payers=frozenset({"P1"}), version="test")
ISA = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*P*:~"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b",".join(b"c%d" % i for i in range(20_000)) + b"\n1,2\n", f"at most {MAX_COLUMNS}"),
        (b"claim_id,line_number\n" + b"C1,1\n" * (MAX_ROWS + 1), f"at most {MAX_ROWS:,} claim lines"),
        (b"claim_id,line_number\nC1," + b"9" * 20_000 + b"\n", "line 2 of the CSV is longer than"),
        (ISA + b"GS*HC*S*R*20260101*1200*1*X*005010X222A1~ST*837*0001" + b"*x" * 5_000 + b"~", "longer than"),
        (ISA + b"ST*837*0001" + b"*" * 100 + b"~", "more than 64 elements"),
        (b"ST*837*0001" + b"*" * 100 + b"~SE*2*0001~", "segment 1 of the X12 file has more than"),
    ],
)
def test_unusual_shapes_are_refused_fast(data, message):
    started = time.perf_counter()
    with pytest.raises(UploadError, match=message):
        check_batch(MODEL, "upload", data)
    assert time.perf_counter() - started < 1.0
