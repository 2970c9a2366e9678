"""On-disk cache of compiled gate sets, keyed by a hash of everything that shapes them.

The key is the SHA-256 of a canonical JSON document holding a schema version,
the DAC spec, a digest of the realized DAC levels (so the mismatch draw is in
the key whatever seed or Generator produced it), the pulse spec, the qubit
model, the phase-register bits, the concrete solver and its options. One entry
is one ``<key>.npz`` file, written to a temporary name and renamed so readers
never see half a file.

The directory is, in order: the ``cache_dir`` argument, ``$COSIM_CACHE_DIR``,
``~/.cache/cosim/gatesets``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
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


def load(directory: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or ``None`` when absent or unreadable."""
    path = directory / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError):
        # A corrupt entry is a miss; it is rewritten by the caller.
        return None


def save(directory: Path, key: str, arrays: dict[str, np.ndarray]) -> Path:
    """Store ``arrays`` under ``key`` atomically; return the file path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key}.npz"
    fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
