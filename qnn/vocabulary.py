"""The one vocabulary of choices, ranges and defaults of a QNN on a finite DAC.

Every list a user chooses from (quantizers, schedules, datasets, QNN
architectures, DAC architectures, optimizers, selection rules), the bit range,
the training defaults, the LSB formula and the angle-to-code rounding are
defined here once. The scenario schema, the ``cosim`` flags, the estimator and
the docs all read them from here (a test fails if any of them is written out a
second time).

This module imports numpy and the DAC's definitions only, so a command line
that merely builds its parser stays fast.
"""

from __future__ import annotations

import math

import numpy as np

# The DAC's own range and architectures belong to the DAC model, the bottom of
# the import graph; they are re-exported here so that every caller reads one list.
from hardware_models.dac import ARCHITECTURES as DAC_ARCHITECTURES  # noqa: F401
from hardware_models.dac import MAX_BITS as MAX_BITS
from hardware_models.dac import MIN_BITS as MIN_BITS
from qnn.architectures import PRESETS

# -- the angle DAC -------------------------------------------------------------------------

#: Unit-element mismatch of a DAC when nothing says otherwise: an ideal DAC.
DEFAULT_MISMATCH_SIGMA = 0.0
#: MSBs decoded to thermometer code in a segmented DAC (clipped to its bits).
DEFAULT_UNARY_MSBS = 4

# -- pulses --------------------------------------------------------------------------------

#: Envelopes of a single-qubit pulse; shaped ones have every sample quantized.
ENVELOPES = ("square", "cosine", "gaussian")
#: Most samples one pulse may have. A pulse is propagated sample by sample (and
#: QuTiP's integrator gives up near 10^6 steps), so the scenario schema, the
#: ``cosim gate`` / ``cosim schedule`` flags and ``PulseSpec`` all refuse more.
MAX_SAMPLES_PER_PULSE = 100_000
#: Largest |detuning| and |anharmonicity| of a driven qubit, Hz: two orders of
#: magnitude beyond any transmon (a few hundred MHz), room enough for the
#: two-level limit of a three-level model, small enough that the solvers stay finite.
MAX_FREQUENCY_OFFSET_HZ = 100e9
#: Reconstruction filters at the DAC output (cosim.pulse.filters).
FILTERS = ("none", "rc", "chebyshev", "bessel")

# -- quantized training --------------------------------------------------------------------

#: How trained angles are held on the DAC grid during training.
QUANTIZERS = ("none", "deterministic", "stochastic", "ste")
#: Temperature schedules of stochastic rounding over epochs.
SCHEDULES = ("constant", "linear", "exp", "cosine")
#: Rounding kernels of the stochastic store.
KERNELS = ("tilt", "boltzmann")
DEFAULT_QUANTIZER = "none"
DEFAULT_TEMPERATURE = 1.0
DEFAULT_SCHEDULE = "constant"
DEFAULT_KERNEL = "tilt"

# -- the task and the training recipe ------------------------------------------------------

DATASETS = ("iris", "breast_cancer", "mnist", "fashion_mnist")
#: Names of the QNN architecture presets (:data:`qnn.architectures.PRESETS`).
QNN_ARCHITECTURES = tuple(PRESETS)
OPTIMIZERS = ("adam", "sgd")
#: Which epoch's angles training returns: "best_loss" (lowest cross-entropy on the
#: training and validation sets pooled), "best_val" (best validation accuracy,
#: ties to the lower validation loss; the last epoch without validation data),
#: or "last".
SELECTIONS = ("best_loss", "best_val", "last")

# One set of defaults for every dataset, both presets and every quantizer
# (measured in docs/quantization.md, "Chosen defaults"). The learning rate is
# set by the DAC: Adam's first step is exactly lr per angle, and lr = 0.02 rad
# stays 2.5x below half an LSB at 6 bits (pi / 64 = 0.049 rad).
DEFAULT_EPOCHS = 200
DEFAULT_LR = 0.02
DEFAULT_BATCH_SIZE = 16
DEFAULT_OPTIMIZER = "adam"
DEFAULT_SELECT = "best_loss"
#: Largest number of epochs any entry point accepts.
MAX_EPOCHS = 100_000


def check_bits(bits: object, *, allow_inf: bool = False, name: str = "bits") -> int | float:
    """Validate a DAC resolution; return it as ``int`` (or ``inf`` if allowed).

    Raises ``ValueError("<name>: must be an integer 1..16[ or inf], got X")``.
    """
    if allow_inf and isinstance(bits, float) and math.isinf(bits) and bits > 0:
        return math.inf
    ok = isinstance(bits, (int, np.integer)) and not isinstance(bits, bool)
    if not ok or not MIN_BITS <= int(bits) <= MAX_BITS:  # type: ignore[call-overload]
        extra = " or inf" if allow_inf else ""
        raise ValueError(
            f"{name}: must be an integer {MIN_BITS}..{MAX_BITS}{extra}, got {bits!r}"
        )
    return int(bits)  # type: ignore[call-overload]


def check_choice(value: object, choices: tuple[str, ...], name: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` naming ``name``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(choices)}, got {value!r}")
    return value


def lsb_rad(bits: int | float) -> float:
    """Angle step of a ``bits``-bit angle DAC over a full turn, ``2*pi / 2**bits`` rad.

    ``bits = inf`` (no DAC) gives ``0``.
    """
    if math.isinf(bits):
        return 0.0
    return 2.0 * math.pi / (1 << int(bits))


def nearest_codes(theta: np.ndarray | float, bits: int) -> np.ndarray:
    """Nearest angle-DAC codes of angles ``theta`` (rad): ``floor(theta/LSB + 1/2) mod 2**bits``.

    The one angle-to-code rounding of the project: ties round up, codes wrap
    (a rotation by ``theta + 2*pi`` differs from one by ``theta`` only by a
    global phase).

    Returns
    -------
    ndarray of int64, same shape as ``theta``
    """
    u = np.asarray(theta, dtype=float) / lsb_rad(bits)
    return np.mod(np.floor(u + 0.5).astype(np.int64), 1 << int(bits))
