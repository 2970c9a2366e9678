"""Parameter stores: where a training loop keeps the QNN angles, and how it updates them.

The training loop computes the gradient at :attr:`circuit_theta`, turns it into
a proposed decrement ``step = eta * u`` and calls :meth:`apply`. The stores
differ in what they keep and how ``step`` lands:

=============  ==============================================================
none           float angles, ``theta <- theta - step`` (no DAC in training)
deterministic  DAC codes, ``code <- nearest(code - step / LSB)``
stochastic     DAC codes, ``code <- Q_T(code - step / LSB)``, ``T`` scheduled
ste            float latent ``z <- z - step``; the circuit sees ``nearest(z)``
=============  ==============================================================

Quantized stores round on the nominal grid and expose the *realized* DAC
angles of their codes to the circuit. Every store records
:class:`StoreDiagnostics`; a run is *deadlocked* when the stored angles moved by
at most ``DEADLOCK_RATIO`` (5 %) of the total distance the optimizer asked for.
"""

from __future__ import annotations

import math

import numpy as np

from hardware_models.validation import as_generator
from qnn._store_base import DEADLOCK_RATIO, STEP_LSB_EDGES, StoreDiagnostics, _Store
from qnn.device import DACConfig, as_dac
from qnn.quantizers import (
    AngleGrid,
    SeedLike,
    check_neighbours,
    check_temperature,
    round_to_grid,
)
from qnn.schedules import (
    DEFAULT_TEMPERATURE,
    DEFAULT_TEMPERATURE_SCHEDULE,
    TemperatureSchedule,
    progress,
)
from qnn.vocabulary import DEFAULT_KERNEL, KERNELS, QUANTIZERS, check_bits, check_choice

__all__ = [
    "DEADLOCK_RATIO",
    "QUANTIZERS",
    "STEP_LSB_EDGES",
    "DeterministicStore",
    "STEStore",
    "StochasticStore",
    "StoreDiagnostics",
    "UnquantizedStore",
    "make_store",
]


class UnquantizedStore(_Store):
    """Float training: ``theta <- theta - step``; the DAC plays no part.

    Parameters
    ----------
    bits : int or inf, default=inf
        Deployment resolution, used only to express ``|step|`` in LSB in the
        diagnostics (post-training quantization is done afterwards with
        :func:`qnn.quantizers.quantize_parameters`).
    """

    quantizer = "none"

    def __init__(self, bits: int | float = math.inf) -> None:
        super().__init__(check_bits(bits, allow_inf=True))

    def _init(self, theta0: np.ndarray) -> None:
        self._theta = theta0.copy()

    def _circuit_theta(self) -> np.ndarray:
        return self._theta.copy()

    def _epoch_temperature(self, epoch: int, n_epochs: int) -> float | None:
        progress(epoch, n_epochs)  # validation only
        return None

    def _t_default(self) -> float | None:
        return None

    def _update(self, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._theta -= step
        return step != 0, np.abs(step)


class _CodeStore(_Store):
    """A store whose circuit angles are DAC codes on ``grid``."""

    def __init__(self, grid: AngleGrid) -> None:
        if not isinstance(grid, AngleGrid):
            raise ValueError(f"grid: must be an AngleGrid, got {type(grid).__name__}")
        self.grid = grid
        super().__init__(grid.bits)

    @property
    def codes(self) -> np.ndarray:
        """Current DAC codes (``0 .. 2**bits - 1``), a copy."""
        self._require_init()
        return self._codes.copy()

    def _init(self, theta0: np.ndarray) -> None:
        # Initial angles are loaded with nearest rounding in every store, so
        # all quantizers start from the same codes for the same theta0.
        self._codes = self.grid.to_code(theta0, "nearest")

    def _circuit_theta(self) -> np.ndarray:
        return self.grid.to_angle(self._codes)

    def _set_codes(self, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.grid.n_codes
        new = np.mod(new, n)
        diff = np.mod(new - self._codes, n)
        diff = np.where(diff > n // 2, n - diff, diff)  # wrapped distance in codes
        self._codes = new
        return diff != 0, diff * self.grid.lsb_rad


class DeterministicStore(_CodeStore):
    """Codes updated by nearest rounding: ``code <- nearest(code - step / LSB)``.

    Any ``|step| < LSB / 2`` is erased, which is the low-resolution deadlock.

    Parameters
    ----------
    grid : AngleGrid
        The angle DAC.
    """

    quantizer = "deterministic"

    def _update(self, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = self._codes - step / self.grid.lsb_rad
        return self._set_codes(round_to_grid(u, "nearest"))


class StochasticStore(_CodeStore):
    """Codes updated by temperature-controlled stochastic rounding.

    ``code <- Q_T(code - step / LSB)``, with ``T`` set per epoch by
    ``schedule``. With the ``tilt`` kernel at ``T = 1`` the expected update is
    exactly ``-step``, however small.

    Parameters
    ----------
    grid : AngleGrid
        The angle DAC.
    schedule : TemperatureSchedule, default=TemperatureSchedule()
        Temperature per epoch (by default ``DEFAULT_TEMPERATURE_SCHEDULE`` at
        ``DEFAULT_TEMPERATURE``: constant ``T = 1``).
    seed : int or Generator, default=0
        Seed of the rounding draws.
    kernel : {"tilt", "boltzmann"}, default=DEFAULT_KERNEL
        ``tilt`` is two-level ``Q_T``; ``boltzmann`` the multi-level kernel.
    neighbours : int, default=1
        Half-width of the Boltzmann window.
    """

    quantizer = "stochastic"

    def __init__(
        self,
        grid: AngleGrid,
        *,
        schedule: TemperatureSchedule | None = None,
        seed: SeedLike = 0,
        kernel: str = DEFAULT_KERNEL,
        neighbours: int = 1,
    ) -> None:
        super().__init__(grid)
        if kernel not in KERNELS:
            raise ValueError(f"kernel: must be one of {', '.join(KERNELS)}, got {kernel!r}")
        if schedule is not None and not isinstance(schedule, TemperatureSchedule):
            raise ValueError(
                f"schedule: must be a TemperatureSchedule, got {type(schedule).__name__}"
            )
        self.schedule = TemperatureSchedule() if schedule is None else schedule
        self.kernel = kernel
        self.neighbours = check_neighbours(neighbours)
        self.seed = seed
        self._rng = as_generator(seed, "seed")
        self.temperature = float(self.schedule.t0)

    def _init(self, theta0: np.ndarray) -> None:
        super()._init(theta0)
        # A fresh stream per init: the same int seed replays the same run (a
        # Generator seed simply continues its stream).
        self._rng = as_generator(self.seed, "seed")
        self.temperature = float(self.schedule.t0)

    def _epoch_temperature(self, epoch: int, n_epochs: int) -> float | None:
        self.temperature = self.schedule(epoch, n_epochs)
        return self.temperature

    def _t_default(self) -> float | None:
        return float(self.schedule.t0)

    def _update(self, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = self._codes - step / self.grid.lsb_rad
        rounding = "stochastic" if self.kernel == "tilt" else "boltzmann"
        new = round_to_grid(
            u, rounding, temperature=self.temperature, rng=self._rng, neighbours=self.neighbours
        )
        return self._set_codes(new)


class STEStore(_CodeStore):
    """Straight-through estimator: a float latent takes the updates, the circuit sees codes.

    ``z <- z - step``; ``code = nearest(z / LSB) mod 2**bits``. Codes change
    only when the latent crosses a rounding boundary.

    Parameters
    ----------
    grid : AngleGrid
        The angle DAC.
    """

    quantizer = "ste"

    @property
    def latent(self) -> np.ndarray:
        """Float shadow parameters (rad, not wrapped), a copy."""
        self._require_init()
        return self._latent.copy()

    def _init(self, theta0: np.ndarray) -> None:
        super()._init(theta0)
        self._latent = theta0.copy()

    def _update(self, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._latent -= step
        return self._set_codes(self.grid.to_code(self._latent, "nearest"))


ParameterStoreLike = UnquantizedStore | DeterministicStore | StochasticStore | STEStore


def make_store(
    quantizer: str,
    dac: DACConfig | int | float,
    *,
    temperature: float = DEFAULT_TEMPERATURE,
    schedule: str = DEFAULT_TEMPERATURE_SCHEDULE,
    t_final: float | None = None,
    seed: SeedLike = 0,
    kernel: str = DEFAULT_KERNEL,
    neighbours: int = 1,
    virtual: np.ndarray | tuple[bool, ...] | None = None,
) -> ParameterStoreLike:
    """Build a parameter store by name, on the angle DAC ``dac``.

    Parameters
    ----------
    quantizer : {"none", "deterministic", "stochastic", "ste"}
        Store kind (see the module docstring).
    dac : DACConfig, int or inf
        The angle DAC (a bare resolution is an ideal DAC); its chip
        (mismatch, gain error, offset) is drawn from its chip seed, once per
        process. ``bits=inf`` only with ``none``.
        ``none`` with finite ``bits`` is float training; ``bits`` then only
        sets the LSB of the ``|step| / LSB`` diagnostics (deploy with
        post-training quantization).
    temperature : float, default=DEFAULT_TEMPERATURE
        Start temperature ``t0`` of the ``stochastic`` store (1 = unbiased).
    schedule : {"constant", "linear", "exp", "cosine"}, default=DEFAULT_TEMPERATURE_SCHEDULE
        Temperature schedule of the ``stochastic`` store.
    t_final : float or None, default=None
        End temperature; ``None`` uses :func:`qnn.schedules.default_t_final`.
    seed : int or Generator, default=0
        Seed of the stochastic rounding draws.
    kernel : {"tilt", "boltzmann"}, default=DEFAULT_KERNEL
        Rounding kernel of the ``stochastic`` store.
    neighbours : int, default=1
        Half-width of the Boltzmann window.
    virtual : array of bool, optional
        Which parameters are RZ (:meth:`qnn.architectures.Architecture.virtual_params`):
        their codes realize the nominal angle (a phase register), not the chip's level.

    Returns
    -------
    UnquantizedStore, DeterministicStore, StochasticStore or STEStore

    Notes
    -----
    ``temperature``, ``schedule``, ``t_final``, ``seed``, ``kernel`` and
    ``neighbours`` are validated for every quantizer but used only by
    ``stochastic``; ``deterministic`` and ``ste`` round at ``T = 0``.
    """
    check_choice(quantizer, QUANTIZERS, "quantizer")
    dac = as_dac(dac)
    sched = TemperatureSchedule(
        kind=schedule, t0=check_temperature(temperature), t_final=t_final
    )
    check_choice(kernel, KERNELS, "kernel")
    check_neighbours(neighbours)
    if quantizer == "none":
        return UnquantizedStore(dac.bits)
    if dac.is_float:
        raise ValueError(f"bits: must be an integer 1..16 for quantizer {quantizer!r}, got inf")
    grid = dac.grid() if virtual is None else dac.grid().for_parameters(virtual)
    if quantizer == "deterministic":
        return DeterministicStore(grid)
    if quantizer == "ste":
        return STEStore(grid)
    return StochasticStore(grid, schedule=sched, seed=seed, kernel=kernel, neighbours=neighbours)
