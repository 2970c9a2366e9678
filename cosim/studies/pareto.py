"""Pareto ranks by non-dominated sorting, and the knee of a front.

Point ``a`` dominates ``b`` when ``a`` is no worse in every objective and
strictly better in at least one. Rank 0 is the set of points no other point
dominates (the Pareto front); rank ``r`` is the front of what is left after
removing ranks ``0..r-1``. Identical points share a rank.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np


def _as_minimization(objectives: np.ndarray, maximize: Sequence[bool]) -> np.ndarray:
    f = np.asarray(objectives, dtype=float)
    if f.ndim != 2:
        raise ValueError(f"objectives: must have shape (n_points, n_objectives), got {f.shape}")
    if len(maximize) != f.shape[1]:
        raise ValueError(f"maximize: must have one flag per objective ({f.shape[1]}), "
                         f"got {len(maximize)}")
    if not np.all(np.isfinite(f)):
        raise ValueError("objectives: must be finite numbers")
    return np.where(np.asarray(maximize, dtype=bool), -f, f)


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` dominates ``b``, both in minimization form."""
    return bool(np.all(a <= b) and np.any(a < b))


def _ranks_2d(f: np.ndarray) -> np.ndarray:
    # Sweep in lexicographic order of (f0, f1). Every earlier point has
    # f0 <= ours, so it dominates us iff its f1 is lower, or equal while the
    # point differs. best_f1[r] = least f1 in rank r; it grows with r, so the
    # first rank not dominating a point is found by bisection.
    order = np.lexsort((f[:, 1], f[:, 0]))
    ranks = np.empty(len(f), dtype=int)
    best_f1: list[float] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and np.array_equal(f[order[j + 1]], f[order[i]]):
            j += 1
        f1 = f[order[i], 1]
        rank = bisect.bisect_right(best_f1, f1)
        if rank == len(best_f1):
            best_f1.append(f1)
        else:
            best_f1[rank] = f1
        ranks[order[i : j + 1]] = rank
        i = j + 1
    return ranks


def _ranks_general(f: np.ndarray) -> np.ndarray:
    # Deb's fast non-dominated sort on the full dominance matrix: O(m n^2).
    le = np.all(f[:, None, :] <= f[None, :, :], axis=2)
    lt = np.any(f[:, None, :] < f[None, :, :], axis=2)
    dom = le & lt  # dom[i, j]: i dominates j
    count = dom.sum(axis=0)
    ranks = np.full(len(f), -1, dtype=int)
    current = np.flatnonzero(count == 0)
    rank = 0
    while current.size:
        ranks[current] = rank
        count = count - dom[current].sum(axis=0)
        count[ranks >= 0] = -1
        current = np.flatnonzero(count == 0)
        rank += 1
    return ranks


def pareto_ranks(objectives: np.ndarray, maximize: Sequence[bool]) -> np.ndarray:
    """Non-dominated rank of every point (0 = on the Pareto front).

    Parameters
    ----------
    objectives : array_like of shape (n_points, n_objectives)
        Finite objective values.
    maximize : sequence of bool
        Per objective: True to maximize, False to minimize.

    Returns
    -------
    ndarray of int, shape (n_points,)

    Notes
    -----
    Two objectives take an O(n log n) sweep; more take Deb's O(m n^2)
    dominance-matrix sort.
    """
    f = _as_minimization(objectives, maximize)
    if len(f) == 0:
        return np.zeros(0, dtype=int)
    return _ranks_2d(f) if f.shape[1] == 2 else _ranks_general(f)


def knee_index(objectives: np.ndarray, maximize: Sequence[bool]) -> int | None:
    """Index of the knee of a two-objective front, or None when it has none.

    Each objective is scaled to [0, 1] over the front (1 = best). The knee is
    the front point farthest from the straight line joining the front's two
    extremes, on the side of the ideal point (1, 1): the point where giving up
    a little of one objective buys the most of the other.

    Parameters
    ----------
    objectives : array_like of shape (n_points, 2)
        Objective values of the front points (other points are ignored by
        taking the front first).
    maximize : sequence of two bool

    Returns
    -------
    int or None
        Index into ``objectives``; None for fewer than three distinct front
        points or a front that is straight or bends away from the ideal point.
    """
    f = _as_minimization(objectives, maximize)
    if f.shape[1] != 2:
        raise ValueError(f"objectives: a knee needs exactly 2 objectives, got {f.shape[1]}")
    front = np.flatnonzero(pareto_ranks(objectives, maximize) == 0)
    distinct = np.unique(f[front], axis=0)
    if len(distinct) < 3:
        return None
    lo, hi = distinct.min(axis=0), distinct.max(axis=0)
    g = (hi - f[front]) / (hi - lo)  # scaled goodness: 1 = best in that objective
    a = g[np.argmax(g[:, 0])]  # best in objective 0 (worst in 1 on a front)
    b = g[np.argmax(g[:, 1])]
    direction = (b - a) / np.linalg.norm(b - a)
    normal = np.array([direction[1], -direction[0]])
    if normal @ (np.ones(2) - a) < 0:  # point the normal towards the ideal (1, 1)
        normal = -normal
    distance = (g - a) @ normal
    best = int(np.argmax(distance))
    return int(front[best]) if distance[best] > 1e-12 else None


def _hv_min(f: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of minimization points ``f`` (all strictly below ``ref``)."""
    if len(f) == 0:
        return 0.0
    if f.shape[1] == 1:
        return float(ref[0] - f[:, 0].min())
    if f.shape[1] == 2:
        # Sweep by the first objective; each point adds the strip its f1 improves.
        order = np.lexsort((f[:, 1], f[:, 0]))
        volume, best_f1 = 0.0, ref[1]
        for i in order:
            if f[i, 1] < best_f1:
                volume += (ref[0] - f[i, 0]) * (best_f1 - f[i, 1])
                best_f1 = f[i, 1]
        return float(volume)
    # Slice along the last objective (HSO): between consecutive levels, the
    # cross-section is the hypervolume of the points below the slice.
    order = np.argsort(f[:, -1])
    levels = np.append(f[order, -1], ref[-1])
    volume = 0.0
    for k in range(len(order)):
        depth = levels[k + 1] - levels[k]
        if depth > 0:
            volume += depth * _hv_min(f[order[: k + 1], :-1], ref[:-1])
    return float(volume)


def hypervolume(objectives: np.ndarray, maximize: Sequence[bool],
                reference: Sequence[float]) -> float:
    """Volume of objective space dominated by the points and bounded by ``reference``.

    Parameters
    ----------
    objectives : array_like of shape (n_points, n_objectives)
        Finite objective values.
    maximize : sequence of bool
        Per objective: True to maximize, False to minimize.
    reference : sequence of float
        The reference point: worse than every point that should count in
        every objective. Points not strictly better than it in every
        objective add nothing.

    Returns
    -------
    float
        In the product of the objectives' units; 0 for no counting point.

    Notes
    -----
    Two objectives take an O(n log n) sweep; more take recursive slicing
    along the last objective (exact, O(n^(m-1) log n)), meant for the few
    hundred designs of a search.
    """
    f = _as_minimization(np.reshape(np.asarray(objectives, dtype=float),
                                    (-1, len(maximize))), maximize)
    ref = _as_minimization(np.asarray([reference], dtype=float), maximize)[0]
    keep = np.all(f < ref, axis=1)
    return _hv_min(f[keep], ref)
