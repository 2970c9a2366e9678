"""The deadlock phase diagram: quantized training over DAC bits and learning rate.

Nearest rounding erases every proposed update smaller than half an LSB, and
Adam's steps are about ``lr`` rad, so training on a ``b``-bit grid should
freeze when ``lr < LSB / 2 = pi / 2**b``. :func:`phase_maps` collects, for
each task and quantizer of a study that sweeps both ``dac.bits`` and
``workload.lr``, the applied-update fraction, the accuracy gained over the
initial model and the share of deadlocked seeds on the (bits, lr) grid;
:func:`boundary_sentence` states where the deadlocked cells end.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosim.studies import scoring
from qnn.vocabulary import lsb_rad

BITS_AXIS = "dac.bits"
LR_AXIS = "workload.lr"
INITIAL_ACCURACY = "train_initial_accuracy"
APPLIED = "train_updates_applied_fraction"
# A cell counts as deadlocked when more than half of its seeds deadlocked.
MAJORITY = 0.5


def half_lsb_rad(bits: int) -> float:
    """Half an LSB of a ``bits``-bit full-turn angle DAC, ``pi / 2**bits`` rad."""
    return lsb_rad(int(bits)) / 2


@dataclass(frozen=True)
class PhaseMap:
    """One task and quantizer on the (bits, lr) grid; arrays are (n_bits, n_lr), NaN if absent.

    Attributes
    ----------
    label : str
        ``dataset / arch / quantizer`` and any other key that differs.
    bits : tuple of int
    lrs : tuple of float
        Learning rates, rad, ascending.
    applied : ndarray
        Mean fraction of proposed updates that changed a stored value.
    gain : ndarray
        Mean test-accuracy gain over the initial model (fraction).
    deadlocked : ndarray
        Share of seeds that deadlocked.
    """

    label: str
    bits: tuple[int, ...]
    lrs: tuple[float, ...]
    applied: np.ndarray
    gain: np.ndarray
    deadlocked: np.ndarray


def sweeps_bits_and_lr(axes: Mapping[str, Any]) -> bool:
    """Whether a scenario's axes make a phase diagram."""
    return BITS_AXIS in axes and LR_AXIS in axes


def _family(config: Mapping[str, Any]) -> str:
    dac = {k: v for k, v in config["dac"].items() if k not in ("bits", "seeds")}
    work = {k: v for k, v in config["workload"].items() if k not in ("lr", "seeds")}
    return json.dumps({"dac": dac, "workload": work}, sort_keys=True)


def phase_maps(rows: Iterable[Mapping[str, Any]]) -> list[PhaseMap]:
    """A :class:`PhaseMap` per family of training rows; quantizer none is the float reference."""
    cells: dict[str, dict[tuple[int, float], list[Mapping[str, Any]]]] = defaultdict(
        lambda: defaultdict(list))
    for row in scoring.ok_rows(rows):
        w = row["config"]["workload"]
        if row.get(scoring.TRAIN_ACCURACY) is None:
            continue
        cells[_family(row["config"])][(int(row["config"]["dac"]["bits"]), float(w["lr"]))] \
            .append(row)
    labels = scoring.series_labels({f: json.loads(f) for f in cells},
                                   always=("workload.dataset", "workload.arch",
                                           "workload.quantizer"))
    out = []
    for family in sorted(cells, key=lambda f: labels[f]):
        grid = cells[family]
        bits = tuple(sorted({b for b, _ in grid}))
        lrs = tuple(sorted({lr for _, lr in grid}))
        arrays = {k: np.full((len(bits), len(lrs)), np.nan) for k in ("a", "g", "d")}
        for (b, lr), members in grid.items():
            i, j = bits.index(b), lrs.index(lr)
            arrays["a"][i, j] = _mean(r.get(APPLIED) for r in members)
            arrays["g"][i, j] = _mean(_gain(r) for r in members)
            arrays["d"][i, j] = _mean(r.get(scoring.TRAIN_DEADLOCKED) for r in members)
        out.append(PhaseMap(labels[family], bits, lrs, arrays["a"], arrays["g"], arrays["d"]))
    return out


def _gain(row: Mapping[str, Any]) -> float | None:
    initial = row.get(INITIAL_ACCURACY)
    return None if initial is None else row[scoring.TRAIN_ACCURACY] - initial


def _mean(values: Iterable[Any]) -> float:
    s = scoring.stat(v for v in values if v is not None)
    return math.nan if s is None else s.mean


@dataclass(frozen=True)
class Boundary:
    """Where a map's deadlocked cells end, as a multiple of half an LSB.

    Attributes
    ----------
    max_deadlocked : float or None
        Largest ``lr / (LSB/2)`` of a deadlocked cell (None if none deadlocked).
    min_training : float or None
        Smallest ``lr / (LSB/2)`` of a cell that trained (None if none did).
    n_deadlocked, n_cells : int
        Deadlocked cells and all cells with data.
    """

    max_deadlocked: float | None
    min_training: float | None
    n_deadlocked: int
    n_cells: int

    @property
    def clean(self) -> bool:
        """Every deadlocked cell lies below every cell that trained."""
        if self.max_deadlocked is None or self.min_training is None:
            return True
        return self.max_deadlocked < self.min_training


def boundary(phase: PhaseMap) -> Boundary:
    """The :class:`Boundary` of one map."""
    dead: list[float] = []
    live: list[float] = []
    for i, b in enumerate(phase.bits):
        for j, lr in enumerate(phase.lrs):
            share = phase.deadlocked[i, j]
            if math.isnan(share):
                continue
            (dead if share > MAJORITY else live).append(lr / half_lsb_rad(b))
    return Boundary(max(dead) if dead else None, min(live) if live else None, len(dead),
                    len(dead) + len(live))


def boundary_sentence(phase: PhaseMap) -> str:
    """One sentence stating the deadlock boundary of ``phase`` in units of LSB/2."""
    edge = boundary(phase)
    head = f"{phase.label}: {edge.n_deadlocked} of {edge.n_cells} (bits, lr) cells deadlocked"
    if edge.max_deadlocked is None:
        return head + "; none, so no boundary inside the swept range."
    if edge.min_training is None:
        return head + "; all of them, so no boundary inside the swept range."
    if edge.clean:
        return (head + f". The boundary is lr ≈ LSB/2: every cell with lr ≤ "
                f"{edge.max_deadlocked:.3g} × LSB/2 deadlocked and every cell with lr ≥ "
                f"{edge.min_training:.3g} × LSB/2 trained.")
    return (head + f". The boundary is not sharp: deadlocked cells reach lr = "
            f"{edge.max_deadlocked:.3g} × LSB/2 while cells from lr = "
            f"{edge.min_training:.3g} × LSB/2 up trained.")


def lsb_line(lrs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(lr, bits)`` of the line ``lr = LSB/2``, i.e. ``bits = log2(pi / lr)``."""
    lr = np.geomspace(min(lrs), max(lrs), 200)
    return lr, np.log2(np.pi / lr)
