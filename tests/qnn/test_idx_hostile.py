"""IDX files that lie: forged headers, broken gzip, wrong shapes; each error names the file."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from qnn.idx import IDX_STEMS, load_idx_dir, read_idx
from tests.qnn.test_idx import make_idx_dir, write_idx


def _header(code: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize(("content", "needle"), [
    # 2**32-1 squared times 2**32-1 ... wraps to a small int64; Python ints do not.
    (_header(0x08, (2**32 - 1, 2**32 - 1, 2**32 - 1, 2**32 - 1)) + b"\x00" * 16,
     "more than the"),
    (_header(0x0E, (2**31, 2**31)) + b"\x00" * 8, "more than the"),
    (_header(0x08, (70000, 28, 28)) + b"\x00" * 100, "IDX payload is 100 bytes, not the"),
    (_header(0x08, (2, 2)) + b"\x00" * 5, "IDX payload is more than the 4 bytes"),
    (bytes([0, 0, 8, 0]), "rank must be 1..4, got 0"),
    (bytes([0, 0, 8, 255]) + b"\x00" * 64, "rank must be 1..4, got 255"),
    (bytes([0, 0, 8, 3, 0, 0]), "header is truncated"),
    (b"\x00\x00\x07\x01", "bad magic number"),
    (b"", "bad magic number"),
])
def test_forged_headers_are_refused_without_allocating(tmp_path: Path, content: bytes,
                                                       needle: str) -> None:
    path = tmp_path / "forged-idx"
    path.write_bytes(content)
    tracemalloc.start()
    with pytest.raises(ValueError, match=needle) as info:
        read_idx(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(info.value).startswith(f"{path}: ")
    assert peak < 50e6  # bytes


def test_broken_gzip_names_the_file(tmp_path: Path) -> None:
    good = write_idx(tmp_path / "a", np.zeros((3, 28, 28), np.uint8), compress=True)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"^{good}: cannot be read as an IDX file"):
        read_idx(good)
    (tmp_path / "b.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="cannot be read as an IDX file"):
        read_idx(tmp_path / "b.gz")


def test_a_gzip_bomb_stops_at_the_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(_header(0x08, (4,)) + b"\x00" * 50_000_000))
    tracemalloc.start()
    with pytest.raises(ValueError, match="payload is more than the 4 bytes"):
        read_idx(path)
    assert tracemalloc.get_traced_memory()[1] < 20e6
    tracemalloc.stop()


@pytest.mark.parametrize(("stem", "array", "needle"), [
    ("train-images-idx3-ubyte", np.zeros((30, 4, 4), np.uint8), "must hold uint8 images"),
    ("t10k-images-idx3-ubyte", np.zeros((10, 28, 28), ">i4"), "must hold uint8 images"),
    ("t10k-images-idx3-ubyte", np.zeros((10, 784), np.uint8), "must hold uint8 images"),
    ("train-labels-idx1-ubyte", np.zeros(29, np.uint8), "must hold 30 uint8 labels"),
    ("t10k-labels-idx1-ubyte", np.zeros((10, 1), np.uint8), "must hold 10 uint8 labels"),
    ("t10k-labels-idx1-ubyte", np.full(10, 10, np.uint8), "labels must be 0..9, got 10"),
])
def test_wrong_content_names_the_file(tmp_path: Path, stem: str, array: np.ndarray,
                                      needle: str) -> None:
    make_idx_dir(tmp_path, np.random.default_rng(0), compress=False)
    path = write_idx(tmp_path / stem, array, compress=False)
    assert stem in IDX_STEMS
    with pytest.raises(ValueError, match=needle) as info:
        load_idx_dir(tmp_path)
    assert str(info.value).startswith(f"{path}: ")
