"""On-disk cache of compiled gate sets, keyed by a hash of everything that shapes them.

The key is the SHA-256 of a canonical JSON document holding a schema version,
the DAC spec, a digest of the realized DAC levels (so the mismatch draw is in
the key whatever seed or Generator produced it), the pulse spec, the qubit
model, the phase-register bits, the concrete solver and its options. One entry
is one ``<key>.npz`` file, written to a temporary name and renamed so readers
never see half a file.

The directory is, in order: the ``cache_dir`` argument, ``$COSIM_CACHE_DIR``,
``~/.cache/cosim/gatesets``.

The cache is only a cache: an entry that cannot be read, or holds arrays of the
wrong names, shapes or non-finite values, is a miss; a directory that cannot be
written means computing without caching. Either prints one warning line on
stderr (once per directory and kind of trouble) and never fails the caller.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = 1
ENV_VAR = "COSIM_CACHE_DIR"


def cache_directory(cache_dir: str | os.PathLike | None = None) -> Path:
    """Resolve the cache directory (argument, then ``$COSIM_CACHE_DIR``, then the default)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "cosim" / "gatesets"


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"__type__": type(obj).__name__, **_plain(dataclasses.asdict(obj))}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float):
        return repr(obj)  # exact round-trip, no JSON float formatting ambiguity
    return obj


def array_digest(values: np.ndarray) -> str:
    """SHA-256 of an array's float64 bytes (little endian, C order)."""
    arr = np.ascontiguousarray(np.asarray(values, dtype="<f8"))
    return hashlib.sha256(arr.tobytes()).hexdigest()


def config_key(config: dict[str, Any]) -> str:
    """Hex key (32 chars) of a configuration made of plain values and dataclasses."""
    doc = json.dumps({"schema": SCHEMA_VERSION, **_plain(config)}, sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:32]


def load(directory: Path, key: str, shapes: Mapping[str, tuple[int, ...]] | None = None,
         *, nan_ok: Collection[str] = ()) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or ``None`` when absent, unreadable or invalid.

    Parameters
    ----------
    directory : Path
    key : str
    shapes : mapping of str to tuple of int, optional
        The arrays the entry must hold and their shapes; any other entry is a miss.
    nan_ok : collection of str, default=()
        Arrays that may be all NaN (a quantity the model does not have); every
        other value must be finite.
    """
    path = directory / f"{key}.npz"
    try:
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except Exception as exc:  # noqa: BLE001 - BadZipFile, EOFError, zlib.error, OSError, ...
        _warn(directory, "unreadable", f"ignoring the unreadable cache entry {path} "
                                       f"({type(exc).__name__}); computing it again")
        return None
    problem = _invalid(arrays, shapes, nan_ok) if shapes is not None else None
    if problem is not None:
        _warn(directory, "invalid",
              f"ignoring the cache entry {path}: {problem}; computing it again")
        return None
    return arrays


def _invalid(arrays: dict[str, np.ndarray], shapes: Mapping[str, tuple[int, ...]],
             nan_ok: Collection[str]) -> str | None:
    """What is wrong with a loaded entry, or ``None``."""
    if set(arrays) != set(shapes):
        return f"it holds {sorted(arrays)}, expected {sorted(shapes)}"
    for name, shape in shapes.items():
        arr = arrays[name]
        if arr.shape != tuple(shape) or arr.dtype.kind not in "fc":
            return f"{name} has shape {arr.shape} and dtype {arr.dtype}, expected {tuple(shape)}"
        finite = np.isfinite(arr)
        if not finite.all() and not (name in nan_ok and np.isnan(arr).all()):
            return f"{name} holds non-finite values"
    return None


def save(directory: Path, key: str, arrays: dict[str, np.ndarray]) -> Path | None:
    """Store ``arrays`` under ``key`` atomically; return the file path.

    Returns ``None``, after one warning, when the directory cannot be written
    (read-only, full, not a directory): the caller goes on without caching.
    """
    path = directory / f"{key}.npz"
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".npz", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        _warn(directory, "unwritable", f"cannot write the gate-set cache in {directory} "
                         f"({exc.strerror or type(exc).__name__}); computing without caching "
                         f"(set {ENV_VAR} to a writable directory)")
        return None
    finally:
        if tmp is not None and os.path.exists(tmp):
            Path(tmp).unlink(missing_ok=True)
    return path


_warned: set[str] = set()


def _warn(directory: Path, kind: str, message: str) -> None:
    # One line per directory and kind of trouble: a study compiles many gate
    # sets, and the same unwritable directory should not flood stderr.
    tag = f"{directory}:{kind}"
    if tag not in _warned:
        _warned.add(tag)
        sys.stderr.write(f"warning: {message}\n")
