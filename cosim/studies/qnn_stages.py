"""Study stages of the QNN workload: quantized training and post-training quantization.

Each stage is ``stage(config, shared) -> metrics`` (see
:mod:`cosim.studies.evaluate`). With stage gateset run first, both also report
accuracy on the compiled pulse-level gates.

A point trains exactly as ``cosim train --seed <workload.seeds>`` does: the
seed draws the split, the initial angles and the shuffles, and a stream
spawned from it drives the stochastic rounding
(:func:`qnn.classifier.hardware_seeds`). Validation data are passed, so the
``workload.select`` rule sees them.

Memoised, per process: the float model depends only on the workload's
training keys and seed, never on the DAC, so stage ptq and stage train with
``quantizer: none`` share one training per (dataset, arch, seed, training
keys) however many bit widths and quantizers a study sweeps. Datasets are
memoised the same way. Both caches hold pure functions of their arguments,
so a point's metrics do not depend on which points its worker ran before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosim.studies.hardware_stages import Config, Metrics, unary_msbs

# Largest DAC resolution the schema allows; the float model counts its steps
# against half an LSB at every width up to it.
_MAX_BITS = 16
# Float models are a few hundred bytes; 256 covers every (dataset, arch,
# seed, lr) of the shipped studies in one worker.
_CACHE_SIZE = 256


@functools.lru_cache(maxsize=64)
def _load(name: str, seed: int, n_qubits: int) -> Any:
    from qnn.datasets import load_dataset

    return load_dataset(name, seed=seed, n_qubits=n_qubits)


def _dataset(config: Config) -> Any:
    """The point's task, split and encoded, seeded by ``workload.seeds``."""
    from qnn import get_architecture

    w = config["workload"]
    return _load(w["dataset"], w["seeds"], get_architecture(w["arch"]).n_qubits)


# The workload keys a float-trained model depends on: task, seed, training.
_FLOAT_KEYS = ("dataset", "arch", "seeds", "epochs", "lr", "batch_size", "optimizer", "select")


def _start(config: Config) -> tuple[np.ndarray, np.random.Generator, np.random.Generator]:
    """Initial angles, the training stream and the rounding stream, as ``cosim train``."""
    from qnn.classifier import hardware_seeds
    from qnn.training import init_theta

    rng = np.random.default_rng(config["workload"]["seeds"])
    _, _, rounding = hardware_seeds(rng)  # spawned: rng is not advanced
    return init_theta(config["workload"]["arch"], rng), rng, rounding


def _train(config: Config, theta0: np.ndarray, rng: np.random.Generator, store: Any,
           callback: Any = None) -> Any:
    from qnn.training import train

    w, ds = config["workload"], _dataset(config)
    return train(w["arch"], ds.X_train, ds.y_train, n_classes=ds.n_classes, x_val=ds.X_val,
                 y_val=ds.y_val, epochs=w["epochs"], lr=w["lr"], batch_size=w["batch_size"],
                 optimizer=w["optimizer"], select=w["select"], seed=rng, theta0=theta0,
                 store=store, callback=callback)


@dataclass(frozen=True)
class FloatModel:
    """A float-trained QNN and what its training saw.

    Attributes
    ----------
    theta, theta0 : ndarray
        Returned (selected) and initial angles, rad; read-only.
    epoch : int
        Selected epoch.
    fit_accuracy : float
        Training-split accuracy at that epoch.
    below_half_lsb : tuple of float
        For ``b = 1 .. 16``, the fraction of proposed updates with
        ``|step| < pi / 2**b`` (half an LSB at ``b`` bits).
    updates_applied_fraction, displacement_ratio : float
        From the float store's diagnostics (1 and 1).
    """

    theta: np.ndarray
    theta0: np.ndarray
    epoch: int
    fit_accuracy: float
    below_half_lsb: tuple[float, ...]
    updates_applied_fraction: float
    displacement_ratio: float


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _float_model_for(workload_json: str) -> FloatModel:
    import json

    from qnn.stores import UnquantizedStore

    config = {"workload": json.loads(workload_json)}
    half_lsb = np.pi / 2.0 ** np.arange(1, _MAX_BITS + 1)
    below = np.zeros(_MAX_BITS, dtype=np.int64)
    proposed = [0]

    def count(info: Any) -> None:
        size = np.abs(info.update[info.update != 0])
        proposed[0] += size.size
        below[:] += (size[None, :] < half_lsb[:, None]).sum(axis=1)

    theta0, rng, _ = _start(config)
    store = UnquantizedStore()
    result = _train(config, theta0, rng, store, callback=count)
    diag = store.diagnostics()
    theta, theta0 = np.array(result.theta), np.array(theta0)
    theta.setflags(write=False)
    theta0.setflags(write=False)
    n = max(proposed[0], 1)
    return FloatModel(theta, theta0, result.epoch, float(result.accuracy_history[result.epoch]),
                      tuple(float(c) / n for c in below), diag.updates_applied_fraction,
                      diag.displacement_ratio)


def float_model(config: Config) -> FloatModel:
    """The point's float-trained model, trained once per process (see the module docstring)."""
    import json

    # The cache key is exactly what the model depends on, as canonical JSON.
    w = config["workload"]
    return _float_model_for(json.dumps({k: w[k] for k in _FLOAT_KEYS}, sort_keys=True))


def clear_caches() -> None:
    """Forget the memoised datasets and float models of this process."""
    _load.cache_clear()
    _float_model_for.cache_clear()


def _test_accuracy(config: Config, theta: Any) -> tuple[float, float]:
    """Test loss (nats) and accuracy of angles ``theta`` on the ideal circuit."""
    from qnn.model import Readout
    from qnn.training import evaluate as qnn_evaluate

    ds = _dataset(config)
    return qnn_evaluate(config["workload"]["arch"], ds.X_test, ds.y_test, theta,
                        Readout(ds.n_classes))


def _gate_accuracy(config: Config, shared: dict[str, Any], codes: Any) -> float:
    """Test accuracy with every trained rotation realized by the compiled gate set."""
    from qnn.circuits import expectation_z_gates
    from qnn.model import Readout

    ds = _dataset(config)
    z = expectation_z_gates(config["workload"]["arch"], ds.X_test, codes, shared["gateset"])
    predicted = np.argmax(Readout(ds.n_classes).proba(z), axis=1)
    return float(np.mean(predicted == ds.y_test))


def _float_training_metrics(config: Config) -> Metrics:
    """Stage train with ``quantizer: none``: the memoised float model."""
    model = float_model(config)
    loss, accuracy = _test_accuracy(config, model.theta)
    return {
        "train_accuracy": accuracy,
        "train_loss": loss,
        "train_fit_accuracy": model.fit_accuracy,
        "train_initial_accuracy": _test_accuracy(config, model.theta0)[1],
        "train_epoch": model.epoch,
        "train_deadlocked": 0,
        "train_displacement_ratio": model.displacement_ratio,
        "train_updates_applied_fraction": model.updates_applied_fraction,
        "train_below_half_lsb_fraction": model.below_half_lsb[config["dac"]["bits"] - 1],
    }


def train_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """QNN training with the angles held by a quantizer on the point's DAC grid.

    ``workload.quantizer`` picks the parameter store (none, deterministic,
    stochastic with ``temperature``/``schedule``, ste) at ``dac.bits`` with
    the DAC's mismatch (``dac.mismatch_sigma``, ``dac.seeds``). Metrics:
    ``train_accuracy`` and ``train_loss`` (test split, nats, of the angles
    training returns), ``train_fit_accuracy`` (training split, same epoch),
    ``train_initial_accuracy`` (test accuracy of the initial angles as loaded
    into the store, before any update), ``train_epoch`` (the returned epoch),
    ``train_deadlocked`` (1 when the stored angles moved by at most 5 % of what
    the optimizer asked), ``train_displacement_ratio``,
    ``train_updates_applied_fraction``, ``train_below_half_lsb_fraction``, and
    with stage gateset ``train_gate_accuracy`` (test accuracy on the compiled
    gates). ``quantizer: none`` reuses the memoised float model. Wall time is
    in the row's ``seconds``, not a metric, so that metrics repeat exactly.
    """
    from qnn.quantization import make_store, parameter_codes

    d, w = config["dac"], config["workload"]
    if w["quantizer"] == "none":
        metrics = _float_training_metrics(config)
        if "gateset" in shared:
            codes = parameter_codes(float_model(config).theta, d["bits"])
            metrics["train_gate_accuracy"] = _gate_accuracy(config, shared, codes)
        return metrics
    theta0, rng, rounding = _start(config)
    store = make_store(w["quantizer"], d["bits"], temperature=w["temperature"],
                       schedule=w["schedule"], t_final=w["temperature_final"],
                       inl_sigma=d["mismatch_sigma"], dac_seed=d["seeds"], seed=rounding,
                       architecture=d["architecture"], unary_msbs=unary_msbs(config, d["bits"]))
    store.init(theta0)
    initial = store.circuit_theta
    codes_per_epoch: list[np.ndarray] = []

    def snapshot(info: Any) -> None:
        if info.batch == info.n_batches - 1:
            codes_per_epoch.append(info.store.codes)

    result = _train(config, theta0, rng, store,
                    callback=snapshot if "gateset" in shared else None)
    loss, accuracy = _test_accuracy(config, result.theta)
    diag = store.diagnostics()
    metrics: Metrics = {
        "train_accuracy": accuracy,
        "train_loss": loss,
        "train_fit_accuracy": float(result.accuracy_history[result.epoch]),
        "train_initial_accuracy": _test_accuracy(config, initial)[1],
        "train_epoch": result.epoch,
        "train_deadlocked": int(diag.deadlocked),
        "train_displacement_ratio": diag.displacement_ratio,
        "train_updates_applied_fraction": diag.updates_applied_fraction,
        "train_below_half_lsb_fraction": diag.fraction_below_half_lsb,
    }
    if "gateset" in shared:
        metrics["train_gate_accuracy"] = _gate_accuracy(config, shared,
                                                        codes_per_epoch[result.epoch])
    return metrics


def ptq_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """Post-training quantization of a float-trained QNN onto the point's DAC.

    The float model (``workload`` training keys, seed ``workload.seeds``,
    memoised) is rounded to the nearest code of a DAC with the point's
    architecture and mismatch at ``dac.bits`` and at every
    ``workload.eval_bits``. Metrics: ``float_accuracy``, ``ptq_accuracy`` (at
    ``dac.bits``), ``ptq_accuracy_b<N>`` for each ``N`` in ``eval_bits`` (test
    split), and with stage gateset ``ptq_gate_accuracy`` (the ``dac.bits``
    codes on the compiled gates).
    """
    from qnn.quantization import parameter_codes, quantize_parameters

    d = config["dac"]
    theta = float_model(config).theta

    def accuracy_at(bits: int) -> float:
        realized = quantize_parameters(theta, bits, inl_sigma=d["mismatch_sigma"],
                                       seed=d["seeds"], architecture=d["architecture"],
                                       unary_msbs=unary_msbs(config, bits))
        return _test_accuracy(config, realized)[1]

    metrics: Metrics = {"float_accuracy": _test_accuracy(config, theta)[1],
                        "ptq_accuracy": accuracy_at(d["bits"])}
    for bits in config["workload"]["eval_bits"]:
        metrics[f"ptq_accuracy_b{bits}"] = accuracy_at(bits)
    if "gateset" in shared:
        codes = parameter_codes(theta, d["bits"])
        metrics["ptq_gate_accuracy"] = _gate_accuracy(config, shared, codes)
    return metrics
