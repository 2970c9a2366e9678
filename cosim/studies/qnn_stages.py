"""Study stages of the QNN workload: quantized training and post-training quantization.

Each stage is ``stage(config, shared) -> metrics`` (see
:mod:`cosim.studies.evaluate`). With stage gateset run first, both also report
accuracy on the compiled pulse-level gates.

A point trains through the one training path, :func:`qnn.fit.fit`, on the
typed device and recipe of :mod:`cosim.studies.device`: exactly what
``cosim train --seed <workload.seeds> --chip-seed <dac.seeds>`` and
``QNNClassifier(random_state=..., chip_seed=...)`` do with the same settings.
Validation data are passed, so the ``workload.select`` rule sees them.

Memoised, per process: the float model depends on the task, the training
seed, the recipe's optimisation (not its quantizer) and the encoding DAC,
never on the angle DAC, so stage ptq and stage train with ``quantizer: none``
share one training per such key however many bit widths and quantizers a
study sweeps. The cache key is those typed, frozen objects themselves, so it
cannot drift from what training reads. Both caches hold pure functions of
their arguments, so a point's metrics do not depend on which points its
worker ran before.

Points that share a task, a training seed and the optimisation
(:func:`group_key`) can train together: :func:`pretrain` trains every model a
group of points will ask for (their quantized models and the float model) in
one :func:`qnn.fit.fit_many` pass, whose results equal one-by-one training
bit for bit, and the stages then take them from the memo instead of training.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from cosim.studies.device import (
    Config,
    dac_from_config,
    device_from_config,
    recipe_from_config,
    task_from_config,
)
from cosim.studies.hardware_stages import Metrics

# Float models are a few hundred bytes; 256 covers every (dataset, arch,
# seed, lr) of the shipped studies in one worker.
_CACHE_SIZE = 256


@dataclass(frozen=True)
class FloatModel:
    """A float-trained QNN and what its training saw.

    Attributes
    ----------
    fit : qnn.fit.FitResult
        The training result (returned and initial angles, epoch, executor).
    below_half_lsb : tuple of float
        For ``b = 1 .. 16``, the fraction of proposed updates with
        ``|step| < pi / 2**b`` (half an LSB at ``b`` bits).
    """

    fit: Any
    below_half_lsb: tuple[float, ...]


def _below_counter() -> tuple[Any, Any]:
    """A step callback counting updates below half an LSB at 1..16 bits, and its result."""
    from qnn.vocabulary import MAX_BITS, lsb_rad

    half_lsb = np.array([lsb_rad(b) / 2 for b in range(1, MAX_BITS + 1)])
    below = np.zeros(MAX_BITS, dtype=np.int64)
    proposed = [0]

    def count(info: Any) -> None:
        size = np.abs(info.update[info.update != 0])
        proposed[0] += size.size
        below[:] += (size[None, :] < half_lsb[:, None]).sum(axis=1)

    def fractions() -> tuple[float, ...]:
        n = max(proposed[0], 1)
        return tuple(float(c) / n for c in below)

    return count, fractions


def _float_result(result: Any, below: tuple[float, ...]) -> FloatModel:
    for array in (result.theta, result.theta0):
        array.setflags(write=False)
    return FloatModel(result, below)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _float_model_for(dataset: str, arch: str, seed: int, classes: tuple[int, ...] | None,
                     recipe: Any, device: Any) -> FloatModel:
    from qnn.fit import fit

    count, fractions = _below_counter()
    ds = _task(dataset, arch, seed, classes)
    result = fit(arch, ds.X_train, ds.y_train, n_classes=ds.n_classes, x_val=ds.X_val,
                 y_val=ds.y_val, recipe=recipe, device=device, seed=seed, callback=count)
    return _float_result(result, fractions())


def _task(dataset: str, arch: str, seed: int, classes: tuple[int, ...] | None) -> Any:
    return task_from_config({"workload": {"dataset": dataset, "arch": arch, "seeds": seed,
                                          "classes": classes}})


def _float_key(config: Config) -> tuple:
    """The arguments of the point's float model (see the module docstring)."""
    from qnn.device import DACConfig, Device

    w = config["workload"]
    device = device_from_config(config)
    recipe = recipe_from_config(config).float_recipe()
    # Float training reads only the encoding DAC (and, trained under noise, the
    # qubits and measurement); the angle DAC is the ideal float one, so every
    # bit width and chip shares the model.
    float_device = (replace(device, angle_dac=DACConfig()) if recipe.noisy_training
                    else Device(angle_dac=DACConfig(), encoding_dac=device.encoding_dac))
    classes = w["classes"]
    return (w["dataset"], w["arch"], w["seeds"], None if classes is None else tuple(classes),
            recipe, float_device)


def _fit_key(config: Config) -> tuple:
    """The arguments of the point's quantized training."""
    w = config["workload"]
    classes = w["classes"]
    return (w["dataset"], w["arch"], w["seeds"], None if classes is None else tuple(classes),
            recipe_from_config(config), device_from_config(config))


def float_model(config: Config) -> FloatModel:
    """The point's float-trained model, trained once per process (see the module docstring)."""
    key = _float_key(config)
    model = _batched_float.get(key)
    return model if model is not None else _float_model_for(*key)


# Float models trained in a group's pass (kept, like the lru cache, for later
# groups of the same task) and the quantized models of the current group.
_batched_float: OrderedDict[tuple, FloatModel] = OrderedDict()
_pretrained: dict[tuple, Any] = {}
# Test accuracy of a float model (key, None) and of its PTQ on a DAC (key, dac).
_ptq_scores: OrderedDict[tuple, float] = OrderedDict()
_PTQ_CACHE_SIZE = 16 * _CACHE_SIZE


def group_key(config: Config) -> Hashable | None:
    """Points with equal keys can train in one pass; None for a point that trains nothing.

    The key is the task (dataset, architecture, classes), the training seed and
    what every model of a pass shares (:data:`qnn.fit.SHARED_FIELDS`, the
    encoding DAC, and the device's noise and measurement when training under
    noise); bit widths, quantizers, temperatures, schedules, kernels and chips
    may differ.
    """
    from qnn.fit import SHARED_FIELDS
    from qnn.ptq import encoding_hook

    if not {"train", "ptq", "hardware"} & set(config["stages"]):
        return None
    dataset, arch, seed, classes, recipe, device = _fit_key(config)
    shared = tuple(getattr(recipe, name) for name in SHARED_FIELDS)
    noise = (device.noise_model(), device.measurement) if recipe.noisy_training else None
    # The encoding as training plays it (None for every ideal encoding DAC).
    return dataset, arch, seed, classes, shared, encoding_hook(device.encoding_dac), noise


def training_cost(config: Config) -> float:
    """Rough relative cost of the point's training: samples x epochs x layers (0 if none).

    Only for scheduling (the runner starts the costliest groups first); it
    reads the data set's size, which is memoised per process.
    """
    from qnn import get_architecture

    if group_key(config) is None:
        return 0.0
    w = config["workload"]
    ds = task_from_config(config)
    return float((len(ds.X_train) + len(ds.X_val)) * w["epochs"]
                 * get_architecture(w["arch"]).n_layers)


def _wants(config: Config) -> tuple[bool, bool]:
    """Whether the point's stages train its quantized model, and read the float model."""
    stages = config["stages"]
    quantized = "train" in stages and config["workload"]["quantizer"] != "none"
    floats = ("ptq" in stages or ("train" in stages and not quantized)
              or ("hardware" in stages and not quantized))
    return quantized, floats


def pretrain(configs: Sequence[Config]) -> None:
    """Train every model the points will ask for in one :func:`qnn.fit.fit_many` pass.

    The points must share :func:`group_key`. Their quantized models wait in
    a memo that :func:`train_stage` reads until :func:`forget_pretrained`; the
    float model joins the float memo. Results are those of one-by-one training.
    """
    from qnn.fit import fit_many

    jobs: dict[tuple, tuple[str, Any, Any]] = {}
    for config in configs:
        quantized, floats = _wants(config)
        if quantized:
            key = _fit_key(config)
            jobs.setdefault(key, ("fit", key[4], key[5]))
        if floats:
            key = _float_key(config)
            if key not in _batched_float:
                jobs.setdefault(key, ("float", key[4], key[5]))
    if not jobs:
        return
    dataset, arch, seed, classes = next(iter(jobs))[:4]
    counters = {key: _below_counter() for key, job in jobs.items() if job[0] == "float"}
    ds = _task(dataset, arch, seed, classes)
    results = fit_many(arch, ds.X_train, ds.y_train, n_classes=ds.n_classes, x_val=ds.X_val,
                       y_val=ds.y_val, recipes=[job[1] for job in jobs.values()],
                       devices=[job[2] for job in jobs.values()], seed=seed,
                       callbacks=[counters[k][0] if k in counters else None for k in jobs])
    for (key, job), result in zip(jobs.items(), results, strict=True):
        if job[0] == "fit":
            _pretrained[key] = result
        else:
            _batched_float[key] = _float_result(result, counters[key][1]())
            if len(_batched_float) > _CACHE_SIZE:
                _batched_float.popitem(last=False)


def forget_pretrained() -> None:
    """Drop the quantized models :func:`pretrain` left for the current group."""
    _pretrained.clear()


def clear_caches() -> None:
    """Forget the memoised data sets and float models of this process."""
    from cosim.studies.device import clear_caches as clear_tasks

    clear_tasks()
    _float_model_for.cache_clear()
    _batched_float.clear()
    _pretrained.clear()
    _ptq_scores.clear()


def _gate_accuracy(config: Config, shared: dict[str, Any], result: Any) -> float:
    """Test accuracy with every trained rotation realized by the compiled gate set.

    A quantized model plays its stored codes; a float model its nearest codes.
    """
    from qnn.vocabulary import lsb_rad

    ds = task_from_config(config)
    gates = shared["gateset"]
    # The executor rounds angles to their nearest codes, and a code's own
    # nominal angle rounds back to it; its realized angle (INL) may not.
    theta = result.theta if result.codes is None else result.codes * lsb_rad(gates.bits)
    return result.executor.with_gates(gates).evaluate(ds.X_test, ds.y_test, theta,
                                                      result.readout)[1]


def train_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """QNN training with the angles held by a quantizer on the point's DAC grid.

    ``workload.quantizer`` picks the parameter store (none, deterministic,
    stochastic with ``temperature``/``schedule``/``kernel``, ste) on the
    point's angle DAC (``dac.bits``, architecture, mismatch, gain error,
    offset; chip ``dac.seeds``). Metrics: ``train_accuracy`` and
    ``train_loss`` (test split, nats, of the angles training returns),
    ``train_fit_accuracy`` (training split, same epoch),
    ``train_initial_accuracy`` (test accuracy of the initial angles as loaded
    into the store, before any update), ``train_epoch`` (the returned epoch),
    ``train_deadlocked`` (1 when the stored angles moved by at most 5 % of what
    the optimizer asked), ``train_displacement_ratio``,
    ``train_updates_applied_fraction``, ``train_below_half_lsb_fraction``,
    ``train_codes`` (the returned DAC codes, comma-separated; null in float), and
    with stage gateset ``train_gate_accuracy`` (test accuracy on the compiled
    gates). ``quantizer: none`` reuses the memoised float model. Wall time is
    in the row's ``seconds``, not a metric, so that metrics repeat exactly.
    """
    from qnn.fit import fit

    ds = task_from_config(config)
    bits = config["dac"]["bits"]
    if config["workload"]["quantizer"] == "none":
        model = float_model(config)
        result = model.fit
        below = model.below_half_lsb[bits - 1]
        deadlocked = 0
    else:
        result = _pretrained.get(_fit_key(config))
        if result is None:
            result = fit(config["workload"]["arch"], ds.X_train, ds.y_train,
                         n_classes=ds.n_classes, x_val=ds.X_val, y_val=ds.y_val,
                         recipe=recipe_from_config(config), device=device_from_config(config),
                         seed=config["workload"]["seeds"])
        below = result.diagnostics.fraction_below_half_lsb
        deadlocked = int(result.diagnostics.deadlocked)
    if config["workload"]["quantizer"] != "none":
        shared["trained"] = result  # what stage hardware deploys
    loss, accuracy = result.evaluate(ds.X_test, ds.y_test)
    metrics: Metrics = {
        "train_accuracy": accuracy,
        "train_loss": loss,
        "train_fit_accuracy": float(result.history.accuracy_history[result.epoch]),
        "train_initial_accuracy": result.executor.evaluate(
            ds.X_test, ds.y_test, result.initial_theta, result.readout)[1],
        "train_epoch": result.epoch,
        "train_deadlocked": deadlocked,
        "train_displacement_ratio": result.diagnostics.displacement_ratio,
        "train_updates_applied_fraction": result.diagnostics.updates_applied_fraction,
        "train_below_half_lsb_fraction": below,
        "train_codes": None if result.codes is None else ",".join(map(str, result.codes)),
    }
    if "gateset" in shared:
        metrics["train_gate_accuracy"] = _gate_accuracy(config, shared, result)
    return metrics


def _shared_ptq(config: Config, result: Any, dac: Any, widths: tuple[int, ...]
                ) -> tuple[float, list[float]]:
    """Float and PTQ test accuracies of the point's float model, memoised per width and chip.

    post_training_quantization scores each width on its own, so the points of
    one float model and chip share their scores (a paper group asks 16
    distinct widths 64 x 17 times).
    """
    from qnn.ptq import post_training_quantization

    key = _float_key(config)
    missing = [b for b in dict.fromkeys(widths) if (key, dac.at_bits(b)) not in _ptq_scores]
    if missing or (key, None) not in _ptq_scores:
        ds = task_from_config(config)
        ptq = post_training_quantization(result.executor, ds.X_test, ds.y_test, result.theta,
                                         missing or widths[:1], dac=dac,
                                         readout=result.readout)
        _ptq_scores[(key, None)] = ptq.float_accuracy
        for bits, accuracy in zip(ptq.bits, ptq.accuracy, strict=True):
            _ptq_scores[(key, dac.at_bits(bits))] = accuracy
        while len(_ptq_scores) > _PTQ_CACHE_SIZE:
            _ptq_scores.popitem(last=False)
    return _ptq_scores[(key, None)], [_ptq_scores[(key, dac.at_bits(b))] for b in widths]


def ptq_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """Post-training quantization of a float-trained QNN onto the point's DAC.

    The float model (``workload`` training keys, seed ``workload.seeds``,
    memoised) is rounded to the nearest code of the point's angle DAC (its
    architecture, mismatch, gain error and offset, chip ``dac.seeds``) at
    ``dac.bits`` and at every ``workload.eval_bits``. Metrics:
    ``float_accuracy``, ``ptq_accuracy`` (at ``dac.bits``),
    ``ptq_accuracy_b<N>`` for each ``N`` in ``eval_bits`` (test split), and
    with stage gateset ``ptq_gate_accuracy`` (the ``dac.bits`` codes on the
    compiled gates).
    """
    from qnn.ptq import post_training_quantization

    ds = task_from_config(config)
    result = float_model(config).fit
    widths = (config["dac"]["bits"], *config["workload"]["eval_bits"])
    dac = dac_from_config(config)
    if result.executor.shots:  # a sampling executor draws anew each call: nothing to share
        ptq = post_training_quantization(result.executor, ds.X_test, ds.y_test, result.theta,
                                         widths, dac=dac, readout=result.readout)
        float_accuracy, scores = ptq.float_accuracy, list(ptq.accuracy)
    else:
        float_accuracy, scores = _shared_ptq(config, result, dac, widths)
    metrics: Metrics = {"float_accuracy": float_accuracy, "ptq_accuracy": scores[0]}
    for bits, accuracy in zip(widths[1:], scores[1:], strict=True):
        metrics[f"ptq_accuracy_b{bits}"] = accuracy
    if "gateset" in shared:
        metrics["ptq_gate_accuracy"] = _gate_accuracy(config, shared, result)
    return metrics


def hardware_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """The deployed model on the point's realized hardware: the accuracy an architect can expect.

    The deployed model is the quantized-trained one when stage train ran with
    a quantizer (its stored codes), else the float model rounded to the
    nearest codes of the point's angle DAC. It runs on the noisy executor
    with the point's realized hardware (:mod:`cosim.realized`): every
    code's pulse-level process (the chip's levels, DAC output noise,
    ``stack.filter``, T1/T2 during the pulse window and its FIFO stalls,
    leakage and DRAG for three levels; RZ is the phase register's), the idle
    intervals of the SimPy schedule (``stack.multiplexing``, FIFO depth and
    refill, issue latency), the CNOT error, the readout assignment errors
    and ``measurement.shots`` (sampled from a stream of the training seed).
    When a channel serves more qubits than the circuit has, every group of
    qubits runs a copy of the circuit and the figures are the mean over the
    copies. Metrics: ``hardware_accuracy`` and ``hardware_loss`` (test split, nats).
    """
    from cosim.realized import deployed_codes, evaluate_realized
    from qnn.fit import training_streams

    ds = task_from_config(config)
    device = device_from_config(config)
    trained = shared.get("trained")
    model = trained if trained is not None else float_model(config).fit
    codes = deployed_codes(model.theta, model.codes, device)
    shots = device.measurement.shots
    rng = training_streams(config["workload"]["seeds"]).device_shots if shots else None
    loss, accuracy = evaluate_realized(config["workload"]["arch"], device, codes, ds.X_test,
                                       ds.y_test, model.readout, rng)
    return {"hardware_accuracy": float(accuracy), "hardware_loss": float(loss)}
