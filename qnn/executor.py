"""The one door through which every forward pass, gradient and accuracy goes.

An :class:`Executor` runs the layered circuit of an architecture on some
hardware and answers three questions: the values ``<Z_q>`` for a batch of
inputs and angles, the same values with the gradient of a scalar function of
them, and the loss and accuracy of a model on labelled data. Training
(:mod:`qnn.training`), post-training quantization (:mod:`qnn.ptq`), the
estimator and the study stages all ask an executor, so a hardware effect
added here reaches every one of them.

What the executor runs on:

* ``encode``: the data angles played by an encoding DAC (default ideal ``RY``);
* ``gates``: the trained angles rounded to their nearest codes, each code's
  realized unitary (a :class:`~qnn.gateset.GateSet`);
* ``noise``: the noisy density-matrix executor (:mod:`qnn.noise`): T1/T2
  during pulses and idle waits (``timing``), CNOT depolarizing, readout
  assignment errors and DAC output noise;
* ``channels``: each code's whole realized process (a
  :class:`~qnn.noise.ChannelSet`, e.g. pulse-level with decoherence);
* ``shots``: finite sampling, seeded by ``rng``; 0 gives exact expectations.

With none of them it is the exact pure-state simulator of :mod:`qnn.circuits`,
and :meth:`Executor.for_device` builds the executor a
:class:`~qnn.device.Device` describes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import (
    Encoder,
    expectation_z,
    expectation_z_channels,
    expectation_z_gates,
    expectation_z_many,
    value_and_grad,
    value_and_grad_many,
)
from qnn.gateset import GateSet
from qnn.model import Readout
from qnn.noise import ChannelSet, NoiseModel, Timing
from qnn.vocabulary import nearest_codes

if TYPE_CHECKING:
    from qnn.device import Device

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
    noise : NoiseModel, optional
        Run the noisy density-matrix executor; None is the pure-state circuit.
    channels : ChannelSet, optional
        Realized processes per code (forward passes only, like ``gates``); the
        idle waits, CNOTs and readout still follow ``noise``.
    timing : Timing, optional
        Idle intervals per wire (needs ``noise.idle``); default as soon as possible.
    shots : int, default=0
        Measured bitstrings per input; 0 gives exact expectations.
    rng : numpy.random.Generator, optional
        Stream of the samples; required with ``shots > 0``. Each call draws
        from it, so a sequence of calls is reproducible from its seed.
    """

    arch: Architecture
    encode: Encoder | None = None
    gates: GateSet | None = None
    noise: NoiseModel | None = None
    channels: ChannelSet | None = None
    timing: Timing | None = None
    shots: int = 0
    rng: np.random.Generator | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "arch", get_architecture(self.arch))
        if self.gates is not None and not isinstance(self.gates, GateSet):
            raise ValueError(f"gates: must be a GateSet, got {type(self.gates).__name__}")
        if self.gates is not None and self.channels is not None:
            raise ValueError("channels: give gates or channels, not both")
        if self.channels is not None and not isinstance(self.channels, ChannelSet):
            raise ValueError(f"channels: must be a ChannelSet, got "
                             f"{type(self.channels).__name__}")
        if self.shots and self.rng is None:
            raise ValueError(f"rng: {self.shots} shots need a seeded generator, got None")

    @classmethod
    def for_device(cls, arch: str | Architecture, device: Device, *,
                   rng: np.random.Generator | None = None, encode: Encoder | None = None,
                   ) -> Executor:
        """The executor a device describes: its noise, shots and encoding DAC.

        Parameters
        ----------
        arch : str or Architecture
        device : Device
        rng : numpy.random.Generator, optional
            Stream of the samples when ``device.measurement.shots > 0``.
        encode : callable, optional
            Encoding hook; default the device's encoding DAC.
        """
        from qnn.ptq import encoding_hook

        if encode is None:
            encode = encoding_hook(device.encoding_dac)
        shots = device.measurement.shots
        return cls(get_architecture(arch), encode=encode, noise=device.noise_model(),
                   shots=shots, rng=rng if shots else None)

    def ideal(self) -> Executor:
        """The same circuit and encoding without noise, realized gates or shots."""
        return Executor(self.arch, self.encode)

    def with_gates(self, gates: GateSet | None) -> Executor:
        """The same executor with the trained rotations realized by ``gates``."""
        return replace(self, gates=gates, channels=None)

    def with_channels(self, channels: ChannelSet | None, timing: Timing | None = None
                      ) -> Executor:
        """The same executor with each code's realized process, and optionally a timing."""
        return replace(self, gates=None, channels=channels,
                       timing=timing if timing is not None else self.timing)

    def _require_continuous(self) -> None:
        if self.gates is not None or self.channels is not None:
            raise ValueError("gates: gradients need continuous angles; train without realized "
                             "gates or channels")

    def _noise_kwargs(self) -> dict:
        return {"noise": self.noise, "shots": self.shots, "rng": self.rng,
                "timing": self.timing}

    def values(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``<Z_q>`` as read for every input, shape ``(B, n_qubits)``; ``theta`` in rad."""
        if self.channels is not None:
            codes = nearest_codes(theta, self.channels.bits)
            return expectation_z_channels(self.arch, x, codes, self.channels,
                                          encode=self.encode, **self._noise_kwargs())
        if self.gates is not None:
            if self.noise is not None or self.shots:
                raise ValueError("gates: unitary gate tables run on the pure-state circuit; "
                                 "give channels for a noisy device")
            codes = nearest_codes(theta, self.gates.bits)
            return expectation_z_gates(self.arch, x, codes, self.gates, encode=self.encode)
        return expectation_z(self.arch, x, theta, encode=self.encode, **self._noise_kwargs())

    def value_and_grad(
        self,
        x: np.ndarray,
        theta: np.ndarray,
        fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    ) -> tuple[T, np.ndarray]:
        """``fn(<Z>)`` and its exact gradient w.r.t. ``theta``.

        See :func:`qnn.circuits.value_and_grad`.
        """
        self._require_continuous()
        return value_and_grad(self.arch, x, theta, fn, encode=self.encode,
                              **self._noise_kwargs())

    def value_and_grad_many(
        self,
        x: np.ndarray,
        theta: np.ndarray,
        fn: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`value_and_grad` of ``M`` models (``theta`` of shape ``(M, n_params)``).

        On the ideal circuit one batched pass (``fn`` sees ``(M, B, n)`` values
        and returns one output per model); under noise or shots the models run
        one after the other (``fn`` sees each ``(B, n)``), drawing in turn from
        this executor's stream. Each model's output and gradient equal those of
        :meth:`value_and_grad` alone (with its own stream, for the sampled case).

        Returns
        -------
        out : ndarray of shape (M,)
        grad : ndarray of shape (M, n_params)
        """
        self._require_continuous()
        if self.noise is None and not self.shots:
            out, grad = value_and_grad_many(self.arch, x, theta, fn, encode=self.encode)
            return np.asarray(out), grad
        pairs = [self.value_and_grad(x, t, fn) for t in np.asarray(theta, dtype=float)]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

    def evaluate_many(
        self, x: np.ndarray, y: np.ndarray, theta: np.ndarray, readout: Readout
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`evaluate` of ``M`` models: their losses (nats) and accuracies, ``(M,)`` each."""
        if (self.noise is not None or self.shots or self.gates is not None
                or self.channels is not None):
            pairs = [self.evaluate(x, y, t, readout) for t in np.asarray(theta, dtype=float)]
            return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        z = expectation_z_many(self.arch, x, theta, encode=self.encode)
        loss, _ = readout.loss_and_cotangent(z, y)
        return np.asarray(loss, dtype=float), readout.accuracy(z, y)

    def evaluate(
        self, x: np.ndarray, y: np.ndarray, theta: np.ndarray, readout: Readout
    ) -> tuple[float, float]:
        """Mean cross-entropy (nats) and accuracy of the angles ``theta`` on ``(x, y)``."""
        z = self.values(x, theta)
        loss, _ = readout.loss_and_cotangent(z, y)
        return float(loss), float(readout.accuracy(z, y))
