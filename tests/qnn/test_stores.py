"""Parameter stores: the rounding deadlock, unbiased stochastic updates, STE, diagnostics."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnn.device import DACConfig
from qnn.quantization import (
    DEADLOCK_RATIO,
    QUANTIZERS,
    AngleGrid,
    DeterministicStore,
    STEStore,
    StochasticStore,
    TemperatureSchedule,
    UnquantizedStore,
    make_store,
    temperature_at,
)

SEEDS = (0, 1, 2)


def _run(store, theta0: np.ndarray, steps: np.ndarray, n_epochs: int = 1) -> list[np.ndarray]:
    """Feed ``steps`` (n_steps, n_params) to ``store``; return the codes after each step."""
    store.init(theta0)
    per_epoch = -(-len(steps) // n_epochs)
    history = []
    for i, step in enumerate(steps):
        if i % per_epoch == 0:
            store.begin_epoch(i // per_epoch, n_epochs)
        store.apply(step)
        history.append(store.codes)
    return history


@pytest.mark.parametrize("seed", SEEDS)
def test_sub_half_lsb_steps_deadlock_the_deterministic_store(seed: int) -> None:
    rng = np.random.default_rng(seed)
    bits, n_params, n_steps = 6, 16, 300
    lsb = 2 * np.pi / 2**bits
    theta0 = rng.uniform(0, 2 * np.pi, n_params)
    # Random signs and sizes, all strictly below half an LSB.
    steps = rng.uniform(-0.499, 0.499, (n_steps, n_params)) * lsb
    store = make_store("deterministic", bits)
    store.init(theta0)
    start = store.codes
    history = _run(store, theta0, steps)
    assert all(np.array_equal(c, start) for c in history)
    d = store.diagnostics()
    assert d.updates_applied_fraction == 0.0
    assert d.displacement_ratio == 0.0
    assert d.fraction_below_half_lsb == 1.0
    assert d.deadlocked
    assert d.codes_changed_per_epoch == (0,)


@pytest.mark.parametrize("seed", SEEDS)
def test_stochastic_store_moves_by_the_proposed_step_on_average(seed: int) -> None:
    bits, n_params, n_steps, s = 6, 32, 200, 0.2  # s: step in LSB
    lsb = 2 * np.pi / 2**bits
    theta0 = np.random.default_rng(seed).uniform(0, 2 * np.pi, n_params)
    steps = np.full((n_steps, n_params), s * lsb)
    store = make_store("stochastic", bits, temperature=1.0, seed=seed)
    history = _run(store, theta0, steps)
    # Every update starts on the grid, so it moves one code down with
    # probability exactly s and never up.
    before = [store.grid.to_code(theta0)] + history[:-1]
    for b, a in zip(before, history, strict=True):
        assert set(np.unique((a - b) % 2**bits)) <= {0, 2**bits - 1}
    d = store.diagnostics()
    n = n_steps * n_params
    sigma = math.sqrt(s * (1 - s) / n)
    assert abs(d.updates_applied_fraction - s) < 3 * sigma
    assert abs(d.displacement_ratio - 1.0) < 3 * sigma / s
    assert not d.deadlocked


def test_same_seed_same_run_and_seeds_differ() -> None:
    theta0 = np.linspace(0.1, 6.0, 24)
    steps = np.full((50, 24), 0.01)
    a = _run(make_store("stochastic", 8, seed=7), theta0, steps)
    b = _run(make_store("stochastic", 8, seed=7), theta0, steps)
    c = _run(make_store("stochastic", 8, seed=8), theta0, steps)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_ste_latent_moves_while_codes_change_only_at_boundaries() -> None:
    grid = AngleGrid(5)
    lsb = grid.lsb_rad
    theta0 = np.array([10 * lsb])  # on the grid: code 10
    step = np.array([0.13 * lsb])
    ste = STEStore(grid)
    ste.init(theta0)
    changed_at, latents = [], []
    for k in range(1, 31):
        before = ste.codes
        ste.apply(step)
        latents.append(ste.latent[0])
        if not np.array_equal(ste.codes, before):
            changed_at.append(k)
    # The latent is exactly theta0 - k * step ...
    np.testing.assert_allclose(latents, theta0[0] - np.arange(1, 31) * step[0], rtol=1e-12)
    # ... and the code drops by one when it crosses (10 - j - 1/2) LSB, i.e. at
    # the first k with 0.13 k > j + 1/2: k = 4, 12, 20, 27.
    assert changed_at == [4, 12, 20, 27]
    assert ste.codes[0] == 10 - 4
    np.testing.assert_allclose(ste.circuit_theta, ste.codes * lsb)
    # The deterministic store erases the same 0.13-LSB steps entirely.
    det = DeterministicStore(grid)
    det.init(theta0)
    for _ in range(30):
        det.apply(step)
    assert det.codes[0] == 10 and det.diagnostics().deadlocked


def test_unquantized_store_is_plain_float_descent() -> None:
    theta0 = np.array([0.3, -1.0, 7.5])
    steps = np.random.default_rng(0).normal(0, 0.01, (20, 3))
    store = make_store("none", math.inf)
    store.init(theta0)
    for step in steps:
        store.apply(step)
    np.testing.assert_allclose(store.circuit_theta, theta0 - steps.sum(axis=0), rtol=1e-13)
    d = store.diagnostics()
    assert d.updates_applied_fraction == 1.0 and not d.deadlocked
    assert d.final_temperature is None and d.step_lsb_counts == ()
    # With a deployment resolution, steps are also expressed in its LSB.
    s6 = make_store("none", 6)
    s6.init(theta0)
    s6.apply(np.array([0.01, 0.0, 1.0]))
    d6 = s6.diagnostics()
    assert sum(d6.step_lsb_counts) == 2  # the zero step is not a proposed update
    assert d6.fraction_below_half_lsb == 0.5
    assert d6.updates_applied_fraction == 1.0


@pytest.mark.parametrize("kind", ["linear", "exp", "cosine"])
def test_stochastic_store_follows_its_temperature_schedule(kind: str) -> None:
    n_epochs = 5
    store = make_store("stochastic", 7, temperature=2.0, schedule=kind, t_final=0.1)
    _run(store, np.zeros(4), np.full((10, 4), 0.01), n_epochs=n_epochs)
    d = store.diagnostics()
    expected = [temperature_at(kind, 2.0, e, n_epochs, t_final=0.1) for e in range(n_epochs)]
    np.testing.assert_allclose(d.temperature_per_epoch, expected)
    assert d.final_temperature == pytest.approx(0.1)
    assert len(d.codes_changed_per_epoch) == n_epochs
    assert sum(d.codes_changed_per_epoch) == round(d.updates_applied_fraction * 40)


def test_cold_stochastic_store_deadlocks_like_the_deterministic_one() -> None:
    # At T -> 0 the stochastic kernel is nearest rounding: the deadlock returns.
    store = make_store("stochastic", 6, temperature=0.0)
    steps = np.full((100, 8), 0.3 * 2 * np.pi / 64)
    history = _run(store, np.linspace(0, 6, 8), steps)
    assert all(np.array_equal(h, history[0]) for h in history)
    assert store.diagnostics().deadlocked


@settings(deadline=None, max_examples=40)
@given(
    quantizer=st.sampled_from(["deterministic", "stochastic", "ste"]),
    bits=st.integers(min_value=1, max_value=10),
    inl_sigma=st.sampled_from([0.0, 0.02]),
    seed=st.integers(min_value=0, max_value=2**31),
    scale=st.floats(min_value=1e-4, max_value=3.0),
)
def test_store_parameters_always_lie_on_the_realized_grid(
    quantizer: str, bits: int, inl_sigma: float, seed: int, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    dac = DACConfig(bits=bits, mismatch_sigma=inl_sigma, chip_seed=seed)
    store = make_store(quantizer, dac, seed=seed, temperature=1.5, schedule="linear")
    store.init(rng.uniform(-7, 7, 6))
    for epoch in range(3):
        store.begin_epoch(epoch, 3)
        for _ in range(5):
            store.apply(rng.normal(0, scale, 6))
            codes = store.codes
            assert np.all((codes >= 0) & (codes < 2**bits))
            np.testing.assert_array_equal(store.circuit_theta, store.grid.realized_angles[codes])
    d = store.diagnostics()
    assert 0.0 <= d.updates_applied_fraction <= 1.0
    assert d.deadlocked == (d.displacement_ratio <= DEADLOCK_RATIO)


def test_boltzmann_store_kernel() -> None:
    grid = AngleGrid(6)
    store = StochasticStore(grid, schedule=TemperatureSchedule(t0=1.0), kernel="boltzmann",
                            neighbours=2, seed=0)
    history = _run(store, np.linspace(0, 6, 10), np.zeros((20, 10)))
    # Zero steps: Boltzmann still moves codes (it is noise injection, not rounding).
    assert any(not np.array_equal(h, history[0]) for h in history)
    d = store.diagnostics()
    assert sum(d.codes_changed_per_epoch) > 0
    # No update was proposed, so the applied fraction is undefined and no deadlock is declared.
    assert math.isnan(d.updates_applied_fraction) and not d.deadlocked


def test_stores_satisfy_the_training_protocol() -> None:
    from qnn.training import ParameterStore

    for store in [make_store(q, 8) for q in QUANTIZERS] + [UnquantizedStore()]:
        store.init(np.zeros(3))
        assert isinstance(store, ParameterStore)


def test_training_loop_deadlocks_deterministic_store_at_low_resolution() -> None:
    from qnn.training import train

    rng = np.random.default_rng(0)
    x = rng.uniform(0, np.pi, (16, 4))
    y = (x[:, 0] > np.pi / 2).astype(int)
    results = {}
    for q in ("deterministic", "stochastic"):
        store = make_store(q, 6, seed=1)
        train("compact", x, y, epochs=4, lr=0.01, batch_size=4, store=store, seed=0)
        results[q] = store.diagnostics()
    det, sto = results["deterministic"], results["stochastic"]
    assert det.fraction_below_half_lsb == 1.0  # Adam steps of <~ lr = 0.1 LSB
    assert det.deadlocked and det.updates_applied_fraction == 0.0
    # The proposed steps add up to ~10 LSB, so ~10 code moves are expected
    # (P(no move) ~ e^-10): the stochastic store is not deadlocked.
    assert sum(sto.codes_changed_per_epoch) > 0 and not sto.deadlocked


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_store("x", 8),
         "quantizer: must be one of none, deterministic, stochastic, ste, got 'x'"),
        (lambda: make_store("stochastic", 0), "bits: must be an integer 1..16 or inf, got 0"),
        (lambda: make_store("deterministic", math.inf),
         "bits: must be an integer 1..16 for quantizer 'deterministic', got inf"),
        (lambda: make_store("stochastic", 8, temperature=-1), "temperature: must be >= 0, got -1"),
        (lambda: make_store("stochastic", 8, schedule="x"),
         "schedule: must be one of constant, linear, exp, cosine, got 'x'"),
        (lambda: make_store("stochastic", 8, kernel="x"), "kernel: must be one of tilt, boltzmann"),
        (lambda: make_store("stochastic", 8, seed=-1), "seed: must be a non-negative int seed"),
        (lambda: make_store("ste", DACConfig(bits=8, mismatch_sigma=-1.0)),
         "mismatch_sigma: must be a finite number >= 0"),
        (lambda: DeterministicStore(8), "grid: must be an AngleGrid, got int"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


def test_bad_steps_and_epochs_are_rejected() -> None:
    store = make_store("deterministic", 8)
    with pytest.raises(RuntimeError, match="init"):
        store.apply(np.zeros(3))
    store.init(np.zeros(3))
    with pytest.raises(ValueError, match=re.escape("step: must have shape (3,), got (2,)")):
        store.apply(np.zeros(2))
    with pytest.raises(ValueError, match="^step: must be finite"):
        store.apply(np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="^epoch: must be an integer 0..4, got 5"):
        store.begin_epoch(5, 5)
    with pytest.raises(ValueError, match="^theta0: must be finite"):
        store.init(np.array([np.inf]))


@pytest.mark.parametrize("quantizer", ["deterministic", "stochastic", "ste"])
def test_virtual_rz_parameters_see_the_phase_register_not_the_chip(quantizer: str) -> None:
    # RZ is a frame update of a phase register: the DAC's unit-element mismatch must not
    # reach it, while RY (a pulse) plays the chip's level.
    from qnn.architectures import PRESETS

    arch = PRESETS["compact"]
    virtual = np.array(arch.virtual_params())
    assert virtual.tolist() == [False, True] * 8  # (RY, RZ) on every wire and layer
    dac = DACConfig(bits=5, mismatch_sigma=0.05, chip_seed=3)
    store = make_store(quantizer, dac, seed=0, virtual=virtual)
    store.init(np.random.default_rng(1).uniform(-np.pi, np.pi, arch.n_params))
    nominal = store.codes * (2 * np.pi / 32)
    np.testing.assert_array_equal(store.circuit_theta[virtual], nominal[virtual])
    assert np.max(np.abs(store.circuit_theta[~virtual] - nominal[~virtual])) > 1e-4
