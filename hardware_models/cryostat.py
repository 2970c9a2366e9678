"""Cryostat heat budget of a control stack: power per stage, per qubit, and the qubit limit.

Arithmetic (all powers in W):

* channels per qubit ``c = channels_per_qubit / qubits_per_channel``; each
  channel is one line from the controller down to the qubits.
* at the controller stage, per qubit: ``p = P_channel * c`` with
  ``P_channel`` from :func:`hardware_models.costs.channel_power_w`, its thermal
  term evaluated at that stage's temperature.
* at every stage colder than the controller, per qubit: ``p = q_line * c``
  with the stage's per-line heat load ``q_line`` from the fridge preset.
* a controller at room temperature (``"300K"``) loads no stage with its own
  power; its lines load every stage.
* for ``n_qubits`` qubits, stage load ``P = n_qubits * p`` and fraction used
  ``P / P_cool``. The largest supported count is ``floor(P_cool / p)`` for
  each loaded stage, and the fridge supports the minimum over stages.

Not modelled: the few supply, clock and digital lines that feed a cryogenic
controller itself, readout chains, and the interdependence of stage cooling
powers (each stage is treated as an independent budget).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from hardware_models.costs import channel_power
from hardware_models.presets import (
    ROOM_STAGE,
    ROOM_TEMPERATURE_K,
    FridgePreset,
    TechnologyPreset,
    as_fridge,
    as_technology,
)


@dataclass(frozen=True)
class StageLoad:
    """Heat load on one cryostat stage.

    Attributes
    ----------
    stage : str
    temperature_k : float
    cooling_power_w : float
    power_per_qubit_w : float
        Controller dissipation plus line heat load per qubit, W.
    power_w : float
        Load for the report's ``n_qubits``, W.
    fraction_used : float
        ``power_w / cooling_power_w``.
    max_qubits : int or None
        ``floor(cooling_power_w / power_per_qubit_w)``; None when the stage carries no load.
    """

    stage: str
    temperature_k: float
    cooling_power_w: float
    power_per_qubit_w: float
    power_w: float
    fraction_used: float
    max_qubits: int | None


@dataclass(frozen=True)
class BudgetReport:
    """Result of :func:`budget`.

    Attributes
    ----------
    tech, fridge, controller_stage : str
    bits : int
    sample_rate_hz : float
    channels_per_qubit : float
    qubits_per_channel : int
    n_qubits : int
    channel_power_w : float
        Power of one channel at the controller's temperature, W.
    channel_power_breakdown_w : dict of str to float
        ``channel_power_w`` term by term (:attr:`ChannelPower.power_breakdown_w`), W.
    controller_power_per_qubit_w : float
        ``channel_power_w * channels_per_qubit / qubits_per_channel``, W.
    room_temperature_power_w : float
        Controller power outside the fridge for ``n_qubits`` (0 when it sits in a stage), W.
    stages : tuple of StageLoad
        Warm to cold.
    max_qubits : int or None
        Largest qubit count every stage supports; None if no stage is loaded.
    limiting_stage : str or None
        The stage that sets ``max_qubits``.
    """

    tech: str
    fridge: str
    controller_stage: str
    bits: int
    sample_rate_hz: float
    channels_per_qubit: float
    qubits_per_channel: int
    n_qubits: int
    channel_power_w: float
    channel_power_breakdown_w: dict[str, float]
    controller_power_per_qubit_w: float
    room_temperature_power_w: float
    stages: tuple[StageLoad, ...]
    max_qubits: int | None
    limiting_stage: str | None

    def stage(self, name: str) -> StageLoad:
        """The load on stage ``name``."""
        for s in self.stages:
            if s.stage == name:
                return s
        names = ", ".join(s.stage for s in self.stages)
        raise ValueError(f"stage: must be one of {names}, got {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON output."""
        d = asdict(self)
        d["stages"] = [asdict(s) for s in self.stages]
        return d


def _max_count(cooling_w: float, per_qubit_w: float) -> int | None:
    if per_qubit_w <= 0:
        return None
    # The tiny relative slack keeps exact ratios (e.g. 1.5 / 0.5) from flooring to one less.
    return int(math.floor(cooling_w / per_qubit_w * (1.0 + 1e-12)))


def budget(
    *,
    bits: int,
    sample_rate_hz: float,
    tech: str | TechnologyPreset,
    fridge: str | FridgePreset,
    controller_stage: str = "4K",
    channels_per_qubit: float = 1.0,
    qubits_per_channel: int = 1,
    n_qubits: int = 1,
    architecture: str = "binary",
    unary_msbs: int = 0,
) -> BudgetReport:
    """Heat budget of a DAC-based control stack in a cryostat.

    Parameters
    ----------
    bits : int
        DAC resolution, 1..16.
    sample_rate_hz : float
        DAC sample rate, Hz.
    tech : str or TechnologyPreset
        Controller technology.
    fridge : str or FridgePreset
        Cryostat.
    controller_stage : str, default="4K"
        ``"300K"`` (outside the fridge) or one of the fridge's stage names.
    channels_per_qubit : float, default=1.0
        DAC channels each qubit needs (e.g. 2 for I/Q drive, 3 with flux), > 0.
    qubits_per_channel : int, default=1
        Qubits sharing one channel by frequency multiplexing, >= 1.
    n_qubits : int, default=1
        Qubit count for the per-stage totals and fractions, >= 1.
    architecture : {"binary", "unary", "segmented"}, default="binary"
        DAC architecture (its latches and decoder switch power).
    unary_msbs : int, default=0
        Thermometer-decoded MSBs, 1..bits for ``segmented``.

    Returns
    -------
    BudgetReport
    """
    t = as_technology(tech)
    fr = as_fridge(fridge)
    allowed = (ROOM_STAGE, *fr.stage_names)
    if controller_stage not in allowed:
        raise ValueError(
            f"controller_stage: must be one of {', '.join(allowed)}, got {controller_stage!r}"
        )
    cpq = float(channels_per_qubit)
    if not (math.isfinite(cpq) and cpq > 0):
        raise ValueError(f"channels_per_qubit: must be a finite number > 0, got "
                         f"{channels_per_qubit!r}")
    for name, value in (("qubits_per_channel", qubits_per_channel), ("n_qubits", n_qubits)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: must be an integer >= 1, got {value!r}")

    at_room = controller_stage == ROOM_STAGE
    temp = ROOM_TEMPERATURE_K if at_room else fr.stage(controller_stage).temperature_k
    terms = channel_power(bits=bits, sample_rate_hz=sample_rate_hz, tech=t,
                          temperature_k=temp, architecture=architecture, unary_msbs=unary_msbs)
    p_channel = terms.power_w
    lines_per_qubit = cpq / qubits_per_channel
    p_ctrl_qubit = p_channel * lines_per_qubit

    loads = []
    below_controller = at_room
    for st in fr.stages:
        if st.name == controller_stage:
            per_qubit = p_ctrl_qubit
            below_controller = True
        elif below_controller:
            per_qubit = st.line_heat_load_w * lines_per_qubit
        else:
            per_qubit = 0.0
        total = per_qubit * n_qubits
        loads.append(StageLoad(
            stage=st.name, temperature_k=st.temperature_k, cooling_power_w=st.cooling_power_w,
            power_per_qubit_w=per_qubit, power_w=total,
            fraction_used=total / st.cooling_power_w,
            max_qubits=_max_count(st.cooling_power_w, per_qubit),
        ))
    limited = [s for s in loads if s.max_qubits is not None]
    worst = min(limited, key=lambda s: s.max_qubits) if limited else None
    return BudgetReport(
        tech=t.name, fridge=fr.name, controller_stage=controller_stage, bits=int(bits),
        sample_rate_hz=float(sample_rate_hz), channels_per_qubit=cpq,
        qubits_per_channel=qubits_per_channel, n_qubits=n_qubits,
        channel_power_w=p_channel, channel_power_breakdown_w=terms.power_breakdown_w,
        controller_power_per_qubit_w=p_ctrl_qubit,
        room_temperature_power_w=p_ctrl_qubit * n_qubits if at_room else 0.0,
        stages=tuple(loads),
        max_qubits=worst.max_qubits if worst else None,
        limiting_stage=worst.stage if worst else None,
    )
