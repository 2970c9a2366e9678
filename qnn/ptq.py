"""Deployment of a trained QNN on finite-resolution DACs: post-training quantization.

A trained model is a vector of angles ``theta`` (rad). Deploying it on a
``b``-bit angle DAC means rounding every angle to its nearest code
(:func:`qnn.vocabulary.nearest_codes`: ``LSB = 2*pi / 2**b``, ties up, codes
wrap) and letting the circuit see what that code realizes. Three models of
"what the code realizes" are supported, from ideal to physical:

==========  ===========================================================================
``grid``    the nominal angle ``k * LSB`` (ideal DAC)
``dac``     the DAC's realized level of code ``k``: a DAC with static errors (mismatch,
            gain error, offset; chip drawn from its chip seed) adds its INL/DNL
``gates``   the unitary a :class:`~qnn.gateset.GateSet` holds for code ``k``
            (e.g. pulse-level compiled gates, built by the caller)
==========  ===========================================================================

:func:`post_training_quantization` evaluates one model at several widths and
returns a frozen :class:`PTQResult`. ``qnn`` never imports ``cosim``: for the
``gates`` path the caller passes a gate set, or a factory ``bits -> GateSet``
(``cosim train`` passes one that runs :func:`cosim.pulse.compile_gateset`).
Every evaluation goes through an :class:`~qnn.executor.Executor`.

The data-encoding angles may go through an angle DAC of their own:
:class:`EncodingDAC` is the ``encode`` hook of :mod:`qnn.circuits` that does
it, and :func:`encoding_hook` builds it from the encoding
:class:`~qnn.device.DACConfig` (``bits=inf``: ideal, no hook).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qnn.architectures import Architecture, get_architecture
from qnn.device import DACConfig
from qnn.executor import Executor
from qnn.gateset import GateSet, rotation
from qnn.model import Readout
from qnn.vocabulary import check_bits, nearest_codes

PATHS = ("grid", "dac", "gates")

GateSetFactory = Callable[[int], GateSet]


@dataclass(frozen=True)
class EncodingDAC:
    """``encode`` hook: data angles rounded to their own angle DAC, then ideal ``RY``.

    Nearest code of a ``[0, 2*pi)`` grid of ``2**bits`` codes, wrapped, through
    the DAC transfer of the chip ``dac`` describes (built once per process).
    Picklable.

    Parameters
    ----------
    dac : DACConfig
        The encoding DAC (finite ``bits``).
    """

    dac: DACConfig

    def __post_init__(self) -> None:
        if self.dac.is_float:
            raise ValueError("encode_bits: must be an integer 1..16 for an encoding DAC, got inf")

    def angles(self, x: np.ndarray) -> np.ndarray:
        """Realized encoding angles of ``x`` (rad), same shape."""
        return self.dac.grid().quantize(x, "nearest")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Per-sample encoding unitaries, shape ``x.shape + (2, 2)``."""
        return rotation("y", self.angles(x))


def encoding_hook(dac: DACConfig) -> EncodingDAC | None:
    """The ``encode`` hook of an encoding DAC, or ``None`` (ideal) when ``dac.bits`` is inf."""
    return None if dac.is_float else EncodingDAC(dac)


@dataclass(frozen=True)
class PTQResult:
    """Test figures of one trained model deployed at several DAC widths.

    Attributes
    ----------
    path : {"grid", "dac", "gates"}
        What a code realizes (see the module docstring).
    bits : tuple of int
        Widths evaluated, in the order asked.
    accuracy : tuple of float
        Accuracy at each width.
    loss : tuple of float
        Mean cross-entropy at each width, nats.
    float_accuracy, float_loss : float
        The unquantized model on the same data (same encoding).
    """

    path: str
    bits: tuple[int, ...]
    accuracy: tuple[float, ...]
    loss: tuple[float, ...]
    float_accuracy: float
    float_loss: float

    def accuracy_by_bits(self) -> dict[str, float]:
        """``{str(bits): accuracy}``, JSON-ready."""
        return {str(b): a for b, a in zip(self.bits, self.accuracy, strict=True)}

    def loss_by_bits(self) -> dict[str, float]:
        """``{str(bits): loss}`` in nats, JSON-ready."""
        return {str(b): v for b, v in zip(self.bits, self.loss, strict=True)}


def _check_bits_list(bits: Sequence[int] | int) -> tuple[int, ...]:
    items = (bits,) if isinstance(bits, (int, np.integer)) else tuple(bits)
    if not items:
        raise ValueError("bits: must list at least one width 1..16, got none")
    return tuple(int(check_bits(b)) for b in items)


def _resolve_gateset(gates: GateSet | GateSetFactory, bits: int) -> GateSet:
    gs = gates if isinstance(gates, GateSet) else gates(bits)
    if not isinstance(gs, GateSet) or gs.bits != bits:
        got = getattr(gs, "bits", type(gs).__name__)
        raise ValueError(f"gates: must give a GateSet of {bits} bits, got {got}")
    return gs


def _executor(executor: Executor | str | Architecture) -> Executor:
    return executor if isinstance(executor, Executor) else Executor(get_architecture(executor))


def deployed_expectation_z(
    executor: Executor | str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    bits: int,
    *,
    dac: DACConfig | None = None,
    gates: GateSet | GateSetFactory | None = None,
) -> np.ndarray:
    """``<Z_q>`` of the model ``theta`` deployed on a ``bits``-bit angle DAC.

    Parameters
    ----------
    executor : Executor, str or Architecture
        Runs the circuit (its architecture and encoding); an architecture
        gets the ideal ``Executor(arch)``.
    x : ndarray of shape (B, n_qubits)
        Encoding angles, rad.
    theta : ndarray of shape (n_params,)
        Trained angles, rad.
    bits : int
        DAC resolution, 1..16.
    dac : DACConfig, optional
        The chip's angle DAC (taken at ``bits``); default an ideal DAC.
    gates : GateSet or callable, optional
        ``gates`` path: a gate set of ``bits`` bits, or ``bits -> GateSet``,
        whose gates replace the DAC's levels (it carries its own DAC, so
        ``dac`` must then be ideal).

    Returns
    -------
    ndarray of shape (B, n_qubits)
    """
    b = int(check_bits(bits))
    dac = DACConfig(bits=b) if dac is None else dac.at_bits(b)
    executor = _executor(executor)
    if gates is not None:
        if dac.has_static_errors:
            raise ValueError("dac: must be ideal with a gate set (it carries its own DAC), "
                             f"got {dac!r}")
        return executor.with_gates(_resolve_gateset(gates, b)).values(x, theta)
    # One code choice for every path, so the paths differ only in what a code realizes.
    # (Angles already on a finer grid sit exactly on rounding ties, where a different but
    # equivalent formula could round the other way by one ulp.)
    grid = dac.grid().for_parameters(executor.arch.virtual_params())
    return executor.values(x, grid.to_angle(nearest_codes(theta, b)))


def post_training_quantization(
    executor: Executor | str | Architecture,
    x: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    bits: Sequence[int] | int,
    *,
    dac: DACConfig | None = None,
    readout: Readout | None = None,
    gates: GateSet | GateSetFactory | None = None,
) -> PTQResult:
    """Accuracy and loss of a trained model with its angles quantized to each width.

    Parameters
    ----------
    executor : Executor, str or Architecture
        Runs the circuit, for every evaluation including the float one.
    x : ndarray of shape (N, n_qubits)
        Encoding angles of the evaluation set (usually the test split), rad.
    y : ndarray of int, shape (N,)
        Labels.
    theta : ndarray of shape (n_params,)
        Trained (usually float-trained) angles, rad.
    bits : int or sequence of int
        Widths to deploy on, each 1..16.
    dac : DACConfig, optional
        The angle DAC; each width is ``dac.at_bits(b)``, the same design and
        chip seed at that resolution. Default an ideal DAC.
    readout : Readout, optional
        Default ``Readout(max(y) + 1)`` (at least 2 classes).
    gates : GateSet or callable, optional
        Selects the ``gates`` path: a single gate set (then every width must
        equal its ``bits``) or a factory called once per width.

    Returns
    -------
    PTQResult
    """
    widths = _check_bits_list(bits)
    executor = _executor(executor)
    dac = DACConfig() if dac is None else dac
    y = np.asarray(y)
    readout = readout if readout is not None else Readout(max(2, int(np.max(y)) + 1))

    def score(z: np.ndarray) -> tuple[float, float]:
        loss, _ = readout.loss_and_cotangent(z, y)
        return float(readout.accuracy(z, y)), loss

    float_acc, float_loss = score(executor.values(x, theta))
    figures = [
        score(deployed_expectation_z(executor, x, theta, b, dac=dac, gates=gates))
        for b in widths
    ]
    path = "gates" if gates is not None else ("dac" if dac.has_static_errors else "grid")
    return PTQResult(
        path=path,
        bits=widths,
        accuracy=tuple(a for a, _ in figures),
        loss=tuple(v for _, v in figures),
        float_accuracy=float_acc,
        float_loss=float_loss,
    )
