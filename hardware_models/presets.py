"""Technology and cryostat presets shipped in ``hardware_models/data/presets.yaml``.

The YAML keeps human units in its key names (``a_vt_mv_um``, ``clock_cap_ff``);
this module converts them once to SI and returns frozen dataclasses. Sources of
every number are comments in the YAML file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from hardware_models.validation import check_positive

ROOM_STAGE = "300K"
ROOM_TEMPERATURE_K = 300.0

_TECH_KEYS = (
    "description", "node_nm", "temperature_k", "vdd_v", "full_scale_current_a", "bias_power_w",
    "switched_cap_per_bit_ff", "activity", "clock_cap_ff", "latch_cap_ff", "decoder_cap_ff",
    "array_cap_af_um2", "output_stage_power_w", "a_beta_pct_um", "a_vt_mv_um", "overdrive_v",
    "min_unit_area_um2", "layout_factor", "latch_area_um2", "decoder_gate_area_um2",
    "overhead_area_mm2",
)
_STAGE_KEYS = ("temperature_k", "cooling_power_w", "line_heat_load_w")



@dataclass(frozen=True)
class TechnologyPreset:
    """A controller technology: supply, switching, matching and area parameters (SI).

    Parameters
    ----------
    name, description : str
    node_nm : float
        Process node, nm.
    temperature_k : float
        Nominal operating temperature, K.
    vdd_v : float
        Supply voltage, V.
    full_scale_current_a : float
        DAC full-scale output current, A (drawn from ``vdd_v`` at every code).
    bias_power_w : float
        Bias and reference circuits per channel, W (part of the static term).
    switched_cap_per_bit_f : float
        Capacitance switched per bit of the input register per toggle, F.
    activity : float
        Toggle probability per bit per sample, (0, 1].
    clock_cap_f : float
        Clock-tree capacitance switched every sample, F.
    latch_cap_f : float
        Clock capacitance of one switched element's latch and driver, F.
    decoder_cap_f : float
        Capacitance switched per thermometer-decoder output per toggle, F.
    array_cap_per_area_f_m2 : float
        Parasitic capacitance the switched nodes see per unit of current-source
        gate area, F/m².
    output_stage_power_w : float
        Output stage (driver/buffer) power per channel, W.
    a_beta_m : float
        Current-factor matching ``A_beta`` (fraction * m).
    a_vt_v_m : float
        Threshold matching ``A_VT``, V·m.
    overdrive_v : float
        Current-source overdrive ``V_GS - V_T``, V.
    min_unit_area_m2 : float
        Smallest unit current-source gate area, m².
    layout_factor : float
        Layout area per unit gate area (>= 1).
    latch_area_m2 : float
        Latch, switch pair and driver of one switched element, m².
    decoder_gate_area_m2 : float
        Thermometer-decoder logic per output, m².
    overhead_area_m2 : float
        Fixed area per channel (clocking, bias, references), m².
    """

    name: str
    description: str
    node_nm: float
    temperature_k: float
    vdd_v: float
    full_scale_current_a: float
    bias_power_w: float
    switched_cap_per_bit_f: float
    activity: float
    clock_cap_f: float
    latch_cap_f: float
    decoder_cap_f: float
    array_cap_per_area_f_m2: float
    output_stage_power_w: float
    a_beta_m: float
    a_vt_v_m: float
    overdrive_v: float
    min_unit_area_m2: float
    layout_factor: float
    latch_area_m2: float
    decoder_gate_area_m2: float
    overhead_area_m2: float

    def __post_init__(self) -> None:
        for key in ("node_nm", "temperature_k", "vdd_v", "switched_cap_per_bit_f",
                    "a_beta_m", "overdrive_v", "min_unit_area_m2"):
            check_positive(key, float(getattr(self, key)))
        for key in ("full_scale_current_a", "bias_power_w", "clock_cap_f", "latch_cap_f",
                    "decoder_cap_f", "array_cap_per_area_f_m2", "output_stage_power_w",
                    "a_vt_v_m", "latch_area_m2", "decoder_gate_area_m2", "overhead_area_m2"):
            check_positive(key, float(getattr(self, key)), allow_zero=True)
        if not 0 < self.activity <= 1:
            raise ValueError(f"activity: must be in (0, 1], got {self.activity!r}")
        if not (math.isfinite(self.layout_factor) and self.layout_factor >= 1):
            raise ValueError(f"layout_factor: must be a finite number >= 1, got "
                             f"{self.layout_factor!r}")


@dataclass(frozen=True)
class StagePreset:
    """One cryostat stage.

    Parameters
    ----------
    name : str
    temperature_k : float
        Stage temperature, K.
    cooling_power_w : float
        Cooling power available at ``temperature_k``, W.
    line_heat_load_w : float
        Heat one control line deposits on this stage arriving from the warmer stage, W.
    """

    name: str
    temperature_k: float
    cooling_power_w: float
    line_heat_load_w: float

    def __post_init__(self) -> None:
        check_positive("temperature_k", self.temperature_k)
        check_positive("cooling_power_w", self.cooling_power_w)
        check_positive("line_heat_load_w", self.line_heat_load_w, allow_zero=True)


@dataclass(frozen=True)
class FridgePreset:
    """A cryostat: its stages ordered warm to cold."""

    name: str
    description: str
    stages: tuple[StagePreset, ...]

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("stages: must list at least one stage")
        temps = [s.temperature_k for s in self.stages]
        if any(b >= a for a, b in zip(temps, temps[1:], strict=False)):
            raise ValueError(f"stages: must be ordered warm to cold, got temperatures {temps}")

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> StagePreset:
        """The stage called ``name``."""
        for s in self.stages:
            if s.name == name:
                return s
        raise ValueError(f"stage: must be one of {', '.join(self.stage_names)}, got {name!r}")


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files("hardware_models").joinpath("data/presets.yaml").read_text()
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not {"technology", "fridge"} <= set(data):
        raise ValueError("presets.yaml: must have 'technology' and 'fridge' sections")
    return data


def list_presets() -> dict[str, tuple[str, ...]]:
    """Names of the shipped presets: ``{"technology": (...), "fridge": (...)}``."""
    data = _raw()
    return {"technology": tuple(data["technology"]), "fridge": tuple(data["fridge"])}


def _pick(section: str, name: str) -> dict[str, Any]:
    table = _raw()[section]
    if not isinstance(name, str) or name not in table:
        raise ValueError(f"preset: must be one of {', '.join(table)}, got {name!r}")
    return table[name]


def load_technology(name: str) -> TechnologyPreset:
    """Load a technology preset by name (see :func:`list_presets`)."""
    _pick("technology", name)  # validates the name before it reaches the cache
    return _load_technology(name)


@cache
def _load_technology(name: str) -> TechnologyPreset:
    raw = _pick("technology", name)
    missing = [k for k in _TECH_KEYS if k not in raw]
    if missing:
        raise ValueError(f"technology.{name}: missing keys {', '.join(missing)}")
    f = {k: float(raw[k]) for k in _TECH_KEYS if k != "description"}
    return TechnologyPreset(
        name=name,
        description=str(raw["description"]),
        node_nm=f["node_nm"],
        temperature_k=f["temperature_k"],
        vdd_v=f["vdd_v"],
        full_scale_current_a=f["full_scale_current_a"],
        bias_power_w=f["bias_power_w"],
        switched_cap_per_bit_f=f["switched_cap_per_bit_ff"] * 1e-15,
        activity=f["activity"],
        clock_cap_f=f["clock_cap_ff"] * 1e-15,
        latch_cap_f=f["latch_cap_ff"] * 1e-15,
        decoder_cap_f=f["decoder_cap_ff"] * 1e-15,
        array_cap_per_area_f_m2=f["array_cap_af_um2"] * 1e-18 / 1e-12,
        output_stage_power_w=f["output_stage_power_w"],
        a_beta_m=f["a_beta_pct_um"] * 1e-2 * 1e-6,
        a_vt_v_m=f["a_vt_mv_um"] * 1e-3 * 1e-6,
        overdrive_v=f["overdrive_v"],
        min_unit_area_m2=f["min_unit_area_um2"] * 1e-12,
        layout_factor=f["layout_factor"],
        latch_area_m2=f["latch_area_um2"] * 1e-12,
        decoder_gate_area_m2=f["decoder_gate_area_um2"] * 1e-12,
        overhead_area_m2=f["overhead_area_mm2"] * 1e-6,
    )


def load_fridge(name: str) -> FridgePreset:
    """Load a cryostat preset by name (see :func:`list_presets`)."""
    _pick("fridge", name)
    return _load_fridge(name)


@cache
def _load_fridge(name: str) -> FridgePreset:
    raw = _pick("fridge", name)
    stages = []
    for stage_name, st in raw["stages"].items():
        missing = [k for k in _STAGE_KEYS if k not in st]
        if missing:
            raise ValueError(f"fridge.{name}.{stage_name}: missing keys {', '.join(missing)}")
        stages.append(StagePreset(name=str(stage_name),
                                  **{k: float(st[k]) for k in _STAGE_KEYS}))
    return FridgePreset(name=name, description=str(raw["description"]), stages=tuple(stages))


def as_technology(tech: str | TechnologyPreset) -> TechnologyPreset:
    """Accept a preset name or a :class:`TechnologyPreset`."""
    return tech if isinstance(tech, TechnologyPreset) else load_technology(tech)


def as_fridge(fridge: str | FridgePreset) -> FridgePreset:
    """Accept a preset name or a :class:`FridgePreset`."""
    return fridge if isinstance(fridge, FridgePreset) else load_fridge(fridge)
