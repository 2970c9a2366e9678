"""MNIST and Fashion-MNIST images: IDX files, checksums and where to find them.

:func:`load_images` tries the sources in this order and reports which one it used:

1. a directory given as ``data_dir`` or in the source's environment variable
   (``COSIM_MNIST_DIR``, ``COSIM_FASHION_MNIST_DIR``); a named directory
   without the files is an error, not a silent fall-through;
2. standard system locations, e.g. ``/usr/share/datasets/fashion-mnist``
   (Debian package ``dataset-fashion-mnist``);
3. the user cache ``$COSIM_CACHE_DIR`` or ``~/.cache/cosim/<name>`` (honours
   ``XDG_CACHE_HOME``); files there must match the canonical SHA-256 sums. If
   they are missing, the canonical files are downloaded into it, verified,
   and used -- unless ``download=False`` or ``COSIM_OFFLINE=1``. Offline, the
   download fails within ``timeout_s`` and the chain falls through;
4. the small real subset bundled in ``qnn/data/`` (see
   ``scripts/make_dataset_bundle.py``), so the default works on a fresh
   offline machine.

Files are the four standard IDX files, gzip-compressed or not. Checksums are
only required of downloaded and cached files: distributions such as Debian
recompress the archives, so their bytes differ while the images are the same.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import numpy as np

IDX_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
MAX_IDX_BYTES = 1 << 30
"""Largest IDX payload read, bytes (1 GiB; the MNIST training images are 47 MB)."""
MAX_IDX_RANK = 4
IMAGE_SHAPE = (28, 28)
"""Height and width of every MNIST-like image, pixels."""
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ImageSource:
    """Where one image dataset can come from.

    Parameters
    ----------
    name : str
        Dataset key, also the cache sub-directory.
    env_var : str
        Environment variable naming a directory of IDX files.
    system_dirs : tuple of str
        Standard locations searched in order.
    mirrors : tuple of str
        Base URLs (ending in ``/``) of the canonical gzip files.
    sha256 : dict of str to str
        Canonical SHA-256 of each ``<stem>.gz``.
    bundle : str
        File name of the bundled subset in ``qnn/data/``.
    class_names : tuple of str
    """

    name: str
    env_var: str
    system_dirs: tuple[str, ...]
    mirrors: tuple[str, ...]
    sha256: dict[str, str]
    bundle: str
    class_names: tuple[str, ...]


MNIST = ImageSource(
    name="mnist",
    env_var="COSIM_MNIST_DIR",
    system_dirs=("/usr/share/datasets/mnist", "/usr/local/share/datasets/mnist"),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    sha256={
        "train-images-idx3-ubyte": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    bundle="mnist_subset.npz",
    class_names=tuple(str(d) for d in range(10)),
)

FASHION_MNIST = ImageSource(
    name="fashion_mnist",
    env_var="COSIM_FASHION_MNIST_DIR",
    system_dirs=("/usr/share/datasets/fashion-mnist", "/usr/local/share/datasets/fashion-mnist"),
    mirrors=(
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    sha256={
        "train-images-idx3-ubyte": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    },
    bundle="fashion_mnist_subset.npz",
    class_names=(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
)

IMAGE_SOURCES = {s.name: s for s in (MNIST, FASHION_MNIST)}


@dataclass(frozen=True)
class Images:
    """Images and labels from one source.

    Attributes
    ----------
    X : ndarray of uint8, shape (N, 28, 28)
    y : ndarray of int64, shape (N,)
        Original labels 0..9.
    source : str
        Which source was used, e.g. ``"system:/usr/share/datasets/fashion-mnist"``.
    """

    X: np.ndarray
    y: np.ndarray
    source: str


# -- IDX files and checksums -------------------------------------------------------------------


def read_idx(path: str | Path, *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Parse one IDX file (``.gz`` or uncompressed) into an array.

    The header is checked before the payload is read: the payload size is
    computed with Python integers (a forged header cannot wrap around) and
    must be at most ``max_bytes``; the payload is then read in chunks, so
    neither a lying header nor a gzip bomb can make it allocate more.

    Parameters
    ----------
    path : str or Path
    max_bytes : int, default=MAX_IDX_BYTES
        Largest payload accepted, bytes.

    Raises
    ------
    ValueError
        The file is not a readable IDX file (bad magic number, dtype code or
        rank, truncated, too large, longer than its header says, or a broken
        gzip stream). The message starts with the path.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = _read_exactly(f, 4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES:
                raise ValueError(f"{path}: not an IDX file (bad magic number)")
            ndim = head[3]
            if not 1 <= ndim <= MAX_IDX_RANK:
                raise ValueError(f"{path}: IDX rank must be 1..{MAX_IDX_RANK}, got {ndim}")
            raw_dims = _read_exactly(f, 4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise ValueError(f"{path}: IDX header is truncated")
            dims = tuple(int.from_bytes(raw_dims[i:i + 4], "big") for i in range(0, 4 * ndim, 4))
            dtype = np.dtype(_IDX_DTYPES[head[2]])
            expected = math.prod(dims) * dtype.itemsize  # Python ints: no overflow
            if expected > max_bytes:
                raise ValueError(f"{path}: IDX header declares {expected} bytes of data "
                                 f"(shape {dims}), more than the {max_bytes} accepted")
            payload = _read_exactly(f, expected + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        if isinstance(exc, FileNotFoundError):
            raise
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ValueError(f"{path}: cannot be read as an IDX file ({reason})") from None
    if len(payload) != expected:
        size = "more than" if len(payload) > expected else f"{len(payload)} bytes, not"
        raise ValueError(f"{path}: IDX payload is {size} the {expected} bytes the header says")
    array = np.frombuffer(payload, dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def _read_exactly(f: BinaryIO, n: int, chunk: int = 1 << 24) -> bytes:
    """Up to ``n`` bytes, read in chunks so a short file never allocates ``n``."""
    parts: list[bytes] = []
    left = n
    while left > 0:
        part = f.read(min(chunk, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_idx_files(directory: str | Path) -> dict[str, Path] | None:
    """The four IDX files in ``directory`` (``.gz`` preferred), or None if any is missing."""
    found = {}
    for stem in IDX_STEMS:
        for candidate in (Path(directory) / f"{stem}.gz", Path(directory) / stem):
            if candidate.is_file():
                found[stem] = candidate
                break
        else:
            return None
    return found


def load_idx_dir(directory: str | Path, *, image_shape: tuple[int, int] = IMAGE_SHAPE
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, *image_shape)`` uint8 and labels ``(N,)`` from a directory of IDX files.

    The official training and test files are concatenated (train first);
    :mod:`qnn.datasets` makes its own stratified split.

    Raises
    ------
    FileNotFoundError
        A file is missing.
    ValueError
        A file is not IDX, or holds the wrong dtype, rank or image shape, or
        labels outside 0..9, or a label count that does not match its images.
        The message names the file.
    """
    files = find_idx_files(directory)
    if files is None:
        raise FileNotFoundError(f"{directory}: missing IDX files (need {', '.join(IDX_STEMS)})")
    parts = {stem: read_idx(path) for stem, path in files.items()}
    for split in ("train", "t10k"):
        images_stem, labels_stem = f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"
        images, labels = parts[images_stem], parts[labels_stem]
        want = f"uint8 images of shape (N, {image_shape[0]}, {image_shape[1]})"
        if images.dtype != np.uint8 or images.shape[1:] != tuple(image_shape):
            raise ValueError(f"{files[images_stem]}: must hold {want}, got {images.dtype} "
                             f"of shape {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"{files[labels_stem]}: must hold {len(images)} uint8 labels, one "
                             f"per image of {files[images_stem].name}, got {labels.dtype} of "
                             f"shape {labels.shape}")
        if labels.size and labels.max() > 9:
            raise ValueError(f"{files[labels_stem]}: labels must be 0..9, got {labels.max()}")
    X = np.concatenate([parts["train-images-idx3-ubyte"], parts["t10k-images-idx3-ubyte"]])
    y = np.concatenate([parts["train-labels-idx1-ubyte"], parts["t10k-labels-idx1-ubyte"]])
    return X, y.astype(np.int64)


# -- the user cache and the download -----------------------------------------------------------


def cache_dir(source: ImageSource) -> Path:
    """``$COSIM_CACHE_DIR/<name>``, else ``$XDG_CACHE_HOME/cosim/<name>`` or ``~/.cache/...``."""
    root = os.environ.get("COSIM_CACHE_DIR")
    if root:
        return Path(root) / source.name
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "cosim" / source.name


def verified_cache(source: ImageSource, directory: Path) -> bool:
    """True if all four ``.gz`` files are in ``directory`` with the canonical SHA-256."""
    return all(
        (directory / f"{stem}.gz").is_file()
        and sha256_file(directory / f"{stem}.gz") == source.sha256[stem]
        for stem in IDX_STEMS
    )


def download(source: ImageSource, directory: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """Download the canonical files into ``directory`` and verify their SHA-256.

    Each file goes to a temporary name and is renamed only once its checksum
    matches, so an interrupted or corrupted download never poisons the cache.

    Returns
    -------
    str
        The mirror used.

    Raises
    ------
    OSError
        If no mirror delivered all four files with the right checksums.
    """
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in source.mirrors:
        try:
            for stem in IDX_STEMS:
                target = directory / f"{stem}.gz"
                if target.is_file() and sha256_file(target) == source.sha256[stem]:
                    continue
                _fetch_verified(mirror + f"{stem}.gz", target, source.sha256[stem], timeout_s)
            return mirror
        except (OSError, ValueError) as exc:  # URLError is an OSError
            errors.append(f"{mirror}: {exc}")
    raise OSError("download failed: " + "; ".join(errors))


def _fetch_verified(url: str, target: Path, sha256: str, timeout_s: float) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as resp:
            for chunk in iter(lambda: resp.read(1 << 16), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise ValueError(f"{url}: SHA-256 {digest.hexdigest()} does not match {sha256}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# -- the source chain --------------------------------------------------------------------------


def load_bundle(source: ImageSource) -> Images:
    """The subset bundled in ``qnn/data/``."""
    ref = resources.files("qnn") / "data" / source.bundle
    with resources.as_file(ref) as path, np.load(path) as npz:
        X, y = npz["X"], npz["y"].astype(np.int64)
        origin = str(npz["origin"])
    return Images(X, y, f"bundle:qnn/data/{source.bundle} ({len(y)} images; {origin})")


def load_images(
    source: ImageSource,
    *,
    data_dir: str | Path | None = None,
    download_ok: bool | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Images:
    """Images from the first available source (see the module docstring).

    Parameters
    ----------
    source : ImageSource
        :data:`MNIST` or :data:`FASHION_MNIST`.
    data_dir : path, optional
        Directory of IDX files; overrides the environment variable.
    download_ok : bool, optional
        Allow a download into the cache. Default: yes unless ``COSIM_OFFLINE``
        is set to a non-empty value other than ``0``.
    timeout_s : float, default=10
        Network timeout per request, s.
    """
    named = data_dir if data_dir is not None else os.environ.get(source.env_var) or None
    if named is not None:
        where = "data_dir" if data_dir is not None else source.env_var
        try:
            found = find_idx_files(named)
        except OSError as exc:  # e.g. a name longer than the file system allows
            raise FileNotFoundError(f"{where}: cannot be searched for the IDX files "
                                    f"({exc.strerror})") from None
        if found is None:
            raise FileNotFoundError(
                f"{where}: {named} does not hold the IDX files ({', '.join(IDX_STEMS)}, .gz or not)"
            )
        return Images(*load_idx_dir(named), f"{where}:{named}")
    for directory in source.system_dirs:
        if find_idx_files(directory) is not None:
            return Images(*load_idx_dir(directory), f"system:{directory}")
    cache = cache_dir(source)
    if verified_cache(source, cache):
        return Images(*load_idx_dir(cache), f"cache:{cache}")
    if download_ok is None:
        download_ok = os.environ.get("COSIM_OFFLINE", "") in ("", "0")
    if download_ok:
        try:
            mirror = download(source, cache, timeout_s=timeout_s)
            return Images(*load_idx_dir(cache), f"download:{mirror} -> cache:{cache}")
        except OSError:
            pass  # offline or blocked: fall through to the bundle
    return load_bundle(source)
