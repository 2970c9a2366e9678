"""Pareto ranks and knee on point sets whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cosim.studies.pareto import _ranks_general, dominates, knee_index, pareto_ranks

MAX_MIN = (True, False)  # maximize accuracy, minimize power


def test_known_fronts_and_ranks() -> None:
    # (accuracy, power): A and B trade off; C is dominated by B; D by C; E duplicates A.
    pts = np.array([[0.9, 3.0], [0.8, 1.0], [0.7, 2.0], [0.6, 2.5], [0.9, 3.0]])
    assert pareto_ranks(pts, MAX_MIN).tolist() == [0, 0, 1, 2, 0]


def test_equal_in_one_objective_is_dominated() -> None:
    pts = np.array([[0.9, 1.0], [0.9, 2.0], [0.8, 1.0]])
    assert pareto_ranks(pts, MAX_MIN).tolist() == [0, 1, 1]


def test_a_chain_has_one_point_per_rank() -> None:
    n = 6
    pts = np.column_stack([np.linspace(1, 0, n), np.linspace(0, 1, n)])
    assert pareto_ranks(pts, MAX_MIN).tolist() == list(range(n))


def test_three_objectives() -> None:
    pts = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 1, 0]])
    ranks = pareto_ranks(pts, (False, False, False))
    assert ranks.tolist() == [2, 0, 1, 1]


def test_empty_and_bad_input() -> None:
    assert pareto_ranks(np.zeros((0, 2)), MAX_MIN).tolist() == []
    with pytest.raises(ValueError, match="maximize"):
        pareto_ranks(np.zeros((3, 2)), (True,))
    with pytest.raises(ValueError, match="finite"):
        pareto_ranks(np.array([[np.nan, 1.0]]), MAX_MIN)


_points = arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)),
                 elements=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 0.3, 0.9]))


@settings(max_examples=200, deadline=None)
@given(_points, st.tuples(st.booleans(), st.booleans()))
def test_front_is_exactly_the_non_dominated_set(pts: np.ndarray, maximize: tuple) -> None:
    ranks = pareto_ranks(pts, maximize)
    f = np.where(np.array(maximize), -pts, pts)
    for i in range(len(f)):
        dominated = any(dominates(f[j], f[i]) for j in range(len(f)))
        assert dominated == (ranks[i] > 0)
        if ranks[i] > 0:  # something one rank better dominates it, nothing as good does
            assert any(dominates(f[j], f[i]) for j in np.flatnonzero(ranks == ranks[i] - 1))
        assert not any(dominates(f[j], f[i]) for j in np.flatnonzero(ranks >= ranks[i]))


@settings(max_examples=100, deadline=None)
@given(_points)
def test_two_objective_sweep_matches_the_general_sort(pts: np.ndarray) -> None:
    assert pareto_ranks(pts, MAX_MIN).tolist() == _ranks_general(
        np.where(np.array(MAX_MIN), -pts, pts)).tolist()


def test_knee_of_a_bent_front() -> None:
    # A convex trade-off: the middle point bulges towards (high accuracy, low power).
    pts = np.array([[0.50, 1.0], [0.90, 2.0], [0.95, 6.0], [0.97, 10.0], [0.4, 5.0]])
    assert knee_index(pts, MAX_MIN) == 1


def test_no_knee_on_a_straight_or_short_front() -> None:
    line = np.array([[0.5, 1.0], [0.7, 2.0], [0.9, 3.0]])
    assert knee_index(line, MAX_MIN) is None
    assert knee_index(line[:2], MAX_MIN) is None
    concave = np.array([[0.5, 1.0], [0.6, 2.5], [0.9, 3.0]])
    assert knee_index(concave, MAX_MIN) is None


def test_hypervolume_of_point_sets_with_known_volume() -> None:
    from cosim.studies.pareto import hypervolume

    # One point: the box to the reference.
    assert hypervolume([[1.0, 2.0]], (False, False), (3.0, 5.0)) == pytest.approx(6.0)
    # A staircase of three points, minimise both, reference (4, 4):
    # (1,3), (2,2), (3,1) -> 3*1 + 2*1 + 1*1 = 6; a dominated point and one
    # beyond the reference change nothing.
    stairs = [[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]]
    assert hypervolume(stairs, (False, False), (4, 4)) == pytest.approx(6.0)
    # Maximising is the mirror image.
    mirrored = [[-a, b] for a, b in stairs]
    assert hypervolume(mirrored, (True, False), (-4, 4)) == pytest.approx(6.0)
    assert hypervolume(np.zeros((0, 2)), (False, False), (1, 1)) == 0.0
    # Three objectives: two boxes [0,2]x[0,1]x[0,1] and [0,1]x[0,2]x[0,1]
    # with reference (2, 2, 1) from points (0,1,0) and (1,0,0): union 2+2-1 = 3.
    assert hypervolume([[0, 1, 0], [1, 0, 0]], (False,) * 3, (2, 2, 1)) == pytest.approx(3.0)
    # Against Monte Carlo on a random 3-D set.
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 1, (12, 3))
    samples = rng.uniform(0, 1, (200_000, 3))
    covered = np.any(np.all(pts[None, :, :] <= samples[:, None, :], axis=2), axis=1)
    assert hypervolume(pts, (False,) * 3, (1, 1, 1)) == pytest.approx(covered.mean(), abs=5e-3)
