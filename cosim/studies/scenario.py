"""Load, validate and expand a YAML study scenario.

The file is read by the bounded safe loader of :mod:`cosim.studies.scenario_file`
(regular files up to 1 MiB; a tag such as ``!!python/object`` is refused, never
executed; duplicate keys, deep nesting and alias bombs are refused). Every key is checked against
:data:`cosim.studies.schema.SCHEMA`; the first problem raises
:class:`~cosim.errors.CosimInputError` naming the file or the key path
(``workload.epochs``, ``dac.bits[2]``).
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cosim.errors import CosimInputError, shown
from cosim.studies import points, sweep
from cosim.studies.scenario_file import parse_yaml, read_scenario_text
from cosim.studies.schema import BY_PATH, SECTIONS, Key, section_keys
from hardware_models.presets import ROOM_STAGE, load_fridge
from qnn.vocabulary import MAX_SAMPLES_PER_PULSE


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every default filled in.

    Parameters
    ----------
    name : str
        Study name.
    description : str
        Free text.
    values : dict of str to tuple
        Every sweepable key path (``"dac.bits"``) to the values it takes, in
        order; one value for a key that is not swept.
    options : dict of str to object
        Every other key path (``"study.stages"``) to its value.
    search : SearchSpec or None
        The validated ``search:`` block (:mod:`cosim.studies.search_spec`), if any.
    """

    name: str
    description: str
    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    search: Any = None

    @property
    def axes(self) -> dict[str, tuple[Any, ...]]:
        """The swept keys: those with more than one value."""
        return {k: v for k, v in self.values.items() if len(v) > 1}

    @property
    def n_points(self) -> int:
        """Number of points: the product of the axis lengths."""
        return math.prod(len(v) for v in self.values.values())

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages every point runs."""
        return tuple(self.options["study.stages"])

    def points(self) -> Iterator[dict[str, Any]]:
        """Every point config, in a fixed order (the last key varies fastest)."""
        paths = list(self.values)
        for combo in itertools.product(*(self.values[p] for p in paths)):
            config: dict[str, Any] = {s: {} for s in points.POINT_SECTIONS}
            chosen = zip(paths, combo, strict=True)
            for path, value in itertools.chain(chosen, self.options.items()):
                section, key = path.split(".")
                if section in config:
                    config[section][key] = value
            config["stages"] = list(self.stages)
            yield points.derive(config)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data; :func:`parse_scenario` reads it back."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        out.update({s: {} for s in SECTIONS})
        for path, vals in self.values.items():
            section, key = path.split(".")
            out[section][key] = vals[0] if len(vals) == 1 else list(vals)
        for path, value in self.options.items():
            section, key = path.split(".")
            out[section][key] = list(value) if isinstance(value, (list, tuple)) else value
        if self.search is not None:
            out["search"] = self.search.raw
        return out


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as YAML text."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, default_flow_style=None)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate the scenario file at ``path``.

    Raises
    ------
    CosimInputError
        The file is missing, not a regular file, too large, unreadable, not
        YAML (or YAML beyond the loader's bounds), not a mapping, or a key is
        wrong. The error names the file or the key path.
    """
    path = Path(path)
    data = parse_yaml(read_scenario_text(path), str(path))
    if data is None:
        raise CosimInputError(str(path), "is empty; expected a mapping with the sections "
                              + ", ".join(SECTIONS))
    if not isinstance(data, dict):
        raise CosimInputError(str(path), "top level must be a mapping with the sections "
                              f"{', '.join(SECTIONS)}, got {_type_name(data)}")
    return parse_scenario(data, default_name=path.stem)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _unknown(where: str, key: Any, allowed: list[str]) -> CosimInputError:
    hint = difflib.get_close_matches(str(key), allowed, n=1)
    did_you_mean = f" (did you mean {hint[0]}?)" if hint else ""
    # Quote keys that would not read as one word (spaces, newlines, empty, numbers).
    name = key if isinstance(key, str) and re.fullmatch(r"[\w.-]{1,60}", key) else shown(key)
    return CosimInputError(f"{where}{name}", f"unknown key{did_you_mean}; allowed: "
                           + ", ".join(allowed))


def parse_scenario(data: Mapping[Any, Any], *, default_name: str = "study") -> Scenario:
    """Validate scenario data (as loaded from YAML) and fill in the defaults.

    Parameters
    ----------
    data : mapping
        Top-level scenario mapping.
    default_name : str, default="study"
        Name used when ``name`` is absent or null.

    Returns
    -------
    Scenario
    """
    if not isinstance(data, Mapping):
        raise CosimInputError("scenario", "must be a mapping with the sections "
                              f"{', '.join(SECTIONS)}, got {_type_name(data)}")
    top = {k.name for k in section_keys(None)}
    for key in data:
        if key not in top and key not in SECTIONS and key != "search":
            raise _unknown("", key, [*top, *SECTIONS, "search"])
    sections: dict[str, Mapping[Any, Any]] = {}
    for section in SECTIONS:
        raw = data.get(section, {})
        raw = {} if raw is None else raw
        allowed = [k.name for k in section_keys(section)]
        if not isinstance(raw, Mapping):
            raise CosimInputError(section, f"must be a mapping of {', '.join(allowed)}, "
                                  f"got {_type_name(raw)}")
        for key in raw:
            if key not in allowed:
                raise _unknown(f"{section}.", key, allowed)
        sections[section] = raw
    # The point limit caps every axis too, so it is read before the sweeps.
    study = sections["study"]
    limit_key = BY_PATH["study.max_points"]
    max_points = _option(limit_key, study.get("max_points", limit_key.default), 1)
    values: dict[str, tuple[Any, ...]] = {}
    options: dict[str, Any] = {}
    for section in SECTIONS:
        for key in section_keys(section):
            raw_value = sections[section].get(key.name, key.default)
            if key.sweep:
                values[key.path] = _axis(key, raw_value, max_points)
            else:
                options[key.path] = _option(key, raw_value, max_points)
    name = _option(BY_PATH["name"], data.get("name"), max_points) or default_name
    description = _option(BY_PATH["description"], data.get("description", ""), max_points)
    scenario = Scenario(name=name, description=description or "", values=values,
                        options=options)
    _check_relations(scenario)
    if scenario.n_points > max_points:
        sizes = " x ".join(f"{len(v)} {k}" for k, v in scenario.axes.items())
        raise CosimInputError("study.max_points", f"the sweep has {scenario.n_points} points "
                              f"({sizes}), more than study.max_points = {max_points}; "
                              "shrink an axis or raise study.max_points")
    if data.get("search") is not None:
        from cosim.studies.search_spec import parse_search  # only search scenarios need it

        spec = parse_search(data["search"], scenario.values, scenario.stages)
        scenario = dataclasses.replace(scenario, search=spec)
    return scenario


def _axis(key: Key, raw: Any, cap: int) -> tuple[Any, ...]:
    out: list[Any] = []
    seen: set[Any] = set()
    for where, value in sweep.expand(raw, key.path, cap=cap, integer=key.kind == "int"):
        value = _coerce(key, value, where)
        if value in seen:
            raise CosimInputError(where, f"repeats the value {shown(value)}; each value once")
        seen.add(value)
        out.append(value)
    return tuple(out)


def _option(key: Key, raw: Any, cap: int) -> Any:
    if raw is None and key.nullable:
        return None
    if key.kind.endswith("_list"):
        item = Key(section=key.section, name=key.name, kind=key.kind[: -len("_list")],
                   default=None, doc="", lo=key.lo, hi=key.hi, choices=key.choices)
        if raw == []:
            raise CosimInputError(key.path, f"must be {key.allowed()} with at least one item")
        pairs = sweep.expand(raw, key.path, cap=cap, integer=item.kind == "int")
        items = [_coerce(item, v, w) for w, v in pairs]
        # Canonical order (schema order for choices, ascending for numbers), so
        # that [cost, dac] and [dac, cost] are the same study with the same ids.
        order = key.choices.index if key.choices else None
        return sorted(set(items), key=order)
    if isinstance(raw, (list, Mapping)):
        raise CosimInputError(key.path, f"cannot be swept; must be {key.allowed()}, "
                              f"got {_type_name(raw)}")
    return _coerce(key, raw, key.path)


def _coerce(key: Key, value: Any, where: str) -> Any:
    """Check one scalar against ``key`` and return it in canonical form."""
    if value is None and key.nullable:
        return None
    bad = CosimInputError(where, f"must be {key.allowed()}, got {shown(value)}")
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if key.kind in ("choice", "text"):
        if not isinstance(value, str) or (key.kind == "choice" and value not in key.choices):
            raise bad
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (list, Mapping)):
        raise bad
    if key.kind == "int":
        if not isinstance(value, int):
            raise bad
    else:
        try:
            # Numeric strings are accepted because YAML 1.1 reads 100e-6 as text.
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if not math.isfinite(value):
            raise bad
    below = key.lo is not None and (value < key.lo or (key.lo_open and value == key.lo))
    above = key.hi is not None and (value > key.hi or (key.hi_open and value == key.hi))
    if below or above or (key.nonzero and value == 0):
        raise bad
    return value


# The device fields that relate pulse-level keys, and the keys that spell them.
_PULSE_PATHS = {"filter": "stack.filter", "filter_cutoff_hz": "stack.filter_cutoff_hz",
                "drag": "qubit.drag", "levels": "qubit.levels",
                "noise_rms_rad": "dac.noise_rms_rad", "bits": "dac.bits"}


def _check_pulse_relations(v: dict[str, tuple[Any, ...]]) -> None:
    """What the pulse-level compilation can take, as :class:`qnn.device.Device` states it.

    The rules (a filter needs a cutoff, DRAG needs three levels, DAC noise
    neither a filter nor three levels) live on the device; every combination
    of these keys' values is built once as a device, and a refusal names the key.
    """
    from qnn.device import ControlStack, DACConfig, Device, Qubit

    paths = tuple(_PULSE_PATHS.values())
    for combo in itertools.product(*(v[p] for p in paths)):
        f, cutoff, drag, levels, noise, bits = combo
        try:
            Device(angle_dac=DACConfig(bits=bits, noise_rms_rad=noise),
                   stack=ControlStack(filter=f, filter_cutoff_hz=cutoff),
                   qubit=Qubit(levels=levels, drag=drag))
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise CosimInputError(_PULSE_PATHS.get(field, field), message) from None


def _check_relations(scenario: Scenario) -> None:
    """Constraints between keys, checked over every combination of their axes."""
    v = scenario.values
    t1 = [t for t in v["qubit.t1_s"] if t is not None]
    t2 = [t for t in v["qubit.t2_s"] if t is not None]
    if t1 and t2 and max(t2) > 2 * min(t1):
        raise CosimInputError("qubit.t2_s", f"must be <= 2 * qubit.t1_s, got t2_s = "
                              f"{max(t2):g} s with t1_s = {min(t1):g} s")
    samples = max(v["qubit.gate_1q_s"]) * max(v["stack.sample_rate_hz"])
    if samples > MAX_SAMPLES_PER_PULSE:
        raise CosimInputError("qubit.gate_1q_s", f"qubit.gate_1q_s * stack.sample_rate_hz must "
                              f"be at most {MAX_SAMPLES_PER_PULSE} samples per pulse, got "
                              f"{samples:.3g}")
    _check_pulse_relations(v)
    e0, e1 = max(v["measurement.readout_e0"]), max(v["measurement.readout_e1"])
    if e0 + e1 >= 1:
        raise CosimInputError("measurement.readout_e1", f"must have readout_e0 + readout_e1 < "
                              f"1, got {e0:g} + {e1:g}")
    channels = [c for c in v["stack.channels"] if c is not None]
    mux = [m for m in v["stack.multiplexing"] if m is not None]
    if channels and mux and min(channels) * min(mux) < max(v["stack.qubits"]):
        raise CosimInputError("stack.channels", "stack.channels * stack.multiplexing must be "
                              f">= stack.qubits, got {min(channels)} * {min(mux)} < "
                              f"{max(v['stack.qubits'])}; set one of them to null to derive it")
    for fridge in v["stack.fridge"]:
        stages = (ROOM_STAGE, *load_fridge(fridge).stage_names)
        for stage in v["stack.controller_stage"]:
            if stage not in stages:
                raise CosimInputError("stack.controller_stage", f"must be one of "
                                      f"{', '.join(stages)} for fridge {fridge}, got {stage!r}")
    if scenario.options.get("study.yield_target") is not None and len(v["dac.seeds"]) < 2:
        raise CosimInputError("dac.seeds", "must give at least 2 chips (values) for the yield "
                              f"figure that study.yield_target asks for, got {len(v['dac.seeds'])}")
    if "exp" in v["workload.schedule"]:
        for path in ("workload.temperature", "workload.temperature_final"):
            if 0 in v[path]:
                raise CosimInputError(path, "must be > 0 with workload.schedule exp (a "
                                      "geometric schedule cannot reach 0), got 0")
