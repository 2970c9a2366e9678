"""Batched multi-model training equals training each model alone, bit for bit."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from qnn.architectures import Architecture
from qnn.circuits import value_and_grad, value_and_grad_many
from qnn.datasets import load_dataset
from qnn.device import DACConfig, Device, Measurement, Qubit
from qnn.fit import FitResult, TrainingRecipe, fit, fit_many
from qnn.model import Readout


@pytest.fixture(scope="module")
def iris():
    return load_dataset("iris", seed=1, n_qubits=4)


def _models() -> tuple[list[TrainingRecipe], list[Device]]:
    """Every quantizer, several bit widths, a chip with mismatch, schedules and kernels."""
    spec = [
        ("stochastic", 2, {}), ("none", 8, {}), ("deterministic", 3, {}),
        ("stochastic", 6, {}), ("ste", 4, {}), ("deterministic", 9, {}), ("ste", 12, {}),
        ("stochastic", 5, {"temperature": 0.5, "schedule": "linear"}),
        ("stochastic", 5, {"kernel": "boltzmann", "temperature": 0.3}),
        ("stochastic", 4, {"temperature": 0.0}), ("none", 16, {}),
    ]
    recipes = [TrainingRecipe(quantizer=q, epochs=4, **kw) for q, _, kw in spec]
    devices = [Device(angle_dac=DACConfig(bits=b, mismatch_sigma=0.02 if b == 6 else 0.0,
                                          chip_seed=b)) for _, b, _ in spec]
    return recipes, devices


def _same(a: FitResult, b: FitResult) -> None:
    for name in ("theta", "theta0", "initial_theta"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in ("codes", "final_codes"):
        if getattr(a, name) is None:
            assert getattr(b, name) is None
        else:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.epoch == b.epoch
    for name in ("loss_history", "accuracy_history", "val_loss_history",
                 "val_accuracy_history", "final_theta"):
        np.testing.assert_array_equal(getattr(a.history, name), getattr(b.history, name))
    assert a.history.n_steps == b.history.n_steps
    assert a.diagnostics.as_dict() == b.diagnostics.as_dict()


@pytest.mark.parametrize("arch", ["compact", "expressive"])
def test_fit_many_equals_fit_alone(iris, arch: str) -> None:
    recipes, devices = _models()
    kw = dict(n_classes=iris.n_classes, x_val=iris.X_val, y_val=iris.y_val, seed=3)
    together = fit_many(arch, iris.X_train, iris.y_train, recipes=recipes, devices=devices, **kw)
    assert len(together) == len(recipes)
    for recipe, device, batched in zip(recipes, devices, together, strict=True):
        alone = fit(arch, iris.X_train, iris.y_train, recipe=recipe, device=device, **kw)
        assert alone.diagnostics.quantizer == recipe.quantizer
        _same(batched, alone)
        assert batched.evaluate(iris.X_test, iris.y_test) == alone.evaluate(iris.X_test,
                                                                            iris.y_test)


def test_stochastic_models_keep_their_own_streams(iris) -> None:
    """Two identical stochastic models in one pass draw the same numbers, as each would alone."""
    recipe = TrainingRecipe(quantizer="stochastic", epochs=3)
    device = Device(angle_dac=DACConfig(bits=5))
    a, b = fit_many("compact", iris.X_train, iris.y_train, n_classes=3, recipes=[recipe] * 2,
                    devices=[device] * 2, seed=7)
    np.testing.assert_array_equal(a.final_codes, b.final_codes)
    alone = fit("compact", iris.X_train, iris.y_train, n_classes=3, recipe=recipe,
                device=device, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a.final_codes, alone.final_codes)


def test_callbacks_see_each_model(iris) -> None:
    recipes = [TrainingRecipe(epochs=2), TrainingRecipe(quantizer="ste", epochs=2)]
    devices = [Device(angle_dac=DACConfig(bits=6))] * 2
    seen: tuple[list, list] = ([], [])
    results = fit_many("compact", iris.X_train, iris.y_train, n_classes=3, recipes=recipes,
                       devices=devices, seed=0, callbacks=[seen[0].append, seen[1].append])
    assert len(seen[0]) == len(seen[1]) == results[0].history.n_steps
    assert seen[1][-1].store.quantizer == "ste"
    np.testing.assert_array_equal(seen[1][-1].store.codes, results[1].final_codes)
    assert not hasattr(seen[0][-1].store, "codes")  # a float model has no codes
    np.testing.assert_array_equal(seen[0][-1].store.circuit_theta, results[0].history.final_theta)


def test_noisy_training_runs_each_model_on_its_device(iris) -> None:
    recipes = [TrainingRecipe(quantizer=q, epochs=2, noisy_training=True)
               for q in ("deterministic", "stochastic")]
    devices = [Device(angle_dac=DACConfig(bits=b), qubit=Qubit(t1_s=50e-6, t2_s=40e-6),
                      measurement=Measurement(shots=32)) for b in (4, 6)]
    x, y = iris.X_train[:24], iris.y_train[:24]
    together = fit_many("compact", x, y, n_classes=3, recipes=recipes, devices=devices, seed=2)
    for recipe, device, batched in zip(recipes, devices, together, strict=True):
        _same(batched, fit("compact", x, y, n_classes=3, recipe=recipe, device=device, seed=2))


def test_wide_circuit_per_wire_kernel_is_exact() -> None:
    """The per-wire kernel (more qubits than the dense threshold) with a model axis."""
    arch = Architecture("wide", n_qubits=8, n_layers=2, rotations=("y", "z"))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, np.pi, (5, 8))
    y = rng.integers(0, 3, 5)
    theta = rng.uniform(-np.pi, np.pi, (3, arch.n_params))
    fn = functools.partial(Readout(3).loss_and_cotangent, y=y)
    loss, grad = value_and_grad_many(arch, x, theta, fn)
    for m in range(3):
        alone = value_and_grad(arch, x, theta[m], fn)
        assert loss[m] == alone[0]
        np.testing.assert_array_equal(grad[m], alone[1])


def test_bad_batches_are_refused(iris) -> None:
    device = Device(angle_dac=DACConfig(bits=4))
    kw = dict(n_classes=3, seed=0)
    with pytest.raises(ValueError, match="recipes: every model of one pass must share lr"):
        fit_many("compact", iris.X_train, iris.y_train, devices=[device] * 2,
                 recipes=[TrainingRecipe(lr=0.01), TrainingRecipe(lr=0.02)], **kw)
    with pytest.raises(ValueError, match="devices: must hold one Device per recipe"):
        fit_many("compact", iris.X_train, iris.y_train, devices=[device],
                 recipes=[TrainingRecipe()] * 2, **kw)
    with pytest.raises(ValueError, match="recipes: must hold at least one"):
        fit_many("compact", iris.X_train, iris.y_train, devices=[], recipes=[], **kw)
    encoded = Device(angle_dac=DACConfig(bits=4), encoding_dac=DACConfig(bits=5))
    with pytest.raises(ValueError, match="devices: .* share the encoding DAC"):
        fit_many("compact", iris.X_train, iris.y_train, devices=[device, encoded],
                 recipes=[TrainingRecipe(epochs=1)] * 2, **kw)


@pytest.mark.parametrize("quantizer", ["none", "deterministic", "stochastic", "ste"])
def test_the_generic_store_loop_equals_the_batched_one(iris, quantizer: str) -> None:
    # qnn.training.train (any ParameterStore) and the batched loop fit() runs are two
    # loops over the same steps: with the same streams they give the same model.
    from qnn.executor import Executor
    from qnn.fit import training_streams
    from qnn.stores import make_store
    from qnn.training import train

    arch = "compact"
    dac = DACConfig(bits=5, mismatch_sigma=0.02, chip_seed=4)
    recipe = TrainingRecipe(quantizer=quantizer, epochs=4)
    kw = dict(n_classes=iris.n_classes, x_val=iris.X_val, y_val=iris.y_val)
    batched = fit(arch, iris.X_train, iris.y_train, recipe=recipe,
                  device=Device(angle_dac=dac), seed=3, **kw)
    streams = training_streams(3)
    store = make_store(quantizer, dac, seed=streams.rounding,
                       virtual=Architecture("compact", 4, 2, ("y", "z")).virtual_params())
    generic = train(Executor(arch), iris.X_train, iris.y_train, seed=streams.training,
                    store=store, epochs=recipe.epochs, **kw)
    np.testing.assert_array_equal(generic.theta, batched.theta)
    assert generic.epoch == batched.epoch
    np.testing.assert_array_equal(generic.loss_history, batched.history.loss_history)
    np.testing.assert_array_equal(generic.val_loss_history, batched.history.val_loss_history)
