"""Every metric a study stage stores: its name, unit and meaning, in one table.

The stages (:mod:`cosim.studies.hardware_stages`, :mod:`cosim.studies.qnn_stages`)
write these names, :func:`cosim.studies.evaluate.evaluate` refuses a metric
that is not declared here, and the scoring and the report read names, units
and display scales from here. A name with a ``{field}`` placeholder is a
family (one metric per fridge stage or per bit width).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Metric:
    """One stored metric.

    Parameters
    ----------
    name : str
        Column name; ``{field}`` placeholders make a family.
    unit : str
        SI unit, ``""`` for dimensionless, ``"text"`` for a label.
    doc : str
        One sentence for the reference page.
    label : str, default=""
        Column header in the report, with its display unit.
    scale : float, default=1.0
        Factor from the stored SI value to the report's display unit.
    stage : str
        The stage that stores it (:data:`cosim.studies.schema.KNOWN_STAGES`).
    """

    name: str
    unit: str
    doc: str
    label: str = ""
    scale: float = 1.0
    stage: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        """Regular expression matching the names of this metric (or family)."""
        return re.compile("^" + re.sub(r"\\\{\w+\\\}", r"[a-z0-9_]+", re.escape(self.name)) + "$")


def _stage(stage: str, *metrics: Metric) -> tuple[Metric, ...]:
    return tuple(replace(m, stage=stage) for m in metrics)


_TABLE: tuple[Metric, ...] = (
    *_stage("dac",
        Metric("dac_inl_max_lsb", "LSB", "Largest |INL| (endpoint fit) of the point's DAC chip.",
               "max abs INL (LSB)"),
        Metric("dac_dnl_max_lsb", "LSB", "Largest |DNL| of the chip."),
        Metric("dac_monotonic", "", "1 if every code's level is above the previous one, else 0."),
        Metric("dac_sinad_db", "dB", "SINAD of a coherent full-scale sine test."),
        Metric("dac_enob", "bit", "Effective number of bits, (SINAD - 1.76) / 6.02.", "ENOB (bit)"),
    ),
    *_stage("cost",
        Metric("channel_power_w", "W", "Power of one DAC channel at the controller stage."),
        Metric("power_per_qubit_w", "W", "Controller dissipation per qubit.", "power/qubit (mW)",
               1e3),
        Metric("stack_power_w", "W", "Power of all channels of the stack."),
        Metric("power_{term}_w", "W", "One term of channel_power_w (static, digital, array, "
               "thermal, output; hardware_models.POWER_TERMS); the terms sum to it."),
        Metric("channel_area_m2", "m^2", "Area of one DAC channel."),
        Metric("area_per_qubit_m2", "m^2", "DAC area per qubit.", "area/qubit (mm²)", 1e6),
        Metric("stage_{stage}_power_per_qubit_w", "W", "Heat load per qubit on one fridge stage."),
        Metric("stage_{stage}_fraction", "", "Load of stack.qubits over that stage's cooling "
               "power."),
        Metric("fridge_budget_fraction", "", "The largest stage fraction: > 1 does not fit."),
        Metric("fridge_max_qubits", "", "Qubits the fridge can hold with this stack.",
               "fridge max qubits"),
        Metric("fridge_limiting_stage", "text", "The stage that limits fridge_max_qubits."),
    ),
    *_stage("gateset",
        Metric("gate_fidelity_mean", "", "Mean gate fidelity of every code against its nominal "
               "rotation."),
        Metric("gate_fidelity_min", "", "Smallest gate fidelity over the codes."),
        Metric("gate_infidelity_mean", "", "1 - gate_fidelity_mean (against each code's nominal "
               "angle; see gate_error_mean for the requested one)."),
        Metric("gate_leakage_mean", "", "Mean population leaving the qubit subspace (three "
               "levels)."),
        Metric("gateset_solver", "text", "How the gates were solved: closed form or QuTiP."),
        Metric("gate_error_mean", "", "Mean 1 - F of each requested angle's realized process "
               "(pulse window, filter, DAC noise, T1/T2, leakage) against the requested "
               "rotation; the same definition as cosim gate.", "gate error"),
        Metric("gate_error_{cause}", "", "One part of gate_error_mean (quantization, pulse, "
               "nonlinearity, noise_filter, decoherence); the parts sum to it."),
        Metric("gate_error_rz_mean", "", "Mean 1 - F of the virtual RZ against the requested "
               "angle: the code grid and the phase register only."),
    ),
    *_stage("schedule",
        Metric("schedule_duration_s", "s", "Duration of one QNN circuit on the stack.",
               "circuit (ns)", 1e9),
        Metric("schedule_utilization", "", "Busy fraction of the DAC channels.",
               "channel utilization"),
        Metric("schedule_underflows", "", "FIFO words needed before they were written.",
               "FIFO underflows"),
        Metric("schedule_stall_s", "s", "Time channels waited on empty FIFOs."),
        Metric("schedule_idle_fraction", "", "Mean over qubits of idle time over duration."),
    ),
    *_stage("train",
        Metric("train_accuracy", "", "Test accuracy of the angles training returns.",
               "trained accuracy (%)", 100.0),
        Metric("train_loss", "nat", "Test cross-entropy of those angles."),
        Metric("train_fit_accuracy", "", "Training-split accuracy at the returned epoch."),
        Metric("train_initial_accuracy", "", "Test accuracy of the initial angles on the DAC."),
        Metric("train_epoch", "", "The returned epoch (0-based)."),
        Metric("train_deadlocked", "", "1 if the stored angles moved by at most 5 % of what the "
               "optimizer asked."),
        Metric("train_displacement_ratio", "", "Distance the stored angles moved over the distance "
               "asked."),
        Metric("train_updates_applied_fraction", "", "Fraction of proposed updates that changed a "
               "stored value."),
        Metric("train_below_half_lsb_fraction", "", "Fraction of proposed updates below half an "
               "LSB."),
        Metric("train_codes", "text", "DAC codes of the returned epoch, comma-separated (null for "
               "float training)."),
        Metric("train_gate_accuracy", "", "Test accuracy of the returned codes on the compiled "
               "gates."),
        Metric("data_source", "text", "Where the process that computed the point read the data "
               "set (stored by ptq and hardware too); workload.data_digest is its content digest."),
    ),
    *_stage("hardware",
        Metric("hardware_accuracy", "", "Test accuracy of the deployed model on the point's "
               "realized hardware (per-code pulse processes, scheduled idle time, CNOT error, "
               "readout, shots).", "hardware accuracy (%)", 100.0),
        Metric("hardware_loss", "nat", "Test cross-entropy of the deployed model on the "
               "hardware."),
    ),
    *_stage("ptq",
        Metric("float_accuracy", "", "Test accuracy of the float-trained model."),
        Metric("ptq_accuracy", "", "Test accuracy of the float model deployed on the point's DAC.",
               "PTQ accuracy (%)", 100.0),
        Metric("ptq_accuracy_b{bits}", "", "The same at each workload.eval_bits width."),
        Metric("ptq_gate_accuracy", "", "PTQ test accuracy on the compiled gates."),
    ),
)

METRICS: dict[str, Metric] = {m.name: m for m in _TABLE}

# Names the scoring looks for.
TRAIN_ACCURACY = "train_accuracy"
TRAIN_DEADLOCKED = "train_deadlocked"
PTQ_ACCURACY = "ptq_accuracy"
FLOAT_ACCURACY = "float_accuracy"
HARDWARE_ACCURACY = "hardware_accuracy"
PTQ_PREFIX = "ptq_accuracy_b"
POWER_PER_QUBIT = "power_per_qubit_w"
AREA_PER_QUBIT = "area_per_qubit_m2"
MAX_QUBITS = "fridge_max_qubits"
BUDGET_FRACTION = "fridge_budget_fraction"


def lookup(name: str) -> Metric | None:
    """The declared metric (or family) that ``name`` belongs to, or None."""
    if name in METRICS:
        return METRICS[name]
    return next((m for m in _TABLE if "{" in m.name and m.pattern.match(name)), None)


def produced_by(stages: tuple[str, ...] | list[str], name: str) -> bool:
    """Whether one of ``stages`` stores the metric ``name``."""
    metric = lookup(name)
    return metric is not None and metric.stage in stages


def headline_metrics() -> tuple[Metric, ...]:
    """Metrics with a report label, in table order: the report's per-axis columns."""
    return tuple(m for m in _TABLE if m.label)
