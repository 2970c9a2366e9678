"""The scenario schema as data: every key, its type, default, unit, range and meaning.

One table, :data:`SCHEMA`, drives validation (:mod:`cosim.studies.scenario`),
defaults, and the reference page ``docs/scenarios.md``
(:mod:`cosim.studies.docs`). Adding a key means adding one :class:`Key` here.

Kinds of keys
-------------
``int``, ``float``
    A number within ``[lo, hi]`` (``lo_open`` makes the lower bound strict).
``choice``
    One string out of ``choices``.
``text``
    Free text.
``int_list``, ``choice_list``
    A list whose items are ``int`` (within ``[lo, hi]``) or ``choice`` values.

A key with ``sweep=True`` may be given a list or a range instead of one value;
the product of all such axes makes the points of a study.

Roles
-----
A key also says what it is to the computation, so that no list of key names
is kept by hand elsewhere: ``seed`` (``"chip"`` or ``"training"``) marks the
keys that only tell apart repeated draws of one design, and ``ptq_ignores``
the keys that only quantized training reads (post-training quantization of
the float model does not depend on them). What the float model itself
depends on is not listed at all: the stages memoise it on the typed training
recipe and encoding DAC they build (:mod:`cosim.studies.device`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cosim.pulse.filters import FILTERS
from cosim.pulse.waveforms import ENVELOPES
from hardware_models.presets import ROOM_STAGE, list_presets, load_fridge
from qnn.device import MAX_SHOTS
from qnn.vocabulary import (
    DAC_ARCHITECTURES,
    DATASETS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_KERNEL,
    DEFAULT_LR,
    DEFAULT_MISMATCH_SIGMA,
    DEFAULT_OPTIMIZER,
    DEFAULT_SCHEDULE,
    DEFAULT_SELECT,
    DEFAULT_TEMPERATURE,
    DEFAULT_UNARY_MSBS,
    KERNELS,
    MAX_BITS,
    MAX_EPOCHS,
    MAX_FREQUENCY_OFFSET_HZ,
    MAX_SAMPLES_PER_PULSE,
    MIN_BITS,
    OPTIMIZERS,
    QNN_ARCHITECTURES,
    QUANTIZERS,
    SCHEDULES,
    SELECTIONS,
)

# The stages a scenario may name, in the order they run inside a point. Which
# of them this build can evaluate is decided by cosim.studies.evaluate.STAGES.
KNOWN_STAGES = ("dac", "cost", "gateset", "schedule", "train", "ptq", "hardware")
_PRESETS = list_presets()
CONTROLLER_STAGES = tuple(dict.fromkeys(
    [ROOM_STAGE, *(n for f in _PRESETS["fridge"] for n in load_fridge(f).stage_names)]))
# A hard ceiling on study.max_points: beyond it the sqlite store and the
# report stop being a sensible tool, whatever the scenario asks.
POINT_CEILING = 1_000_000


@dataclass(frozen=True)
class Key:
    """One scenario key.

    Parameters
    ----------
    section : str or None
        Section the key lives in (``"dac"``), ``None`` for a top-level key.
    name : str
        Key name inside its section.
    kind : {"int", "float", "bool", "choice", "text", "int_list", "choice_list"}
        Value type (see the module docstring).
    default : object
        Value used when the key is absent. ``None`` means "derived" for
        ``nullable`` keys.
    doc : str
        One sentence for the reference page.
    unit : str, default=""
        SI unit of the value, empty for dimensionless keys.
    lo, hi : float or None
        Inclusive bounds for numbers and list items.
    lo_open : bool, default=False
        Make ``lo`` a strict bound.
    hi_open : bool, default=False
        Make ``hi`` a strict bound.
    choices : tuple of str
        Allowed values of ``choice`` keys and ``choice_list`` items.
    sweep : bool, default=False
        Whether the key may be a sweep axis.
    nullable : bool, default=False
        Whether ``null`` is allowed (the value is then derived).
    nonzero : bool, default=False
        Whether 0 is excluded from the range.
    seed : {"chip", "training"} or None, default=None
        A seed key: it only tells apart repeated draws of one design.
    ptq_ignores : bool, default=False
        Only quantized training reads the key; post-training quantization of
        the float model does not depend on it.
    """

    section: str | None
    name: str
    kind: str
    default: Any
    doc: str
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    sweep: bool = False
    nullable: bool = False
    nonzero: bool = False
    seed: str | None = None
    ptq_ignores: bool = False

    @property
    def path(self) -> str:
        """Dotted key path, e.g. ``dac.bits``."""
        return self.name if self.section is None else f"{self.section}.{self.name}"

    def allowed(self) -> str:
        """What the key accepts, as a phrase for error messages and docs."""
        if self.kind in ("choice", "choice_list"):
            text = "one of " + ", ".join(self.choices)
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "text":
            text = "a string"
        else:
            noun = "an integer" if self.kind in ("int", "int_list") else "a number"
            text = _range_phrase(noun, self.lo, self.hi, self.lo_open, self.nonzero,
                                 self.hi_open)
        if self.kind.endswith("_list"):
            text = f"a list of {text.replace('an integer', 'integers')}"
        if self.nullable:
            text += " or null"
        return text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e6 else f"{x:g}"


def _range_phrase(noun: str, lo: float | None, hi: float | None, lo_open: bool,
                  nonzero: bool, hi_open: bool = False) -> str:
    below = "<" if hi_open else "<="
    if lo is not None and hi is not None and not (lo_open or hi_open) and noun == "an integer":
        text = f"{noun} {lo}..{hi}"
    elif lo is not None and hi is not None:
        text = f"{noun} {'>' if lo_open else '>='} {_num(lo)} and {below} {_num(hi)}"
    elif lo is not None:
        text = f"{noun} {'>' if lo_open else '>='} {_num(lo)}"
    elif hi is not None:
        text = f"{noun} {below} {_num(hi)}"
    else:
        text = noun
    return text + (", not 0" if nonzero else "")


def _k(section: str | None, name: str, kind: str, default: Any, doc: str, **kw: Any) -> Key:
    return Key(section=section, name=name, kind=kind, default=default, doc=doc, **kw)


SECTION_DOCS: dict[str, str] = {
    "stack": "The control stack: how many qubits, how channels are shared, and what it is "
    "built from.",
    "dac": "The DAC of every channel.",
    "qubit": "The qubits driven by the stack (transmon-like). Stage hardware runs the "
    "deployed model on them: T1/T2 during pulses and idle waits, the CNOT error.",
    "measurement": "How <Z> is read out: assignment errors and finite shots (stage hardware, "
    "and training with workload.noisy_training).",
    "workload": "The QNN workload: data, circuit, quantized training and post-training "
    "quantization.",
    "study": "What to compute and how to judge it. These keys never change a point's result, "
    "so they do not enter its point_id.",
}

SCHEMA: tuple[Key, ...] = (
    _k(None, "name", "text", None, "Study name; defaults to the file name without .yaml.",
       nullable=True),
    _k(None, "description", "text", "", "Free text copied into report.md."),
    # --- stack
    _k("stack", "qubits", "int", 4, "Number of qubits the stack controls.",
       lo=1, hi=10_000_000, sweep=True),
    _k("stack", "channels", "int", None,
       "Number of DAC channels; null derives ceil(qubits / multiplexing).",
       lo=1, hi=10_000_000, sweep=True, nullable=True),
    _k("stack", "multiplexing", "int", None,
       "Qubits sharing one channel by time-division multiplexing; null derives "
       "ceil(qubits / channels), or 1 when channels is null too. channels * multiplexing "
       "must cover qubits.", lo=1, hi=4096, sweep=True, nullable=True),
    _k("stack", "sample_rate_hz", "float", 1.0e9, "DAC sample rate.", unit="Hz",
       lo=0.0, lo_open=True, hi=1.0e12, sweep=True),
    _k("stack", "fifo_depth", "int", 16, "Depth of each channel's instruction FIFO.",
       unit="entries", lo=1, hi=1_000_000, sweep=True),
    _k("stack", "refill_rate_hz", "float", 1.0e9, "Words per second the sequencer writes into "
       "one channel's FIFO (4 samples per word).", unit="Hz", lo=0.0, lo_open=True, hi=1.0e12,
       sweep=True),
    _k("stack", "issue_latency_s", "float", 4e-9, "Sequencer latency from a channel grant to "
       "its first word.", unit="s", lo=0.0, hi=1e-3, sweep=True),
    _k("stack", "technology", "choice", "cryo_cmos_28nm_bulk", "Controller technology preset "
       "for power and area (hardware_models/data/presets.yaml).",
       choices=_PRESETS["technology"], sweep=True),
    _k("stack", "fridge", "choice", "dr_pt405", "Cryostat preset for the stage cooling "
       "budgets (hardware_models/data/presets.yaml).", choices=_PRESETS["fridge"], sweep=True),
    _k("stack", "envelope", "choice", "square", "Envelope of every single-qubit pulse; shaped "
       "pulses have every sample quantized by the DAC.", choices=ENVELOPES, sweep=True),
    _k("stack", "filter", "choice", "none", "Reconstruction filter at the DAC output: none, "
       "first-order rc, or a third-order chebyshev (0.5 dB ripple) or bessel low-pass; stage "
       "hardware plays every pulse through it.", choices=FILTERS, sweep=True),
    _k("stack", "filter_cutoff_hz", "float", None, "Cutoff of stack.filter; required unless "
       "the filter is none.", unit="Hz", lo=0.0, lo_open=True, hi=1.0e12, sweep=True,
       nullable=True),
    _k("stack", "controller_stage", "choice", "4K", "Where the DACs sit: 300K (outside the "
       "fridge) or a stage of the chosen fridge.", choices=CONTROLLER_STAGES, sweep=True),
    # --- dac
    _k("dac", "bits", "int", 8, "DAC resolution.", unit="bit", lo=MIN_BITS, hi=MAX_BITS,
       sweep=True),
    _k("dac", "architecture", "choice", "binary", "How the DAC is built from unit elements.",
       choices=DAC_ARCHITECTURES, sweep=True),
    _k("dac", "unary_msbs", "int", DEFAULT_UNARY_MSBS, "Most-significant bits decoded to "
       "unary (thermometer) elements in a segmented DAC (clipped to the resolution in use); "
       "unused by the other architectures.",
       unit="bit", lo=MIN_BITS, hi=MAX_BITS,
       sweep=True),
    _k("dac", "mismatch_sigma", "float", DEFAULT_MISMATCH_SIGMA, "Relative standard deviation "
       "of one unit element (fraction of its nominal value); 0 is an ideal DAC.", lo=0.0,
       hi=1.0, sweep=True),
    _k("dac", "gain_error", "float", 0.0, "Relative gain error of the DAC transfer.",
       lo=-0.5, hi=0.5, sweep=True),
    _k("dac", "offset_rad", "float", 0.0, "Static output offset of the angle DAC.", unit="rad",
       lo=-3.2, hi=3.2, sweep=True),
    _k("dac", "noise_rms_rad", "float", 0.0, "RMS white output noise of the angle DAC, drawn "
       "anew each time a code is played.", unit="rad", lo=0.0, hi=3.2, sweep=True),
    _k("dac", "encode_bits", "int", None, "Resolution of the DAC on the same chip that plays "
       "the data-encoding angles; null is ideal encoding.", unit="bit", lo=MIN_BITS,
       hi=MAX_BITS, sweep=True, nullable=True),
    _k("dac", "seeds", "int", 0, "The chip: seed of the element mismatch draw; a sweep of "
       "seeds gives a population of DAC instances.", lo=0, hi=2**32 - 1, sweep=True,
       seed="chip"),
    # --- qubit
    _k("qubit", "levels", "int", 2, "Transmon levels simulated (3 adds leakage).", lo=2, hi=3,
       sweep=True),
    _k("qubit", "t1_s", "float", None, "Energy relaxation time T1; null (the default, as on "
       "the command line and in the estimator) for no relaxation.",
       unit="s", lo=0.0, lo_open=True, hi=1.0, sweep=True, nullable=True),
    _k("qubit", "t2_s", "float", None, "Coherence time T2, <= 2 * t1_s; null for no pure "
       "dephasing. With both null and 2 levels, gates are solved in closed form, else with "
       "QuTiP.", unit="s", lo=0.0, lo_open=True, hi=2.0, sweep=True, nullable=True),
    _k("qubit", "gate_1q_s", "float", 20e-9, "Single-qubit gate duration; times "
       f"stack.sample_rate_hz at most {MAX_SAMPLES_PER_PULSE} samples.", unit="s", lo=0.0,
       lo_open=True, hi=1e-3, sweep=True),
    _k("qubit", "gate_2q_s", "float", 100e-9, "Two-qubit gate duration.", unit="s", lo=0.0,
       lo_open=True, hi=1e-3, sweep=True),
    _k("qubit", "anharmonicity_hz", "float", -200e6, "Anharmonicity (f12 - f01); transmons "
       "are negative.", unit="Hz", lo=-MAX_FREQUENCY_OFFSET_HZ, hi=MAX_FREQUENCY_OFFSET_HZ,
       nonzero=True, sweep=True),
    _k("qubit", "drag", "bool", False, "DRAG correction on the quadrature channel (needs "
       "qubit.levels 3 and a shaped stack.envelope to do anything).", sweep=True),
    _k("qubit", "drag_bits", "int", 8, "Resolution of the quadrature DAC that plays the DRAG "
       "correction.", unit="bit", lo=MIN_BITS, hi=MAX_BITS, sweep=True),
    _k("qubit", "cnot_error", "float", 0.0, "Probability of the two-qubit depolarizing "
       "channel after every CNOT.", lo=0.0, hi=1.0, sweep=True),
    _k("qubit", "idle_decoherence", "bool", True, "Whether a waiting wire decoheres (T1/T2 "
       "over its idle time); false leaves only the gates' own decoherence.", sweep=True),
    # --- measurement
    _k("measurement", "readout_e0", "float", 0.0, "Readout assignment error P(read 1 | 0), "
       "the same on every wire; readout_e0 + readout_e1 < 1.", lo=0.0, hi=1.0, hi_open=True,
       sweep=True),
    _k("measurement", "readout_e1", "float", 0.0, "Readout assignment error P(read 0 | 1).",
       lo=0.0, hi=1.0, hi_open=True, sweep=True),
    _k("measurement", "shots", "int", 0, "Measured bitstrings per input; 0 gives exact "
       "expectation values.", lo=0, hi=MAX_SHOTS, sweep=True),
    # --- workload
    _k("workload", "dataset", "choice", "iris", "Classification data set.", choices=DATASETS,
       sweep=True),
    _k("workload", "arch", "choice", "compact", "QNN architecture preset.",
       choices=QNN_ARCHITECTURES, sweep=True),
    _k("workload", "classes", "int_list", None, "Original labels to keep, e.g. [0, 1, 3, 6] "
       "(image sets; null keeps the default pair).", lo=0, hi=9, nullable=True),
    _k("workload", "quantizer", "choice", "stochastic", "How trained angles are rounded to "
       "dac.bits during training (none trains in float).", choices=QUANTIZERS, sweep=True,
       ptq_ignores=True),
    _k("workload", "temperature", "float", DEFAULT_TEMPERATURE, "Initial temperature of the "
       "stochastic quantizer (1 = unbiased stochastic rounding, 0 = nearest).", lo=0.0,
       hi=100.0, sweep=True, ptq_ignores=True),
    _k("workload", "temperature_final", "float", None, "Temperature at the last epoch; null "
       "picks the schedule's default.", lo=0.0, hi=100.0, sweep=True, nullable=True,
       ptq_ignores=True),
    _k("workload", "schedule", "choice", DEFAULT_SCHEDULE, "Temperature schedule "
       "over epochs.", choices=SCHEDULES, sweep=True, ptq_ignores=True),
    _k("workload", "kernel", "choice", DEFAULT_KERNEL, "Rounding kernel of the stochastic "
       "quantizer: tilt (two-level Q_T) or boltzmann (multi-level).", choices=KERNELS,
       sweep=True, ptq_ignores=True),
    _k("workload", "epochs", "int", DEFAULT_EPOCHS, "Training epochs.", lo=1, hi=MAX_EPOCHS,
       sweep=True),
    _k("workload", "lr", "float", DEFAULT_LR, "Learning rate (rad per step for Adam).",
       lo=0.0, lo_open=True, hi=100.0, sweep=True),
    _k("workload", "batch_size", "int", DEFAULT_BATCH_SIZE, "Mini-batch size.", lo=1,
       hi=1_000_000, sweep=True),
    _k("workload", "optimizer", "choice", DEFAULT_OPTIMIZER, "Optimizer that turns the "
       "gradient into the proposed step.", choices=OPTIMIZERS, sweep=True),
    _k("workload", "select", "choice", DEFAULT_SELECT, "Which epoch's angles training "
       "returns: best_loss (lowest cross-entropy on the training and validation sets "
       "pooled), best_val (best validation accuracy, ties to the lower validation loss) or "
       "last; the same rule for every quantizer and the float model.", choices=SELECTIONS,
       sweep=True),
    _k("workload", "noisy_training", "bool", False, "Train on the point's noisy hardware "
       "(qubit and measurement keys, DAC noise) instead of the ideal circuit.", sweep=True),
    _k("workload", "seeds", "int", 0, "The training seed: data split, initialisation and "
       "stochastic rounding; sweep it to measure the spread over seeds.", lo=0, hi=2**32 - 1,
       sweep=True, seed="training"),
    _k("workload", "eval_bits", "int_list", [2, 4, 6, 8, 10, 12], "Bit widths at which the "
       "ptq stage evaluates the float-trained model (one point evaluates them all).",
       unit="bit", lo=MIN_BITS, hi=MAX_BITS, ptq_ignores=True),
    # --- study
    _k("study", "stages", "choice_list", ["dac", "cost"], "Stages each point runs, from the "
       "stages this build provides (see cosim validate).", choices=KNOWN_STAGES),
    _k("study", "accuracy_target", "float", 0.99, "Accuracy a design must reach: a fraction "
       "of float accuracy (target: relative) or a test accuracy (target: absolute).",
       lo=0.0, lo_open=True, hi=1.0),
    _k("study", "target", "choice", "relative", "How accuracy_target is read.",
       choices=("relative", "absolute")),
    _k("study", "yield_target", "float", None, "Fraction of chips (dac.seeds draws, with "
       "each workload seed) that must reach the accuracy target for a design to count; null "
       "judges designs by their mean accuracy. Needs at least 2 values of dac.seeds.",
       lo=0.0, lo_open=True, hi=1.0, hi_open=True, nullable=True),
    _k("study", "max_points", "int", 10_000, "Largest number of points the sweep may have.",
       lo=1, hi=POINT_CEILING),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in SCHEMA if k.section))
BY_PATH: dict[str, Key] = {k.path: k for k in SCHEMA}


def section_keys(section: str | None) -> tuple[Key, ...]:
    """The keys of one section (``None``: the top-level keys), in schema order."""
    return tuple(k for k in SCHEMA if k.section == section)


# Keys that only tell apart repeated draws of the same design: results that
# differ only in these are grouped to give a mean and spread.
SEED_PATHS: tuple[str, ...] = tuple(k.path for k in SCHEMA if k.seed)
#: Keys that post-training quantization of the float model does not read.
PTQ_IGNORED_PATHS: tuple[str, ...] = tuple(k.path for k in SCHEMA if k.ptq_ignores)
