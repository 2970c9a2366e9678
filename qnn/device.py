"""The device a QNN runs on, described once: angle DAC, encoding DAC, stack, qubit, readout.

A :class:`Device` is a frozen, validated description. A scenario
(:func:`cosim.studies.device.device_from_config`), the ``cosim train`` flags and
the :class:`~qnn.classifier.QNNClassifier` parameters are three spellings of it;
each is checked once at that boundary, and everything downstream (the training
path, the stores, post-training quantization, the executor) trusts it.

The angle DAC (:class:`DACConfig`) carries every field of
:class:`hardware_models.dac.DACSpec` in angle units (its full scale is one
turn, ``2*pi`` rad) plus the chip seed: the seed of its unit-element mismatch
draw, so the same chip seed is the same chip. The encoding DAC sits on the
same chip: same chip seed, its own random stream.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from hardware_models.validation import check_finite, check_int, check_positive
from qnn.vocabulary import (
    DAC_ARCHITECTURES,
    DEFAULT_MISMATCH_SIGMA,
    DEFAULT_UNARY_MSBS,
    ENVELOPES,
    FILTERS,
    MAX_BITS,
    check_bits,
    check_choice,
)

if TYPE_CHECKING:
    from hardware_models.dac import DACSpec
    from qnn.noise import NoiseModel
    from qnn.quantizers import AngleGrid

TWO_PI = 2.0 * math.pi
#: Largest chip or training seed (numpy seeds are 32-bit here, as in scenarios).
MAX_SEED = 2**32 - 1
#: Most samples per input any entry accepts.
MAX_SHOTS = 1_000_000


def _nonneg(name: str, value: float) -> float:
    return check_positive(name, value, allow_zero=True)


@dataclass(frozen=True)
class DACConfig:
    """An angle DAC: ``2**bits`` codes over one full turn, with its imperfections.

    Parameters
    ----------
    bits : int or inf, default=inf
        Resolution 1..16; ``inf`` means no DAC (float angles).
    architecture : {"binary", "unary", "segmented"}, default="binary"
        How the unit elements are wired.
    unary_msbs : int, default=4
        MSBs decoded to thermometer code by a segmented DAC, clipped to
        ``bits``; unused by the other architectures.
    mismatch_sigma : float, default=0.0
        Relative standard deviation of one unit element (INL/DNL).
    gain_error : float, default=0.0
        Relative gain error of the transfer (> -1).
    offset_rad : float, default=0.0
        Static output offset, rad.
    noise_rms_rad : float, default=0.0
        RMS of the white output noise added each time a code is played, rad.
    chip_seed : int, default=0
        Seed of the mismatch draw: the same seed is the same chip.
    stream : int, default=0
        Which DAC of the chip this is (0 the angle DAC, 1 the encoding DAC):
        stream 0 draws from ``chip_seed`` itself, others from
        ``SeedSequence([chip_seed, stream])``.
    """

    bits: int | float = math.inf
    architecture: str = "binary"
    unary_msbs: int = DEFAULT_UNARY_MSBS
    mismatch_sigma: float = DEFAULT_MISMATCH_SIGMA
    gain_error: float = 0.0
    offset_rad: float = 0.0
    noise_rms_rad: float = 0.0
    chip_seed: int = 0
    stream: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", check_bits(self.bits, allow_inf=True))
        check_choice(self.architecture, DAC_ARCHITECTURES, "architecture")
        check_int("unary_msbs", self.unary_msbs, 0, MAX_BITS)
        if self.architecture == "segmented" and self.unary_msbs == 0:
            raise ValueError("unary_msbs: must be an integer 1..16 for a segmented DAC, got 0")
        sigma = _nonneg("mismatch_sigma", self.mismatch_sigma)
        if sigma > 1:
            raise ValueError(f"mismatch_sigma: must be a number 0..1, got {sigma!r}")
        if check_finite("gain_error", self.gain_error) <= -1:
            raise ValueError(f"gain_error: must be a finite number > -1, got {self.gain_error!r}")
        check_finite("offset_rad", self.offset_rad)
        _nonneg("noise_rms_rad", self.noise_rms_rad)
        check_int("chip_seed", self.chip_seed, 0, MAX_SEED)
        check_int("stream", self.stream, 0)

    @property
    def is_float(self) -> bool:
        """No DAC at all: angles are played as given."""
        return math.isinf(self.bits)

    @property
    def has_static_errors(self) -> bool:
        """Mismatch, gain error or offset: the codes' levels differ from their nominal angles."""
        return self.mismatch_sigma != 0 or self.gain_error != 0 or self.offset_rad != 0

    def at_bits(self, bits: int | float) -> DACConfig:
        """The same design and chip at another resolution."""
        return replace(self, bits=bits)

    def effective_unary_msbs(self) -> int:
        """Unary MSBs the DAC is built with: ``min(unary_msbs, bits)`` if segmented, else 0."""
        if self.architecture != "segmented":
            return 0
        return min(self.unary_msbs, int(self.bits))

    def spec(self) -> DACSpec:
        """The :class:`~hardware_models.dac.DACSpec` of this DAC, full scale ``2*pi`` rad."""
        from hardware_models.dac import DACSpec

        if self.is_float:
            raise ValueError("bits: a DAC spec needs an integer resolution 1..16, got inf")
        return DACSpec(bits=int(self.bits), full_scale=TWO_PI, architecture=self.architecture,
                       unary_msbs=self.effective_unary_msbs(),
                       mismatch_sigma=self.mismatch_sigma, gain_error=self.gain_error,
                       offset=self.offset_rad, noise_rms=self.noise_rms_rad)

    def rng(self) -> np.random.Generator:
        """The generator of this DAC's mismatch draw (see ``stream``)."""
        if self.stream == 0:
            return np.random.default_rng(self.chip_seed)
        return np.random.default_rng(np.random.SeedSequence([self.chip_seed, self.stream]))

    def grid(self) -> AngleGrid:
        """The chip's angle grid, built once per process and DAC description."""
        return _grid(self)


@functools.lru_cache(maxsize=128)
def _grid(dac: DACConfig) -> AngleGrid:
    from qnn.quantizers import AngleGrid

    return AngleGrid(dac)


@dataclass(frozen=True)
class ControlStack:
    """The control stack that plays the pulses.

    Parameters
    ----------
    qubits_per_channel : int, default=1
        Qubits sharing one DAC channel by time-division multiplexing.
    sample_rate_hz : float, default=1e9
        DAC sample rate, Hz.
    fifo_depth : int, default=16
        Depth of each channel's instruction FIFO, words.
    refill_rate_hz : float, default=1e9
        Words per second the sequencer writes into one FIFO, Hz.
    issue_latency_s : float, default=4e-9
        Sequencer latency from channel grant to the first word, s.
    envelope : {"square", "cosine", "gaussian"}, default="square"
        Envelope of every single-qubit pulse.
    filter : {"none", "rc", "chebyshev", "bessel"}, default="none"
        Reconstruction filter at the DAC output.
    filter_cutoff_hz : float or None, default=None
        Its cutoff, Hz; required unless ``filter`` is none.
    """

    qubits_per_channel: int = 1
    sample_rate_hz: float = 1e9
    fifo_depth: int = 16
    refill_rate_hz: float = 1e9
    issue_latency_s: float = 4e-9
    envelope: str = "square"
    filter: str = "none"
    filter_cutoff_hz: float | None = None

    def __post_init__(self) -> None:
        check_int("qubits_per_channel", self.qubits_per_channel, 1, 4096)
        check_positive("sample_rate_hz", self.sample_rate_hz)
        check_int("fifo_depth", self.fifo_depth, 1, 1_000_000)
        check_positive("refill_rate_hz", self.refill_rate_hz)
        _nonneg("issue_latency_s", self.issue_latency_s)
        check_choice(self.envelope, ENVELOPES, "envelope")
        check_choice(self.filter, FILTERS, "filter")
        if self.filter != "none" and self.filter_cutoff_hz is None:
            raise ValueError(f"filter_cutoff_hz: must be a number > 0 with filter "
                             f"{self.filter}, got None")
        if self.filter_cutoff_hz is not None:
            check_positive("filter_cutoff_hz", self.filter_cutoff_hz)


@dataclass(frozen=True)
class Qubit:
    """The qubits the stack drives (transmon-like).

    Parameters
    ----------
    levels : {2, 3}, default=2
        Levels simulated at pulse level (3 adds leakage).
    t1_s, t2_s : float or None, default=None
        Relaxation and coherence times, s; None for none. ``t2_s <= 2 * t1_s``.
    gate_1q_s, gate_2q_s : float, default=20e-9, 100e-9
        Single- and two-qubit gate durations, s.
    anharmonicity_hz : float, default=-200e6
        ``f12 - f01``, Hz (nonzero).
    cnot_error : float, default=0.0
        Probability of the two-qubit depolarizing channel after every CNOT.
    idle_decoherence : bool, default=True
        Whether waiting wires relax (with T1/T2 set).
    drag : bool, default=False
        DRAG correction on the quadrature channel (three levels only).
    drag_bits : int, default=8
        Resolution of the quadrature DAC that plays it.
    """

    levels: int = 2
    t1_s: float | None = None
    t2_s: float | None = None
    gate_1q_s: float = 20e-9
    gate_2q_s: float = 100e-9
    anharmonicity_hz: float = -200e6
    cnot_error: float = 0.0
    idle_decoherence: bool = True
    drag: bool = False
    drag_bits: int = 8

    def __post_init__(self) -> None:
        from qnn.noise import NoiseModel

        check_int("levels", self.levels, 2, 3)
        check_positive("gate_1q_s", self.gate_1q_s)
        check_positive("gate_2q_s", self.gate_2q_s)
        # The times, T2 <= 2 T1 and the idle flag are the noise model's to check.
        NoiseModel(t1_s=self.t1_s, t2_s=self.t2_s, gate_1q_s=self.gate_1q_s,
                   gate_2q_s=self.gate_2q_s, idle=self.idle_decoherence)
        if check_finite("anharmonicity_hz", self.anharmonicity_hz) == 0:
            raise ValueError("anharmonicity_hz: must be a finite number, not 0, got 0")
        if not 0 <= check_finite("cnot_error", self.cnot_error) <= 1:
            raise ValueError(f"cnot_error: must be a probability in [0, 1], "
                             f"got {self.cnot_error!r}")
        check_bits(self.drag_bits, name="drag_bits")
        if not isinstance(self.drag, (bool, np.bool_)):
            raise ValueError(f"drag: must be true or false, got {self.drag!r}")
        if self.drag and self.levels == 2:
            raise ValueError("drag: needs levels 3 (a two-level qubit cannot leak), got levels 2")


@dataclass(frozen=True)
class Measurement:
    """Readout of ``<Z_q>``.

    Parameters
    ----------
    readout_error : tuple of float, default=(0.0, 0.0)
        ``(e0, e1)``: P(read 1 | 0) and P(read 0 | 1), each in [0, 1), ``e0 + e1 < 1``.
    shots : int, default=0
        Samples per input; 0 means exact expectation values.
    """

    readout_error: tuple[float, float] = (0.0, 0.0)
    shots: int = 0

    def __post_init__(self) -> None:
        from qnn.noise import NoiseModel

        # The pair is the noise model's to check (probabilities, e0 + e1 < 1).
        noise = NoiseModel(readout_error=self.readout_error)
        object.__setattr__(self, "readout_error", noise.readout_error)
        check_int("shots", self.shots, 0, MAX_SHOTS)


@dataclass(frozen=True)
class Device:
    """Everything a QNN's accuracy can depend on in the hardware.

    Parameters
    ----------
    angle_dac : DACConfig
        The DAC that plays the trainable rotation angles.
    encoding_dac : DACConfig
        The DAC that plays the data-encoding angles (``bits=inf``: ideal).
    stack : ControlStack
    qubit : Qubit
    measurement : Measurement
    """

    angle_dac: DACConfig = field(default_factory=DACConfig)
    encoding_dac: DACConfig = field(default_factory=lambda: DACConfig(stream=1))
    stack: ControlStack = field(default_factory=ControlStack)
    qubit: Qubit = field(default_factory=Qubit)
    measurement: Measurement = field(default_factory=Measurement)

    def __post_init__(self) -> None:
        # What the pulse-level compilation can take (cosim.pulse.processes).
        noisy = any(not d.is_float and d.noise_rms_rad > 0
                    for d in (self.angle_dac, self.encoding_dac))
        if noisy and self.qubit.levels == 3:
            raise ValueError("noise_rms_rad: must be 0 with a three-level qubit: its solver "
                             "cannot average DAC noise")
        if noisy and self.stack.filter != "none":
            raise ValueError("noise_rms_rad: must be 0 with a filter: noise through the filter "
                             "is correlated and not averaged")

    @property
    def samples_per_pulse(self) -> int:
        """DAC samples in one single-qubit pulse, ``round(gate_1q_s * sample_rate_hz)``, >= 1."""
        return max(1, round(self.qubit.gate_1q_s * self.stack.sample_rate_hz))

    def pulse_angle_noise_rad(self, dac: DACConfig) -> float:
        """RMS angle error of one square pulse played by ``dac``, rad.

        The rotation angle is the mean of the pulse's samples, each with white
        output noise of RMS ``dac.noise_rms_rad``, so ``noise_rms / sqrt(n)``
        for ``n`` samples. No DAC (``bits=inf``) plays no noise.
        """
        if dac.is_float:
            return 0.0
        return dac.noise_rms_rad / math.sqrt(self.samples_per_pulse)

    def noise_model(self) -> NoiseModel | None:
        """What the executor needs to run this device, or None for an ideal one.

        Decoherence (T1, T2) during pulses and idle waits, the CNOT error, the
        readout assignment errors and the DAC output noise of both DACs.
        """
        from qnn.noise import NoiseModel

        q, m = self.qubit, self.measurement
        noise = NoiseModel(t1_s=q.t1_s, t2_s=q.t2_s, gate_1q_s=q.gate_1q_s,
                           gate_2q_s=q.gate_2q_s, cnot_depolarizing=q.cnot_error,
                           readout_error=m.readout_error, idle=q.idle_decoherence,
                           angle_noise_rms_rad=self.pulse_angle_noise_rad(self.angle_dac),
                           encoding_noise_rms_rad=self.pulse_angle_noise_rad(self.encoding_dac))
        # A model with nothing but the durations and the idle flag adds no noise.
        nothing = NoiseModel(gate_1q_s=q.gate_1q_s, gate_2q_s=q.gate_2q_s,
                             idle=q.idle_decoherence)
        return None if noise == nothing else noise

    @property
    def is_ideal(self) -> bool:
        """No noise at all and exact expectation values: the pure-state circuit."""
        return self.noise_model() is None and self.measurement.shots == 0


def encoding_dac(angle_dac: DACConfig, encode_bits: int | float) -> DACConfig:
    """The encoding DAC on the chip of ``angle_dac``: the same design at ``encode_bits``.

    It shares the chip seed and draws its mismatch from its own stream
    (``stream=1``). ``encode_bits = inf`` is ideal encoding, whatever the chip:
    one canonical description, so that models trained with it are shared
    across chips and designs.
    """
    if math.isinf(encode_bits):
        return DACConfig(stream=1)
    return replace(angle_dac, bits=encode_bits, stream=1)


def as_dac(dac: DACConfig | int | float) -> DACConfig:
    """``dac`` itself, or for a bare resolution (int or inf) the ideal DAC of that many bits."""
    return dac if isinstance(dac, DACConfig) else DACConfig(bits=dac)
