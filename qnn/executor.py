"""The one door through which every forward pass, gradient and accuracy goes.

An :class:`Executor` runs the layered circuit of an architecture on some
hardware and answers three questions: the values ``<Z_q>`` for a batch of
inputs and angles, the same values with the exact gradient of a scalar
function of them, and the loss and accuracy of a model on labelled data.
Training (:mod:`qnn.training`), post-training quantization (:mod:`qnn.ptq`),
the estimator and the study stages all ask an executor, so a hardware effect
added here reaches every one of them.

Today the executor runs the exact pure-state simulator of
:mod:`qnn.circuits`, with the data angles optionally played by an encoding
DAC (``encode``) and the trained angles optionally realized by a gate set
(``gates``: each angle goes to its nearest code, and the code to the gate the
hardware produces for it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import Encoder, expectation_z, expectation_z_gates, value_and_grad
from qnn.gateset import GateSet
from qnn.model import Readout
from qnn.vocabulary import nearest_codes

T = TypeVar("T")


@dataclass(frozen=True)
class Executor:
    """Runs one architecture's circuit on one description of the hardware.

    Parameters
    ----------
    arch : str or Architecture
        A preset name or an architecture.
    encode : callable, optional
        Encoding hook ``x (B, n) -> unitaries (B, n, 2, 2)``
        (:class:`qnn.ptq.EncodingDAC`); default ideal ``RY(x)``.
    gates : GateSet, optional
        Realized single-qubit gates per angle-DAC code. With it, the trained
        angles are rounded to their nearest codes
        (:func:`qnn.vocabulary.nearest_codes`) and each rotation is the gate
        of its code. Forward passes only: gradients need continuous angles.
    """

    arch: Architecture
    encode: Encoder | None = None
    gates: GateSet | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "arch", get_architecture(self.arch))
        if self.gates is not None and not isinstance(self.gates, GateSet):
            raise ValueError(f"gates: must be a GateSet, got {type(self.gates).__name__}")

    def with_gates(self, gates: GateSet | None) -> Executor:
        """The same executor with the trained rotations realized by ``gates``."""
        return Executor(self.arch, self.encode, gates)

    def values(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``<Z_q>`` for every input, shape ``(B, n_qubits)``; ``theta`` in rad."""
        if self.gates is not None:
            codes = nearest_codes(theta, self.gates.bits)
            return expectation_z_gates(self.arch, x, codes, self.gates, encode=self.encode)
        return expectation_z(self.arch, x, theta, encode=self.encode)

    def value_and_grad(
        self,
        x: np.ndarray,
        theta: np.ndarray,
        fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    ) -> tuple[T, np.ndarray]:
        """``fn(<Z>)`` and its exact gradient w.r.t. ``theta``.

        See :func:`qnn.circuits.value_and_grad`.
        """
        if self.gates is not None:
            raise ValueError("gates: gradients need continuous angles; train without a gate set")
        return value_and_grad(self.arch, x, theta, fn, encode=self.encode)

    def evaluate(
        self, x: np.ndarray, y: np.ndarray, theta: np.ndarray, readout: Readout
    ) -> tuple[float, float]:
        """Mean cross-entropy (nats) and accuracy of the angles ``theta`` on ``(x, y)``."""
        z = self.values(x, theta)
        loss, _ = readout.loss_and_cotangent(z, y)
        accuracy = float(np.mean(np.argmax(readout.proba(z), axis=1) == y))
        return float(loss), accuracy
