"""Many parameter stores stepped as one: the model axis of :mod:`qnn.stores`.

:class:`StoreBatch` holds ``M`` models' angles as ``(M, n_params)`` arrays and
applies an ``(M, n_params)`` step to all of them with a handful of array
operations, whatever mix of quantizers and bit widths they use. Each model's
arithmetic is exactly that of its own store (:mod:`qnn.stores`), element by
element, so a model's codes, angles and diagnostics are bit for bit what it
gets trained alone:

* the float, nearest, stochastic and straight-through updates are the same
  elementwise formulas with each model's LSB and code count;
* each stochastic model draws its rounding numbers from its own stream,
  one ``random(n_params)`` per step as its store would (drawn an epoch at a
  time, which consumes a stream identically);
* the diagnostics are accumulated per epoch from the buffered steps, in the
  same order of floating-point additions as the store's per-step records.

The per-model stores given to the batch keep their configuration (grid,
schedule, kernel, stream); :meth:`StoreBatch.sync` writes a model's state and
diagnostics back into its store, so that it answers ``codes``,
``circuit_theta`` and ``diagnostics()`` as if it had trained alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit, logit

from qnn._store_base import STEP_LSB_EDGES
from qnn.quantizers import _boltzmann_weights
from qnn.stores import (
    DeterministicStore,
    ParameterStoreLike,
    STEStore,
    StochasticStore,
    UnquantizedStore,
)

#: Order of the store kinds in a batch (models of one kind are contiguous rows).
KIND_ORDER = (UnquantizedStore, DeterministicStore, StochasticStore, STEStore)
_EDGES = np.asarray(STEP_LSB_EDGES)
_N_BINS = len(STEP_LSB_EDGES) - 1


def kind_rank(store: ParameterStoreLike) -> int:
    """Position of a store's kind in :data:`KIND_ORDER`."""
    return KIND_ORDER.index(type(store))


class StoreBatch:
    """``M`` parameter stores of :mod:`qnn.stores`, updated together.

    Parameters
    ----------
    stores : sequence of UnquantizedStore, DeterministicStore, StochasticStore, STEStore
        One fresh store per model, sorted by kind (:func:`kind_rank`).
    """

    def __init__(self, stores: Sequence[ParameterStoreLike]) -> None:
        ranks = [kind_rank(s) for s in stores]
        if not stores or ranks != sorted(ranks):
            raise ValueError("stores: must be a non-empty sequence sorted by kind_rank")
        self.stores = list(stores)
        counts = [ranks.count(k) for k in range(len(KIND_ORDER))]
        edges = np.cumsum([0, *counts])
        self._float, self._det, self._sto, self._ste = (
            slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True))
        self._code = slice(self._det.start, len(stores))
        code_stores = self.stores[self._code]
        self._lsb = np.array([s.lsb_rad for s in self.stores])[:, None]
        self._finite = np.isfinite(self._lsb[:, 0])
        self._n = np.array([s.grid.n_codes for s in code_stores], dtype=np.int64)[:, None]
        sizes = [s.grid.n_codes for s in code_stores]
        self._offset = np.cumsum([0, *sizes[:-1]], dtype=np.int64)[:, None]
        self._levels = np.concatenate([s.grid.realized_angles for s in code_stores]) \
            if code_stores else np.zeros(0)
        # Virtual (RZ) parameters realize their nominal angle, as AngleGrid.to_angle does.
        masks = {None if s.grid.virtual is None else s.grid.virtual.tobytes()
                 for s in code_stores}
        if len(masks) > 1:
            raise ValueError("stores: every model of one pass must share its virtual parameters")
        self._virtual = code_stores[0].grid.virtual if code_stores else None
        self._code_lsb = np.array([s.grid.lsb_rad for s in code_stores])[:, None]
        self._epoch = -1

    # -- state ---------------------------------------------------------------------------
    def init(self, theta0: np.ndarray) -> None:
        """Load the shared initial angles ``theta0`` (rad) into every model."""
        for store in self.stores:
            store.init(theta0)  # validates, rounds, resets diagnostics and streams
        n_params = self._n_params = len(np.asarray(theta0))
        self._theta = np.array([s._theta for s in self.stores[self._float]]).reshape(-1, n_params)
        self._codes = np.array([s._codes for s in self.stores[self._code]],
                               dtype=np.int64).reshape(-1, n_params)
        self._latent = np.array([s._latent for s in self.stores[self._ste]]).reshape(-1, n_params)
        m = len(self.stores)
        self._steps: list[np.ndarray] = []
        self._changed: list[np.ndarray] = []
        self._disp: list[np.ndarray] = []
        self._step_counts: list[np.ndarray] = []
        self._per_epoch: list[np.ndarray] = []
        self._n_proposed = np.zeros(m, dtype=np.int64)
        self._n_applied = np.zeros(m, dtype=np.int64)
        self._n_below = np.zeros(m, dtype=np.int64)
        self._sum_step = np.zeros(m)
        self._sum_disp = np.zeros(m)
        self._hist = np.zeros((m, _N_BINS), dtype=np.int64)
        self._epoch = -1
        self._refresh()

    def _refresh(self) -> None:
        theta = np.empty((len(self.stores), self._n_params))
        theta[self._float] = self._theta
        levels = self._levels[self._offset + self._codes]
        if self._virtual is not None:
            levels = np.where(self._virtual, self._codes * self._code_lsb, levels)
        theta[self._code] = levels
        self._circuit = theta

    @property
    def circuit_theta(self) -> np.ndarray:
        """Angles every model's circuit sees, ``(M, n_params)`` rad (read-only view)."""
        return self._circuit

    @property
    def codes(self) -> np.ndarray:
        """DAC codes of the quantized models (rows ``len(float models)..M``), a copy."""
        return self._codes.copy()

    @property
    def n_float(self) -> int:
        """Number of float (``none``) models: the first rows."""
        return self._float.stop

    # -- epochs and steps ---------------------------------------------------------------
    def begin_epoch(self, epoch: int, n_epochs: int, n_steps: int) -> None:
        """Start ``epoch`` of ``n_epochs`` with ``n_steps`` steps: temperatures, draws."""
        self.flush()
        for store in self.stores:
            store.begin_epoch(epoch, n_epochs)  # its temperature and per-epoch counter
        self._epoch = epoch
        self._per_epoch.append(np.zeros(len(self.stores), dtype=np.int64))
        sto = self.stores[self._sto]
        self._t = np.array([s.temperature for s in sto])
        n_params = self._n_params
        # Each stream's draws for the whole epoch: Generator.random fills
        # sequentially, so one (n_steps, n) draw equals n_steps draws of n.
        self._draws = np.stack([s._rng.random((n_steps, n_params)) if s.temperature > 0
                                else np.zeros((n_steps, n_params)) for s in sto], axis=1) \
            if sto else None
        self._step_in_epoch = 0
        tilt = np.array([s.kernel == "tilt" for s in sto], dtype=bool)
        self._plain = bool(sto) and bool(np.all(tilt & (self._t == 1.0)))
        self._tilt = tilt

    def apply(self, step: np.ndarray) -> None:
        """Apply every model's proposed decrement ``step`` (``(M, n_params)``, rad)."""
        step = np.asarray(step, dtype=float)
        if step.shape != self._circuit.shape:
            raise ValueError(f"step: must have shape {self._circuit.shape}, got {step.shape}")
        if not np.all(np.isfinite(step)):
            raise ValueError("step: must be finite, got non-finite values")
        changed = np.empty(step.shape, dtype=bool)
        disp = np.empty(step.shape)
        f = self._float
        if f.stop:
            s = step[f]
            self._theta -= s
            changed[f] = s != 0
            disp[f] = np.abs(s)
        if self._code.start < len(self.stores):
            new = np.empty(self._codes.shape)
            c0 = self._code.start
            d, t, e = (slice(k.start - c0, k.stop - c0) for k in (self._det, self._sto, self._ste))
            if d.stop > d.start:
                u = self._codes[d] - step[self._det] / self._lsb[self._det]
                new[d] = np.floor(u + 0.5)
            if t.stop > t.start:
                u = self._codes[t] - step[self._sto] / self._lsb[self._sto]
                new[t] = self._stochastic(u, self._draws[self._step_in_epoch])
            if e.stop > e.start:
                self._latent -= step[self._ste]
                new[e] = np.floor(self._latent / self._lsb[self._ste] + 0.5)
            n = self._n
            codes = np.mod(new.astype(np.int64), n)
            diff = np.mod(codes - self._codes, n)
            diff = np.where(diff > n // 2, n - diff, diff)  # wrapped distance in codes
            self._codes = codes
            changed[self._code] = diff != 0
            disp[self._code] = diff * self._lsb[self._code]
        self._steps.append(step)
        self._changed.append(changed)
        self._disp.append(disp)
        self._step_in_epoch += 1
        self._refresh()

    def _stochastic(self, u: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """:func:`qnn.quantizers.round_to_grid` of each stochastic model, rows of ``u``."""
        lower = np.floor(u)
        if self._plain:  # tilt at T = 1: p = f exactly
            return lower + (draws < u - lower)
        out = np.empty(u.shape)
        for i, t in enumerate(self._t):
            row = u[i]
            if t == 0.0:
                out[i] = np.floor(row + 0.5)
            elif self._tilt[i]:
                f = row - lower[i]
                if t == 1.0:
                    p = f
                else:
                    with np.errstate(divide="ignore", over="ignore"):
                        p = expit(logit(f) / t)
                out[i] = lower[i] + (draws[i] < p)
            else:
                m = self.stores[self._sto][i].neighbours
                levels, probs = _boltzmann_weights(row, t, m)
                pick = (draws[i][..., None] > np.cumsum(probs, axis=-1)).sum(axis=-1)
                pick = np.minimum(pick, 2 * m)
                out[i] = np.take_along_axis(levels, pick[..., None], axis=-1)[..., 0]
        return out

    # -- diagnostics --------------------------------------------------------------------
    def flush(self) -> None:
        """Fold the buffered steps into the diagnostics (same sums as the stores' records)."""
        if not self._steps:
            return
        steps = np.stack(self._steps)
        changed = np.stack(self._changed)
        disp = np.stack(self._disp)
        self._steps, self._changed, self._disp = [], [], []
        counts = np.count_nonzero(changed, axis=2)
        self._step_counts.append(counts)
        self._per_epoch[-1] += counts.sum(axis=0)
        proposed = steps != 0
        self._n_proposed += np.count_nonzero(proposed, axis=(0, 2))
        self._n_applied += np.count_nonzero(changed & proposed, axis=(0, 2))
        size = np.abs(steps)
        # Each step's sum is one contiguous row (as the store's step.sum());
        # cumsum adds them in step order, as the store's running total does.
        self._sum_step = np.cumsum(np.vstack([self._sum_step, size.sum(axis=2)]), axis=0)[-1]
        self._sum_disp = np.cumsum(np.vstack([self._sum_disp, disp.sum(axis=2)]), axis=0)[-1]
        ratio = size / self._lsb
        counted = proposed & self._finite[None, :, None]
        self._n_below += np.count_nonzero(counted & (ratio < 0.5), axis=(0, 2))
        bins = np.searchsorted(_EDGES, ratio[counted], side="right") - 1
        rows = np.broadcast_to(np.arange(len(self.stores))[None, :, None], ratio.shape)[counted]
        self._hist += np.bincount(rows * _N_BINS + bins, minlength=len(self.stores) * _N_BINS
                                  ).reshape(-1, _N_BINS)

    def sync(self, model: int) -> ParameterStoreLike:
        """Write model ``model``'s state and diagnostics into its store; return the store."""
        self.flush()
        store = self.stores[model]
        fractions = (np.concatenate(self._step_counts)[:, model] / max(self._n_params, 1)
                     if self._step_counts else np.zeros(0))
        state: dict[str, object] = {
            "_step_fraction": [float(v) for v in fractions],
            "_changed_per_epoch": [int(c[model]) for c in self._per_epoch],
            "_n_proposed": int(self._n_proposed[model]),
            "_n_applied": int(self._n_applied[model]),
            "_n_below_half": int(self._n_below[model]),
            "_sum_step": float(self._sum_step[model]),
            "_sum_disp": float(self._sum_disp[model]),
            "_hist": self._hist[model].copy(),
        }
        if model < self._float.stop:
            state["_theta"] = self._theta[model].copy()
        else:
            state["_codes"] = self._codes[model - self._code.start].copy()
        if model >= self._ste.start:
            state["_latent"] = self._latent[model - self._ste.start].copy()
        for name, value in state.items():
            setattr(store, name, value)
        return store


class LiveStore:
    """One model of a :class:`StoreBatch`, seen as its own store (what a callback gets).

    Every attribute read first syncs the model's store (:meth:`StoreBatch.sync`),
    so ``codes``, ``circuit_theta`` and ``diagnostics()`` are current; a float
    model has no ``codes``, as its store has none.
    """

    def __init__(self, batch: StoreBatch, model: int) -> None:
        self._batch = batch
        self._model = model

    def __getattr__(self, name: str) -> object:
        return getattr(self._batch.sync(self._model), name)

