"""Bookkeeping shared by the parameter stores of :mod:`qnn.stores`.

Every store counts the updates the optimizer proposed and the ones that changed
a stored value, histograms ``|step| / LSB`` and keeps the displacement totals
behind the *deadlocked* flag; :class:`StoreDiagnostics` is what it reports.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qnn.schedules import progress
from qnn.vocabulary import lsb_rad

#: A run is deadlocked if sum |stored displacement| <= DEADLOCK_RATIO * sum |step|.
DEADLOCK_RATIO = 0.05

#: Bin edges of the |step| / LSB histogram: 0, 1e-4 .. 1e2 (4 bins a decade), inf.
STEP_LSB_EDGES = (0.0, *np.logspace(-4.0, 2.0, 25).tolist(), math.inf)


@dataclass(frozen=True)
class StoreDiagnostics:
    """What a store saw during training.

    Only *proposed* updates count: ``(step, parameter)`` pairs with ``step != 0``.

    Parameters
    ----------
    quantizer : str
        Store kind.
    bits : int or float
        Angle-DAC resolution (``inf`` for float training without a target).
    n_steps : int
        Number of :meth:`apply` calls.
    step_changed_fraction : tuple of float
        Per step, the fraction of parameters whose stored value changed.
    updates_applied_fraction : float
        Fraction of proposed updates that changed the stored value (NaN if none
        was proposed).
    displacement_ratio : float
        ``sum |stored displacement| / sum |step|`` over the run, where a code
        change counts its wrapped distance in rad. ~1 when updates land (in
        expectation for unbiased stochastic rounding), 0 when all are erased.
    step_lsb_edges, step_lsb_counts : tuple
        Histogram of ``|step| / LSB`` over proposed updates (counts empty if
        ``bits`` is ``inf``).
    fraction_below_half_lsb : float
        Fraction of proposed updates with ``|step| < LSB / 2``, the ones
        nearest rounding erases (NaN if none or if ``bits`` is ``inf``).
    codes_changed_per_epoch : tuple of int
        Per epoch, number of (step, parameter) changes of the stored value.
    temperature_per_epoch : tuple of float
        Rounding temperature of each epoch (0 for nearest rounding; empty for
        ``none``).
    final_temperature : float or None
        Temperature of the last epoch; ``None`` for ``none``.
    deadlocked : bool
        ``displacement_ratio <= DEADLOCK_RATIO`` with at least one proposed
        update.
    """

    quantizer: str
    bits: int | float
    n_steps: int
    step_changed_fraction: tuple[float, ...]
    updates_applied_fraction: float
    displacement_ratio: float
    step_lsb_edges: tuple[float, ...]
    step_lsb_counts: tuple[int, ...]
    fraction_below_half_lsb: float
    codes_changed_per_epoch: tuple[int, ...]
    temperature_per_epoch: tuple[float, ...]
    final_temperature: float | None
    deadlocked: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict: tuples become lists, NaN and inf become None."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, tuple):
                return [clean(x) for x in v]
            return v

        return {k: clean(v) for k, v in asdict(self).items()}


class _Store:
    """Shared bookkeeping. Subclasses implement ``_init`` and ``_update``."""

    quantizer = ""

    def __init__(self, bits: int | float) -> None:
        self.bits = bits
        # inf: float training with no grid, so no |step| / LSB diagnostics.
        self.lsb_rad = math.inf if math.isinf(bits) else lsb_rad(int(bits))
        self._shape: tuple[int, ...] | None = None
        self._reset_diagnostics()

    # -- ParameterStore protocol ---------------------------------------------------
    def init(self, theta0: np.ndarray) -> None:
        """Load initial angles ``theta0`` (rad) and reset the diagnostics."""
        theta0 = np.asarray(theta0, dtype=float)
        if not np.all(np.isfinite(theta0)):
            raise ValueError("theta0: must be finite, got non-finite values")
        self._shape = theta0.shape
        self._reset_diagnostics()
        self._init(theta0)

    @property
    def circuit_theta(self) -> np.ndarray:
        """Angles the circuit sees (rad), a copy."""
        self._require_init()
        return self._circuit_theta()

    def begin_epoch(self, epoch: int, n_epochs: int) -> None:
        """Start ``epoch`` of ``n_epochs``: set its temperature, open its counter."""
        t = self._epoch_temperature(epoch, n_epochs)  # validates before any state change
        self._changed_per_epoch.append(0)
        if t is not None:
            self._temperatures.append(t)

    def apply(self, step: np.ndarray) -> None:
        """Apply the optimizer's proposed decrement ``step`` (rad)."""
        self._require_init()
        step = np.asarray(step, dtype=float)
        if step.shape != self._shape:
            raise ValueError(f"step: must have shape {self._shape}, got {step.shape}")
        if not np.all(np.isfinite(step)):
            raise ValueError("step: must be finite, got non-finite values")
        if not self._changed_per_epoch:
            # apply() before any begin_epoch(): an implicit epoch 0 at t0.
            self.begin_epoch(0, 1)
        changed, displacement = self._update(step)
        self._record(step, changed, displacement)

    # -- diagnostics --------------------------------------------------------------------
    def _reset_diagnostics(self) -> None:
        self._step_fraction: list[float] = []
        self._changed_per_epoch: list[int] = []
        self._temperatures: list[float] = []
        self._n_proposed = 0
        self._n_applied = 0
        self._n_below_half = 0
        self._sum_step = 0.0
        self._sum_disp = 0.0
        self._hist = np.zeros(len(STEP_LSB_EDGES) - 1, dtype=np.int64)

    def _record(self, step: np.ndarray, changed: np.ndarray, displacement: np.ndarray) -> None:
        proposed = step != 0
        size = max(step.size, 1)
        self._step_fraction.append(float(np.count_nonzero(changed)) / size)
        self._changed_per_epoch[-1] += int(np.count_nonzero(changed))
        self._n_proposed += int(np.count_nonzero(proposed))
        self._n_applied += int(np.count_nonzero(changed & proposed))
        self._sum_step += float(np.abs(step).sum())
        self._sum_disp += float(displacement.sum())
        if math.isfinite(self.lsb_rad):
            ratio = np.abs(step[proposed]) / self.lsb_rad
            self._hist += np.histogram(ratio, bins=np.asarray(STEP_LSB_EDGES))[0]
            self._n_below_half += int(np.count_nonzero(ratio < 0.5))

    def diagnostics(self) -> StoreDiagnostics:
        """Snapshot of the diagnostics recorded since :meth:`init`."""
        nan = math.nan
        applied = self._n_applied / self._n_proposed if self._n_proposed else nan
        ratio = self._sum_disp / self._sum_step if self._sum_step > 0 else nan
        below = (
            self._n_below_half / self._n_proposed
            if self._n_proposed and math.isfinite(self.lsb_rad)
            else nan
        )
        finite = math.isfinite(self.lsb_rad)
        return StoreDiagnostics(
            quantizer=self.quantizer,
            bits=self.bits,
            n_steps=len(self._step_fraction),
            step_changed_fraction=tuple(self._step_fraction),
            updates_applied_fraction=applied,
            displacement_ratio=ratio,
            step_lsb_edges=STEP_LSB_EDGES,
            step_lsb_counts=tuple(int(c) for c in self._hist) if finite else (),
            fraction_below_half_lsb=below,
            codes_changed_per_epoch=tuple(self._changed_per_epoch),
            temperature_per_epoch=tuple(self._temperatures),
            final_temperature=self._temperatures[-1] if self._temperatures else self._t_default(),
            deadlocked=bool(self._n_proposed > 0 and ratio <= DEADLOCK_RATIO),
        )

    # -- hooks --------------------------------------------------------------------------
    def _require_init(self) -> None:
        if self._shape is None:
            raise RuntimeError(f"{type(self).__name__}: call init(theta0) first")

    def _epoch_temperature(self, epoch: int, n_epochs: int) -> float | None:
        progress(epoch, n_epochs)  # validation only: nearest rounding is T = 0
        return 0.0

    def _t_default(self) -> float | None:
        return 0.0

    def _init(self, theta0: np.ndarray) -> None:
        raise NotImplementedError

    def _circuit_theta(self) -> np.ndarray:
        raise NotImplementedError

    def _update(self, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError
