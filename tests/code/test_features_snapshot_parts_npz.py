"""`write_npz`: what the bundle's indexes are written with; `np.load` reads it back exactly, compressed, no pickles."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from denial_ml.features.snapshot_parts import write_npz


def test_write_npz_round_trips_every_dtype_compressed(tmp_path) -> None:
    arrays = {
        "sorted_keys": np.arange(50_000, dtype=np.int64) * 3,
        "cumsums": np.repeat(np.arange(1_000, dtype=np.float32), 50).reshape(-1, 2),
        "keys": np.array([b"P0001|97110", b"P0002|99213"], dtype="S12"),
        "empty": np.array([], dtype=np.int32),
    }
    path = tmp_path / "index.npz"
    write_npz(path, arrays)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == sorted(arrays)
        for name, array in arrays.items():
            assert data[name].dtype == array.dtype and data[name].shape == array.shape
            np.testing.assert_array_equal(data[name], array)
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    assert path.stat().st_size < sum(a.nbytes for a in arrays.values()) / 5


def test_write_npz_refuses_object_arrays(tmp_path) -> None:
    with pytest.raises(ValueError, match="pickle"):
        write_npz(tmp_path / "bad.npz", {"keys": np.array(["a", None], dtype=object)})
