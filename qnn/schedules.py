"""Temperature schedules for stochastic quantization, indexed by epoch.

Every schedule maps the training progress ``s = epoch / (n_epochs - 1)``
(``s = 0`` when ``n_epochs == 1``) to a temperature, starting exactly at ``t0``
on the first epoch and ending exactly at ``t_final`` on the last one:

============  ==============================================================
constant      ``T = t0``
linear        ``T = t0 + (t_final - t0) * s``
exp           ``T = t0 * (t_final / t0) ** s``   (geometric; t0, t_final > 0)
cosine        ``T = t_final + (t0 - t_final) * (1 + cos(pi * s)) / 2``
============  ==============================================================

Linear, exp and cosine are monotone in ``epoch`` (non-increasing when
``t_final <= t0``, which is the usual annealing; heating is allowed).
Temperatures are dimensionless: they scale the rounding kernels of
:mod:`qnn.quantizers`, where ``T = 1`` is unbiased stochastic rounding and
``T = 0`` is deterministic nearest rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Default temperature: unbiased rounding. Default schedule: constant, since
# annealing towards T = 0 suppresses the sub-LSB steps the stochastic store
# exists to keep, so training freezes before it converges (measured in
# docs/quantization.md, "Chosen defaults").
from qnn.vocabulary import DEFAULT_SCHEDULE as DEFAULT_TEMPERATURE_SCHEDULE
from qnn.vocabulary import DEFAULT_TEMPERATURE, SCHEDULES

# Default end point of an annealing schedule when none is given: anneal to
# deterministic rounding, except for the geometric schedule, which cannot
# reach 0 and stops two decades below its start instead.
_EXP_DEFAULT_RATIO = 1e-2


def _check_temperature(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: must be >= 0, got {value!r}")
    return float(value)


def _check_schedule(schedule: str) -> str:
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule: must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    return schedule


def default_t_final(schedule: str, t0: float) -> float:
    """End temperature used when ``t_final`` is not given.

    ``t0`` for ``constant``, ``0`` for ``linear`` and ``cosine``, and
    ``t0 / 100`` for ``exp`` (a geometric schedule cannot reach 0).
    """
    _check_schedule(schedule)
    t0 = _check_temperature("t0", t0)
    if schedule == "constant":
        return t0
    if schedule == "exp":
        return t0 * _EXP_DEFAULT_RATIO
    return 0.0


@dataclass(frozen=True)
class TemperatureSchedule:
    """A temperature schedule over epochs.

    Parameters
    ----------
    kind : {"constant", "linear", "exp", "cosine"}, default=DEFAULT_TEMPERATURE_SCHEDULE
        Shape of the schedule (formulas in the module docstring).
    t0 : float, default=DEFAULT_TEMPERATURE
        Temperature at the first epoch (dimensionless, >= 0).
    t_final : float or None, default=None
        Temperature at the last epoch (>= 0); ``None`` picks
        :func:`default_t_final`. Ignored by ``constant``. ``exp`` needs both
        ``t0 > 0`` and ``t_final > 0``.
    """

    kind: str = DEFAULT_TEMPERATURE_SCHEDULE
    t0: float = DEFAULT_TEMPERATURE
    t_final: float | None = None

    def __post_init__(self) -> None:
        _check_schedule(self.kind)
        _check_temperature("t0", self.t0)
        if self.t_final is not None:
            _check_temperature("t_final", self.t_final)
        if self.kind == "exp":
            if self.t0 <= 0:
                raise ValueError(f"t0: must be > 0 for the exp schedule, got {self.t0!r}")
            if self.t_final is not None and self.t_final <= 0:
                raise ValueError(
                    f"t_final: must be > 0 for the exp schedule, got {self.t_final!r}"
                )

    @property
    def end(self) -> float:
        """The temperature reached at the last epoch."""
        if self.kind == "constant":
            return float(self.t0)
        if self.t_final is None:
            return default_t_final(self.kind, self.t0)
        return float(self.t_final)

    def __call__(self, epoch: int, n_epochs: int) -> float:
        """Temperature during ``epoch`` (0-based) of ``n_epochs``."""
        s = progress(epoch, n_epochs)
        t0, t1 = float(self.t0), self.end
        if self.kind == "constant":
            return t0
        if self.kind == "linear":
            return t0 + (t1 - t0) * s
        if self.kind == "exp":
            return t0 * (t1 / t0) ** s
        return t1 + (t0 - t1) * 0.5 * (1.0 + math.cos(math.pi * s))


def progress(epoch: int, n_epochs: int) -> float:
    """Training progress ``s = epoch / (n_epochs - 1)`` in [0, 1] (0 if one epoch)."""
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
        raise ValueError(f"n_epochs: must be an integer >= 1, got {n_epochs!r}")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch < n_epochs:
        raise ValueError(f"epoch: must be an integer 0..{n_epochs - 1}, got {epoch!r}")
    return epoch / (n_epochs - 1) if n_epochs > 1 else 0.0


def temperature_at(
    schedule: str,
    t0: float,
    epoch: int,
    n_epochs: int,
    *,
    t_final: float | None = None,
) -> float:
    """Temperature of ``schedule`` during ``epoch`` of ``n_epochs``.

    Parameters
    ----------
    schedule : {"constant", "linear", "exp", "cosine"}
        Schedule shape (formulas in the module docstring).
    t0 : float
        Temperature at epoch 0 (dimensionless, >= 0; > 0 for ``exp``).
    epoch : int
        Current epoch, ``0 <= epoch < n_epochs``.
    n_epochs : int
        Total number of epochs (>= 1).
    t_final : float or None, default=None
        Temperature at epoch ``n_epochs - 1``; ``None`` picks
        :func:`default_t_final`.

    Returns
    -------
    float
        The temperature (dimensionless).

    Examples
    --------
    >>> temperature_at("linear", 1.0, 5, 11, t_final=0.0)
    0.5
    """
    return TemperatureSchedule(kind=schedule, t0=t0, t_final=t_final)(epoch, n_epochs)
