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
