"""Deployment of a trained QNN on finite-resolution DACs: post-training quantization.

A trained model is a vector of angles ``theta`` (rad). Deploying it on a
``b``-bit angle DAC means rounding every angle to its nearest code
(:func:`qnn.quantizers.parameter_codes`: ``LSB = 2*pi / 2**b``, ties up, codes
wrap) and letting the circuit see what that code realizes. Three models of
"what the code realizes" are supported, from ideal to physical:

==========  ===========================================================================
``grid``    the nominal angle ``k * LSB`` (ideal DAC)
``inl``     the DAC's realized level of code ``k``: a mismatched DAC
            (``inl_sigma > 0``, chip drawn from ``seed``) adds its INL/DNL
``gates``   the unitary a :class:`~qnn.gateset.GateSet` holds for code ``k``
            (e.g. pulse-level compiled gates, built by the caller)
==========  ===========================================================================

:func:`post_training_quantization` evaluates one model at several widths and
returns a frozen :class:`PTQResult`. ``qnn`` never imports ``cosim``: for the
``gates`` path the caller passes a gate set, or a factory ``bits -> GateSet``
(``cosim train`` passes one that runs :func:`cosim.pulse.compile_gateset`).

The data-encoding angles may go through an angle DAC of their own:
:class:`EncodingDAC` is the ``encode`` hook of :mod:`qnn.circuits` that does
it, and :func:`encoding_hook` builds it from a resolution (``inf`` = ideal).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import Encoder, expectation_z, expectation_z_gates
from qnn.gateset import GateSet, rotation
from qnn.model import Readout
from qnn.quantizers import AngleGrid, check_bits, parameter_codes

PATHS = ("grid", "inl", "gates")

GateSetFactory = Callable[[int], GateSet]


@dataclass(frozen=True)
class EncodingDAC:
    """``encode`` hook: data angles rounded to their own angle DAC, then ideal ``RY``.

    Equal to ``RY(encode_angles(x, bits, inl_sigma=inl_sigma, seed=seed))``
    (:func:`qnn.quantizers.encode_angles`): nearest code of a ``[0, 2*pi)``
    grid of ``2**bits`` codes, wrapped, through the DAC transfer. The DAC is
    built once, so every call sees the same chip. Picklable.

    Parameters
    ----------
    bits : int
        Encoding-DAC resolution, 1..16.
    inl_sigma : float, default=0.0
        Unit-element mismatch of the encoding DAC (0 = ideal grid).
    seed : int, default=0
        Seed of its mismatch draw (the chip).
    """

    bits: int
    inl_sigma: float = 0.0
    seed: int = 0
    grid: AngleGrid = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bits = check_bits(self.bits, name="encode_bits")
        object.__setattr__(self, "bits", bits)
        object.__setattr__(
            self, "grid", AngleGrid(int(bits), inl_sigma=self.inl_sigma, seed=self.seed)
        )

    def angles(self, x: np.ndarray) -> np.ndarray:
        """Realized encoding angles of ``x`` (rad), same shape."""
        return self.grid.quantize(x, "nearest")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Per-sample encoding unitaries, shape ``x.shape + (2, 2)``."""
        return rotation("y", self.angles(x))


def encoding_hook(
    encode_bits: int | float, *, inl_sigma: float = 0.0, seed: int = 0
) -> EncodingDAC | None:
    """The ``encode`` hook of an encoding DAC, or ``None`` (ideal) when ``encode_bits`` is inf.

    Parameters
    ----------
    encode_bits : int or inf
        Encoding-DAC resolution, 1..16, or ``inf`` for ideal encoding.
    inl_sigma : float, default=0.0
        Mismatch of the encoding DAC; ignored when ``encode_bits`` is inf.
    seed : int, default=0
        Seed of its mismatch draw.
    """
    b = check_bits(encode_bits, allow_inf=True, name="encode_bits")
    return None if math.isinf(b) else EncodingDAC(int(b), inl_sigma=inl_sigma, seed=seed)


@dataclass(frozen=True)
class PTQResult:
    """Test figures of one trained model deployed at several DAC widths.

    Attributes
    ----------
    path : {"grid", "inl", "gates"}
        What a code realizes (see the module docstring).
    bits : tuple of int
        Widths evaluated, in the order asked.
    accuracy : tuple of float
        Accuracy at each width.
    loss : tuple of float
        Mean cross-entropy at each width, nats.
    float_accuracy, float_loss : float
        The unquantized model on the same data (same encoding).
    inl_sigma : float
        DAC mismatch of the ``inl`` path (0 otherwise).
    """

    path: str
    bits: tuple[int, ...]
    accuracy: tuple[float, ...]
    loss: tuple[float, ...]
    float_accuracy: float
    float_loss: float
    inl_sigma: float = 0.0

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


def deployed_expectation_z(
    arch: str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    bits: int,
    *,
    inl_sigma: float = 0.0,
    seed: int | np.random.Generator = 0,
    gates: GateSet | GateSetFactory | None = None,
    encode: Encoder | None = None,
) -> np.ndarray:
    """``<Z_q>`` of the model ``theta`` deployed on a ``bits``-bit angle DAC.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (B, n_qubits)
        Encoding angles, rad.
    theta : ndarray of shape (n_params,)
        Trained angles, rad.
    bits : int
        DAC resolution, 1..16.
    inl_sigma : float, default=0.0
        Mismatch of the parameter DAC (``inl`` path when > 0).
    seed : int or Generator, default=0
        Seed of the mismatch draw (the chip).
    gates : GateSet or callable, optional
        ``gates`` path: a gate set of ``bits`` bits, or ``bits -> GateSet``.
        It carries its own DAC, so ``inl_sigma`` must then be 0.
    encode : callable, optional
        Encoding hook (e.g. :class:`EncodingDAC`); default ideal ``RY(x)``.

    Returns
    -------
    ndarray of shape (B, n_qubits)
    """
    b = int(check_bits(bits))
    # One code choice for every path, so the paths differ only in what a code realizes.
    # (Angles already on a finer grid sit exactly on rounding ties, where a different but
    # equivalent formula can round the other way by one ulp.)
    codes = parameter_codes(theta, b)
    if gates is not None:
        if inl_sigma != 0:
            raise ValueError(
                f"inl_sigma: must be 0 with a gate set (it carries its DAC), got {inl_sigma!r}"
            )
        return expectation_z_gates(arch, x, codes, _resolve_gateset(gates, b), encode=encode)
    realized = AngleGrid(b, inl_sigma=inl_sigma, seed=seed).to_angle(codes)
    return expectation_z(arch, x, realized, encode=encode)


def post_training_quantization(
    arch: str | Architecture,
    x: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    bits: Sequence[int] | int,
    *,
    readout: Readout | None = None,
    inl_sigma: float = 0.0,
    seed: int | np.random.Generator = 0,
    gates: GateSet | GateSetFactory | None = None,
    encode: Encoder | None = None,
) -> PTQResult:
    """Accuracy and loss of a trained model with its angles quantized to each width.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (N, n_qubits)
        Encoding angles of the evaluation set (usually the test split), rad.
    y : ndarray of int, shape (N,)
        Labels.
    theta : ndarray of shape (n_params,)
        Trained (usually float-trained) angles, rad.
    bits : int or sequence of int
        Widths to deploy on, each 1..16.
    readout : Readout, optional
        Default ``Readout(max(y) + 1)`` (at least 2 classes).
    inl_sigma : float, default=0.0
        Mismatch of the parameter DAC: > 0 selects the ``inl`` path. With an
        int ``seed`` every width is its own chip drawn from that seed.
    seed : int or Generator, default=0
        Seed of the mismatch draw.
    gates : GateSet or callable, optional
        Selects the ``gates`` path: a single gate set (then every width must
        equal its ``bits``) or a factory called once per width.
    encode : callable, optional
        Encoding hook, used for every evaluation including the float one.

    Returns
    -------
    PTQResult
    """
    arch = get_architecture(arch)
    widths = _check_bits_list(bits)
    y = np.asarray(y)
    readout = readout if readout is not None else Readout(max(2, int(np.max(y)) + 1))

    def score(z: np.ndarray) -> tuple[float, float]:
        loss, _ = readout.loss_and_cotangent(z, y)
        return float(np.mean(np.argmax(readout.proba(z), axis=1) == y)), loss

    float_acc, float_loss = score(expectation_z(arch, x, theta, encode=encode))
    figures = [
        score(deployed_expectation_z(arch, x, theta, b, inl_sigma=inl_sigma, seed=seed,
                                     gates=gates, encode=encode))
        for b in widths
    ]
    path = "gates" if gates is not None else ("inl" if inl_sigma > 0 else "grid")
    return PTQResult(
        path=path,
        bits=widths,
        accuracy=tuple(a for a, _ in figures),
        loss=tuple(v for _, v in figures),
        float_accuracy=float_acc,
        float_loss=float_loss,
        inl_sigma=float(inl_sigma) if path == "inl" else 0.0,
    )
