"""Temperature schedules: endpoints, analytic midpoints, monotonicity, validation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnn.schedules import SCHEDULES, TemperatureSchedule, default_t_final, temperature_at

temps = st.floats(min_value=1e-3, max_value=10.0)
epochs = st.integers(min_value=2, max_value=60)


@settings(deadline=None)
@given(kind=st.sampled_from(SCHEDULES), t0=temps, t1=temps, n=epochs)
def test_schedules_hit_their_endpoints(kind: str, t0: float, t1: float, n: int) -> None:
    first = temperature_at(kind, t0, 0, n, t_final=t1)
    last = temperature_at(kind, t0, n - 1, n, t_final=t1)
    assert first == pytest.approx(t0, rel=1e-12)
    assert last == pytest.approx(t0 if kind == "constant" else t1, rel=1e-12)


@settings(deadline=None)
@given(kind=st.sampled_from(("linear", "exp", "cosine")), t0=temps, t1=temps, n=epochs)
def test_annealing_schedules_are_monotone(kind: str, t0: float, t1: float, n: int) -> None:
    ts = np.array([temperature_at(kind, t0, e, n, t_final=t1) for e in range(n)])
    steps = np.diff(ts) * np.sign(t1 - t0)  # positive in the direction of t_final
    assert np.all(steps >= -1e-12 * max(t0, t1))
    assert np.all((ts >= min(t0, t1) * (1 - 1e-12)) & (ts <= max(t0, t1) * (1 + 1e-12)))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("constant", 4.0),
        ("linear", 2.5),  # arithmetic mean
        ("exp", 2.0),  # geometric mean
        ("cosine", 2.5),  # cos(pi/2) = 0: halfway
    ],
)
def test_midpoints_match_closed_forms(kind: str, expected: float) -> None:
    assert temperature_at(kind, 4.0, 5, 11, t_final=1.0) == pytest.approx(expected, rel=1e-12)


def test_cosine_quarter_point() -> None:
    # s = 1/4: T = t1 + (t0 - t1) (1 + cos(pi/4)) / 2
    expected = 0.0 + 1.0 * (1 + math.cos(math.pi / 4)) / 2
    assert temperature_at("cosine", 1.0, 1, 5, t_final=0.0) == pytest.approx(expected)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_single_epoch_runs_at_t0(kind: str) -> None:
    assert temperature_at(kind, 0.7, 0, 1, t_final=0.1) == 0.7


def test_default_end_temperatures() -> None:
    assert default_t_final("constant", 2.0) == 2.0
    assert default_t_final("linear", 2.0) == 0.0
    assert default_t_final("cosine", 2.0) == 0.0
    assert default_t_final("exp", 2.0) == pytest.approx(0.02)
    sched = TemperatureSchedule(kind="linear", t0=2.0)
    assert sched(9, 10) == 0.0 and sched.end == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "x"}, "schedule: must be one of constant, linear, exp, cosine, got 'x'"),
        ({"t0": -1}, "t0: must be >= 0, got -1"),
        ({"t0": math.nan}, "t0: must be a finite number"),
        ({"t_final": -0.5}, "t_final: must be >= 0, got -0.5"),
        ({"schedule": "exp", "t0": 0.0}, "t0: must be > 0 for the exp schedule"),
        ({"schedule": "exp", "t_final": 0.0}, "t_final: must be > 0 for the exp schedule"),
        ({"epoch": 10}, "epoch: must be an integer 0..9, got 10"),
        ({"epoch": -1}, "epoch: must be an integer 0..9, got -1"),
        ({"n_epochs": 0, "epoch": 0}, "n_epochs: must be an integer >= 1, got 0"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict, message: str) -> None:
    args = {"schedule": "linear", "t0": 1.0, "epoch": 0, "n_epochs": 10, "t_final": None}
    args.update(kwargs)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        temperature_at(
            args["schedule"], args["t0"], args["epoch"], args["n_epochs"], t_final=args["t_final"]
        )
