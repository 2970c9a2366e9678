"""The training loop and its ParameterStore hook."""

from __future__ import annotations

import numpy as np
import pytest

from qnn.circuits import expectation_z
from qnn.executor import Executor
from qnn.model import Readout, loss_and_grad
from qnn.optim import Adam
from qnn.stores import UnquantizedStore
from qnn.training import ParameterStore, StepInfo, TrainResult, train


class GridStore:
    """A store whose circuit sees a float shadow rounded to a coarse grid; records every call."""

    def __init__(self, lsb: float) -> None:
        self.lsb = lsb
        self.epochs: list[tuple[int, int]] = []
        self.steps: list[np.ndarray] = []
        self.seen: list[np.ndarray] = []

    def init(self, theta0: np.ndarray) -> None:
        self.shadow = np.array(theta0, dtype=float)

    @property
    def circuit_theta(self) -> np.ndarray:
        return np.rint(self.shadow / self.lsb) * self.lsb

    def begin_epoch(self, epoch: int, n_epochs: int) -> None:
        self.epochs.append((epoch, n_epochs))

    def apply(self, step: np.ndarray) -> None:
        self.seen.append(self.circuit_theta.copy())
        self.steps.append(np.array(step))
        self.shadow = self.shadow - step


def teacher_task(seed: int, n: int = 120, n_classes: int = 2):
    """Labels produced by a random compact QNN: learnable by construction."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, np.pi, (n, 4))
    teacher = rng.uniform(-np.pi, np.pi, 16)
    y = np.argmax(Readout(n_classes).proba(expectation_z("compact", x, teacher)), axis=1)
    return x, y


def test_float_store_subtracts_steps() -> None:
    store = UnquantizedStore()
    store.init(np.array([1.0, 2.0]))
    assert isinstance(store, ParameterStore)
    store.begin_epoch(0, 1)
    store.apply(np.array([0.5, -1.0]))
    np.testing.assert_allclose(store.circuit_theta, [0.5, 3.0])


def test_store_protocol_is_followed_exactly() -> None:
    x, y = teacher_task(0, n=40)
    store = GridStore(lsb=2 * np.pi / 64)
    infos: list[StepInfo] = []
    epochs = 3
    # Full batches: every gradient can be recomputed independently of the shuffle.
    result = train("compact", x, y, epochs=epochs, batch_size=64, lr=0.1, seed=1, store=store,
                   callback=infos.append)
    assert isinstance(store, ParameterStore)
    assert store.epochs == [(e, epochs) for e in range(epochs)]
    assert len(store.steps) == result.n_steps == epochs
    adam = Adam(0.1)
    for info, theta_seen, step in zip(infos, store.seen, store.steps, strict=True):
        loss, grad = loss_and_grad("compact", x, y, theta_seen, Readout(2))
        # The gradient is taken at the angles the circuit sees (on the grid)...
        np.testing.assert_allclose(info.grad, grad, atol=1e-12)
        assert info.loss == pytest.approx(loss, abs=1e-12)
        # ...and the store receives exactly the optimizer's proposed decrement.
        np.testing.assert_allclose(step, adam.step(info.grad), rtol=1e-15)
        np.testing.assert_allclose(info.update, step)
    np.testing.assert_allclose(result.theta, store.circuit_theta)


def test_callback_sees_every_step() -> None:
    x, y = teacher_task(1, n=50)
    infos: list[StepInfo] = []
    result = train("compact", x, y, epochs=2, batch_size=16, seed=0, callback=infos.append)
    assert [(i.epoch, i.batch, i.step) for i in infos] == [
        (e, b, 4 * e + b) for e in range(2) for b in range(4)
    ]
    assert all(i.n_batches == 4 for i in infos)
    assert result.n_steps == 8


@pytest.mark.parametrize("seed", [0, 1])
def test_learns_a_teacher_circuit(seed: int) -> None:
    x, y = teacher_task(seed)
    x_val, y_val = teacher_task(seed + 100, n=40)
    result = train("compact", x, y, x_val=x_val, y_val=y_val, epochs=40, seed=seed)
    assert isinstance(result, TrainResult)
    assert result.loss_history.shape == result.val_loss_history.shape == (40,)
    assert result.loss_history[-1] < 0.6 * result.loss_history[0]
    assert result.accuracy_history[-1] >= 0.9


def test_multiclass_and_sgd_reduce_the_loss() -> None:
    x, y = teacher_task(3, n=90, n_classes=3)
    result = train("compact", x, y, n_classes=3, epochs=30, optimizer="sgd", lr=0.5, seed=0)
    assert result.loss_history[-1] < result.loss_history[0]
    assert result.val_loss_history.size == 0


def test_same_seed_same_result_and_seeds_matter() -> None:
    x, y = teacher_task(2, n=60)
    a = train("compact", x, y, epochs=3, seed=7)
    b = train("compact", x, y, epochs=3, seed=7)
    c = train("compact", x, y, epochs=3, seed=8)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.loss_history, b.loss_history)
    assert not np.allclose(a.theta, c.theta)
    gen = train("compact", x, y, epochs=3, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(gen.theta, a.theta)


def test_theta0_is_respected() -> None:
    x, y = teacher_task(4, n=20)
    theta0 = np.linspace(-1, 1, 16)
    seen = []
    train("compact", x, y, epochs=1, batch_size=32, theta0=theta0, callback=seen.append,
          store=GridStore(lsb=1e-9))
    loss, _ = loss_and_grad("compact", x, y, theta0, Readout(2))
    assert seen[0].loss == pytest.approx(loss, abs=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lr": -0.1}, "lr"),
        ({"y": np.full(10, -1)}, "y"),
        ({"x": np.zeros((10, 3))}, "x"),
        ({"theta0": np.zeros(3)}, "theta0"),
        ({"n_classes": 5}, "n_classes"),
        ({"select": "best"}, "select"),
    ],
)
def test_bad_arguments_name_themselves(kwargs: dict, name: str) -> None:
    args = {"x": np.zeros((10, 4)), "y": np.arange(10) % 2} | kwargs
    x, y = args.pop("x"), args.pop("y")
    with pytest.raises(ValueError, match=f"^{name}: "):
        train("compact", x, y, **args)


def test_best_loss_returns_the_epoch_with_the_lowest_pooled_loss() -> None:
    x, y = teacher_task(5, n=80)
    x_val, y_val = teacher_task(5, n=40)  # same teacher: the same task
    best = train("compact", x, y, x_val=x_val, y_val=y_val, epochs=12, lr=0.05, seed=3)
    last = train("compact", x, y, x_val=x_val, y_val=y_val, epochs=12, lr=0.05, seed=3,
                 select="last")
    # Mean losses weighted by set size: the mean over all 120 samples.
    pooled = (80 * best.loss_history + 40 * best.val_loss_history) / 120
    assert best.epoch == int(np.argmin(pooled))
    assert best.epoch < 11  # the rule picked an earlier epoch than "last" would
    # The returned angles are that epoch's: they reproduce its pooled loss.
    both_x, both_y = np.vstack([x, x_val]), np.concatenate([y, y_val])
    loss, _ = Executor("compact").evaluate(both_x, both_y, best.theta, Readout(2))
    assert loss == pytest.approx(pooled[best.epoch], abs=1e-12)
    # Selection only picks: the run itself is the same.
    np.testing.assert_array_equal(best.final_theta, last.theta)
    np.testing.assert_array_equal(best.loss_history, last.loss_history)
    assert last.epoch == 11


def test_best_loss_without_validation_data_uses_the_training_loss() -> None:
    x, y = teacher_task(6, n=40)
    # lr 0.5 overshoots: the loss is not monotone, so the pick is not simply the last epoch.
    result = train("compact", x, y, epochs=6, lr=0.5, seed=0)
    assert result.epoch == int(np.argmin(result.loss_history))
    assert result.epoch < 5
    loss, _ = Executor("compact").evaluate(x, y, result.theta, Readout(2))
    assert loss == pytest.approx(result.loss_history.min(), abs=1e-12)


def test_best_loss_ties_go_to_the_earliest_epoch() -> None:
    # A store that ignores every update: all epochs are the same model.
    class Frozen(UnquantizedStore):
        def apply(self, step: np.ndarray) -> None:
            pass

    x, y = teacher_task(7, n=40)
    result = train("compact", x, y, x_val=x, y_val=y, epochs=4, seed=0, store=Frozen())
    assert result.epoch == 0


def test_best_val_returns_the_epoch_with_the_best_validation_accuracy() -> None:
    x, y = teacher_task(5, n=80)
    x_val, y_val = teacher_task(5, n=40)
    best = train("compact", x, y, x_val=x_val, y_val=y_val, epochs=12, lr=0.05, seed=3,
                 select="best_val")
    acc, loss = best.val_accuracy_history, best.val_loss_history
    assert acc[best.epoch] == acc.max()
    tied = np.flatnonzero(acc == acc.max())
    assert best.epoch == tied[np.argmin(loss[tied])]  # ties go to the lower loss
    val_loss, val_acc = Executor("compact").evaluate(x_val, y_val, best.theta, Readout(2))
    assert (val_loss, val_acc) == pytest.approx((loss[best.epoch], acc[best.epoch]), abs=1e-12)


def test_best_val_without_validation_data_returns_the_last_epoch() -> None:
    x, y = teacher_task(6, n=40)
    result = train("compact", x, y, epochs=3, seed=0, select="best_val")
    assert result.epoch == 2
    np.testing.assert_array_equal(result.theta, result.final_theta)


def test_losses_equal_up_to_rounding_select_the_earliest_epoch() -> None:
    """Codes that differ only in parameters the readout cannot see give one loss up to
    rounding; the earliest of them is chosen, whatever the last bit says."""
    from qnn.training import SELECT_LOSS_TOLERANCE, _selected_epoch

    def history(loss, val_loss, val_acc):
        return {"loss": loss, "val_loss": val_loss, "val_acc": val_acc}

    noise = 1e-15
    h = history([0.5, 0.3, 0.3 - noise, 0.4], [0.5, 0.3, 0.3 - noise, 0.4], [0.5, 0.8, 0.8, 0.7])
    assert _selected_epoch(h, "best_loss", n_train=100, n_val=30) == 1
    assert _selected_epoch(h, "best_val", n_train=100, n_val=30) == 1
    # A real difference still wins.
    lower = 0.3 - 1e3 * SELECT_LOSS_TOLERANCE
    h = history([0.5, 0.3, lower, 0.4], [0.5, 0.3, lower, 0.4], [0.5, 0.8, 0.8, 0.7])
    assert _selected_epoch(h, "best_loss", n_train=100, n_val=30) == 2
    assert _selected_epoch(h, "best_val", n_train=100, n_val=30) == 2
    # Accuracy first under best_val: a lower loss at a worse accuracy does not win.
    h = history([0.5, 0.3, 0.1, 0.4], [0.5, 0.3, 0.1, 0.4], [0.5, 0.8, 0.7, 0.7])
    assert _selected_epoch(h, "best_val", n_train=100, n_val=30) == 1
    assert _selected_epoch(h, "best_loss", n_train=100, n_val=30) == 2
