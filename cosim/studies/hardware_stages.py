"""Study stages of the hardware: DAC linearity, cost and cryostat budget, gates, schedule.

Each stage is ``stage(config, shared) -> metrics`` (see
:mod:`cosim.studies.evaluate`). Physics modules are imported inside the
stages, so that loading a scenario stays light and pool workers import only
what their points use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cosim.studies.scoring import AREA_PER_QUBIT, BUDGET_FRACTION, MAX_QUBITS, POWER_PER_QUBIT

Config = Mapping[str, Any]
Metrics = dict[str, float | int | str | None]


def point_dac(config: Config, shared: dict[str, Any]) -> Any:
    """The point's angle-DAC chip: one seeded draw of unit-element mismatch.

    The same instance the QNN stages train and deploy on (built once per
    process and DAC description, :meth:`qnn.device.DACConfig.grid`).
    """
    if "dac" not in shared:
        from cosim.studies.device import dac_from_config  # workers import on use

        shared["dac"] = dac_from_config(config).grid().dac
    return shared["dac"]


def dac_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """Static and dynamic linearity of the point's DAC instance.

    Metrics: ``dac_inl_max_lsb`` and ``dac_dnl_max_lsb`` (endpoint fit, LSB),
    ``dac_monotonic`` (1/0), ``dac_sinad_db`` (dB) and ``dac_enob`` (bit) from
    a coherent full-scale sine test.
    """
    from hardware_models import dnl_max_lsb, inl_max_lsb, is_monotonic, sine_test

    dac = point_dac(config, shared)
    sine = sine_test(dac)
    return {
        "dac_inl_max_lsb": inl_max_lsb(dac.levels),
        "dac_dnl_max_lsb": dnl_max_lsb(dac.levels),
        "dac_monotonic": int(is_monotonic(dac.levels)),
        "dac_sinad_db": sine.sinad_db,
        "dac_enob": sine.enob,
    }


def _stage_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def cost_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """Power, area and cryostat budget of the point's control stack.

    Metrics: ``channel_power_w`` (W, at the controller's stage temperature),
    ``power_per_qubit_w`` (controller dissipation per qubit, W),
    ``stack_power_w`` (all channels, W), ``channel_area_m2``,
    ``area_per_qubit_m2``, ``stage_<name>_power_per_qubit_w`` and
    ``stage_<name>_fraction`` (load of ``stack.qubits`` over the stage's
    cooling power) per fridge stage, ``fridge_budget_fraction`` (the largest
    stage fraction), ``fridge_max_qubits`` and ``fridge_limiting_stage``; and
    one column per channel power term, ``power_<term>_w`` (W; terms in
    :data:`hardware_models.POWER_TERMS`, summing to ``channel_power_w``).
    Power and area follow the point's DAC architecture.
    """
    from hardware_models import budget, channel_area_m2

    s, d = config["stack"], config["dac"]
    qubits, channels = s["qubits"], s["channels"]
    from cosim.studies.device import dac_from_config

    arch = {"architecture": d["architecture"],
            "unary_msbs": dac_from_config(config).effective_unary_msbs()}
    report = budget(bits=d["bits"], sample_rate_hz=s["sample_rate_hz"], tech=s["technology"],
                    fridge=s["fridge"], controller_stage=s["controller_stage"],
                    # Exact line count: ceil() in the derived channel count can
                    # leave a channel partly used.
                    channels_per_qubit=channels / qubits, qubits_per_channel=1,
                    n_qubits=qubits, **arch)
    area = channel_area_m2(bits=d["bits"], tech=s["technology"], **arch)
    metrics: Metrics = {
        "channel_power_w": report.channel_power_w,
        POWER_PER_QUBIT: report.controller_power_per_qubit_w,
        "stack_power_w": report.channel_power_w * channels,
        "channel_area_m2": area,
        AREA_PER_QUBIT: area * channels / qubits,
    }
    metrics.update({f"power_{k}_w": v for k, v in report.channel_power_breakdown_w.items()})
    for load in report.stages:
        name = _stage_name(load.stage)
        metrics[f"stage_{name}_power_per_qubit_w"] = load.power_per_qubit_w
        metrics[f"stage_{name}_fraction"] = load.fraction_used
    metrics[BUDGET_FRACTION] = max(load.fraction_used for load in report.stages)
    metrics[MAX_QUBITS] = report.max_qubits
    metrics["fridge_limiting_stage"] = report.limiting_stage
    return metrics


def _pulse_and_model(config: Config) -> tuple[Any, Any]:
    from cosim.pulse import PulseSpec, QubitModel

    s, q = config["stack"], config["qubit"]
    pulse = PulseSpec(duration_s=q["gate_1q_s"], sample_rate_hz=s["sample_rate_hz"],
                      envelope=s["envelope"])
    model = QubitModel(levels=q["levels"], anharmonicity_hz=q["anharmonicity_hz"],
                       t1_s=q["t1_s"], t2_s=q["t2_s"])
    return pulse, model


def gateset_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """The realized single-qubit gate set of the point's DAC, from pulse-level dynamics.

    Every code's pulse (``qubit.gate_1q_s`` long at ``stack.sample_rate_hz``,
    ``stack.envelope``) is propagated on the qubit model (closed form for a
    closed two-level qubit, else QuTiP; compiled tables are cached on disk,
    see ``COSIM_CACHE_DIR``). Metrics, over all codes against their nominal
    rotations: ``gate_fidelity_mean``, ``gate_fidelity_min``,
    ``gate_infidelity_mean`` (``1 - F``), ``gate_leakage_mean`` (three levels
    only, else null) and ``gateset_solver``. Stages train and ptq then also
    report accuracy on these gates.

    Against the *requested* continuous angle (the definition of ``cosim gate``),
    over 1024 angles spread over a turn, of each code's whole process on the
    point's realized pulse window (FIFO stalls, ``stack.filter``, DAC noise,
    T1/T2; :func:`cosim.pulse.gate_error.gate_error_breakdown`):
    ``gate_error_mean`` and its parts ``gate_error_quantization``,
    ``gate_error_pulse``, ``gate_error_nonlinearity``,
    ``gate_error_noise_filter``, ``gate_error_decoherence``; and
    ``gate_error_rz_mean`` of the virtual RZ (grid and phase register only).
    """
    import numpy as np

    from cosim.pulse import compile_gateset

    pulse, model = _pulse_and_model(config)
    gates = compile_gateset(point_dac(config, shared), pulse=pulse, model=model)
    shared["gateset"] = gates
    fidelity = np.asarray(gates.fidelity["x"], dtype=float)
    leakage = None if gates.leakage is None else float(np.mean(gates.leakage["x"]))
    return {**_gate_errors(config, shared),
        "gate_fidelity_mean": float(fidelity.mean()),
        "gate_fidelity_min": float(fidelity.min()),
        "gate_infidelity_mean": float(1.0 - fidelity.mean()),
        "gate_leakage_mean": leakage,
        "gateset_solver": gates.solver,
    }


def _gate_errors(config: Config, shared: dict[str, Any]) -> Metrics:
    """Gate error against the requested angle, per cause, on the realized pulse window."""
    from cosim.pulse.gate_error import COMPONENTS, gate_error_breakdown
    from cosim.realized import pulse_setup, realized_hardware
    from cosim.stack.timing import emission_mask
    from cosim.studies.device import device_from_config
    from qnn import get_architecture

    device = device_from_config(config)
    pulse, model, filt, drag = pulse_setup(device)
    real = realized_hardware(get_architecture(config["workload"]["arch"]), device)
    errors = gate_error_breakdown(point_dac(config, shared), pulse=pulse, model=model,
                                  filt=filt, emitted=emission_mask(real.result), drag=drag,
                                  phase_bits=real.result.spec.phase_bits)
    metrics: Metrics = {"gate_error_mean": errors["total"], "gate_error_rz_mean": errors["rz"]}
    metrics.update({f"gate_error_{name}": errors[name] for name in COMPONENTS})
    return metrics


def schedule_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """One QNN circuit played on the SimPy control stack.

    The circuit is ``workload.arch`` on its own qubits with random data and
    angles drawn from ``workload.seeds``; its qubits share channels as the
    scenario says (``ceil(n_qubits / stack.multiplexing)`` channels, pooled),
    with ``stack.fifo_depth``, ``stack.refill_rate_hz``, ``stack.sample_rate_hz``,
    the gate durations and the point's DAC. Metrics: ``schedule_duration_s``,
    ``schedule_utilization`` (busy fraction of the channels),
    ``schedule_underflows`` (FIFO words needed before they were written),
    ``schedule_stall_s`` and ``schedule_idle_fraction`` (mean over qubits of
    idle time / duration).
    """
    import numpy as np

    from cosim.stack import StackSpec, simulate
    from qnn import get_architecture

    s, q, w = config["stack"], config["qubit"], config["workload"]
    arch = get_architecture(w["arch"])
    rng = np.random.default_rng(w["seeds"])
    x = rng.uniform(0.0, np.pi, arch.n_qubits)
    theta = rng.uniform(0.0, 2 * np.pi, arch.n_params)
    spec = StackSpec(n_qubits=arch.n_qubits,
                     n_channels=-(-arch.n_qubits // s["multiplexing"]),
                     sample_rate_hz=s["sample_rate_hz"], fifo_depth_words=s["fifo_depth"],
                     refill_rate_hz=s["refill_rate_hz"],
                     gate_1q_s=q["gate_1q_s"], gate_2q_s=q["gate_2q_s"],
                     issue_latency_s=s["issue_latency_s"],
                     envelope=s["envelope"], angle_bits=config["dac"]["bits"])
    result = simulate(arch.ops(), spec, x=x, theta=theta, dac=point_dac(config, shared))
    idle = np.asarray(result.idle_s) / result.duration_s if result.duration_s else [0.0]
    return {
        "schedule_duration_s": result.duration_s,
        "schedule_utilization": result.utilization,
        "schedule_underflows": int(result.underflows),
        "schedule_stall_s": result.stall_s,
        "schedule_idle_fraction": float(np.mean(idle)),
    }
