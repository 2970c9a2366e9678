"""Study points: canonical configs and their stable ids.

A point's config is a plain JSON-able dict: one sub-dict per scenario section
(``stack``, ``dac``, ``qubit``, ``workload``) holding one value per key, plus
the list of ``stages`` to run. Derived values are filled in here, so a point
written with ``channels: null`` and one written with the derived number are the
same point with the same id.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from cosim.studies.schema import SEED_PATHS

# The sections whose values enter a point. name, description and the study
# section describe the study, not the computation.
POINT_SECTIONS = ("stack", "dac", "qubit", "measurement", "workload")
ID_HEX_DIGITS = 16


def canonical_json(config: Mapping[str, Any]) -> str:
    """The one JSON text of ``config``: sorted keys, no spaces, exact floats."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(config: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:ID_HEX_DIGITS]


def point_id(config: Mapping[str, Any]) -> str:
    """Stable id of a point: the first 16 hex digits of sha256 of its canonical JSON."""
    return _digest(config)


def without_seeds(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with the seed keys removed."""
    out = copy.deepcopy(dict(config))
    for path in SEED_PATHS:
        section, key = path.split(".")
        out.get(section, {}).pop(key, None)
    return out


def design_id(config: Mapping[str, Any]) -> str:
    """Id shared by points that differ only in their seeds (one design, many draws)."""
    return _digest(without_seeds(config))


def derive(config: dict[str, Any]) -> dict[str, Any]:
    """Fill in the derived values of one point config, in place, and return it.

    * ``stack.channels`` / ``stack.multiplexing``: whichever is null follows
      from the other, ``ceil(qubits / x)``; both null means one qubit per
      channel.
    * ``dac.unary_msbs`` is 0 for binary and unary DACs, which do not use
      it. (A segmented DAC keeps the given value; each stage clips it to the
      resolution it builds, which for PTQ is every ``eval_bits`` entry.)
    """
    stack = config["stack"]
    qubits = stack["qubits"]
    channels, mux = stack["channels"], stack["multiplexing"]
    if channels is None and mux is None:
        mux = 1
    if channels is None:
        channels = math.ceil(qubits / mux)
    elif mux is None:
        mux = math.ceil(qubits / channels)
    stack["channels"], stack["multiplexing"] = channels, mux
    dac = config["dac"]
    if dac["architecture"] != "segmented":
        dac["unary_msbs"] = 0
    return config


def flatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """``{"dac": {"bits": 8}}`` -> ``{"dac.bits": 8}``; lists become JSON text."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            for sub, v in flatten(value).items():
                out[f"{key}.{sub}"] = v
        elif isinstance(value, list):
            out[key] = json.dumps(value)
        else:
            out[key] = value
    return out
