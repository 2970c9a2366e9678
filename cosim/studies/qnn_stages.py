"""Study stages of the QNN workload: quantized training and post-training quantization.

Each stage is ``stage(config, shared) -> metrics`` (see
:mod:`cosim.studies.evaluate`). With stage gateset run first, both also report
accuracy on the compiled pulse-level gates.
"""

from __future__ import annotations

from typing import Any

from cosim.studies.hardware_stages import Config, Metrics, unary_msbs


def _dataset(config: Config, shared: dict[str, Any]) -> Any:
    """The point's task, split and encoded, seeded by ``workload.seeds``."""
    if "dataset" not in shared:
        from qnn import get_architecture
        from qnn.datasets import load_dataset

        w = config["workload"]
        shared["dataset"] = load_dataset(w["dataset"], seed=w["seeds"],
                                         n_qubits=get_architecture(w["arch"]).n_qubits)
    return shared["dataset"]


def _train(config: Config, shared: dict[str, Any], store: Any) -> Any:
    from qnn.training import train

    w, ds = config["workload"], _dataset(config, shared)
    return train(w["arch"], ds.X_train, ds.y_train, n_classes=ds.n_classes,
                 epochs=w["epochs"], lr=w["lr"], batch_size=w["batch_size"],
                 seed=w["seeds"], store=store)


def _test_accuracy(config: Config, shared: dict[str, Any], theta: Any) -> tuple[float, float]:
    """Test loss (nats) and accuracy of angles ``theta`` on the ideal circuit."""
    from qnn.model import Readout
    from qnn.training import evaluate as qnn_evaluate

    ds = _dataset(config, shared)
    return qnn_evaluate(config["workload"]["arch"], ds.X_test, ds.y_test, theta,
                        Readout(ds.n_classes))


def _gate_accuracy(config: Config, shared: dict[str, Any], codes: Any) -> float:
    """Test accuracy with every trained rotation realized by the compiled gate set."""
    import numpy as np

    from qnn.circuits import expectation_z_gates
    from qnn.model import Readout

    ds = _dataset(config, shared)
    z = expectation_z_gates(config["workload"]["arch"], ds.X_test, codes, shared["gateset"])
    predicted = np.argmax(Readout(ds.n_classes).proba(z), axis=1)
    return float(np.mean(predicted == ds.y_test))


def train_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """QNN training with the angles held by a quantizer on the point's DAC grid.

    ``workload.quantizer`` picks the parameter store (none, deterministic,
    stochastic with ``temperature``/``schedule``, ste) at ``dac.bits`` with
    the DAC's mismatch (``dac.mismatch_sigma``, ``dac.seeds``). Metrics:
    ``train_accuracy`` and ``train_loss`` (test split, nats),
    ``train_fit_accuracy`` (training split, last epoch),
    ``train_deadlocked`` (1 when the stored angles moved by at most 5 % of what
    the optimizer asked), ``train_displacement_ratio``,
    ``train_updates_applied_fraction``, ``train_below_half_lsb_fraction``, and
    with stage gateset ``train_gate_accuracy`` (test accuracy on the compiled
    gates). Wall time is in the row's ``seconds``, not a metric, so that
    metrics repeat exactly.
    """
    import numpy as np

    from qnn.quantization import make_store, parameter_codes

    d, w = config["dac"], config["workload"]
    store = make_store(w["quantizer"], d["bits"], temperature=w["temperature"],
                       schedule=w["schedule"], t_final=w["temperature_final"],
                       inl_sigma=d["mismatch_sigma"], dac_seed=d["seeds"], seed=w["seeds"],
                       architecture=d["architecture"], unary_msbs=unary_msbs(config, d["bits"]))
    result = _train(config, shared, store)
    loss, accuracy = _test_accuracy(config, shared, result.theta)
    diag = store.diagnostics()
    metrics: Metrics = {
        "train_accuracy": accuracy,
        "train_loss": loss,
        "train_fit_accuracy": float(result.accuracy_history[-1]),
        "train_deadlocked": int(diag.deadlocked),
        "train_displacement_ratio": diag.displacement_ratio,
        "train_updates_applied_fraction": diag.updates_applied_fraction,
        "train_below_half_lsb_fraction": diag.fraction_below_half_lsb,
    }
    if "gateset" in shared:
        codes = getattr(store, "codes", None)
        codes = parameter_codes(result.theta, d["bits"]) if codes is None else codes
        metrics["train_gate_accuracy"] = _gate_accuracy(config, shared, np.asarray(codes))
    return metrics


def ptq_stage(config: Config, shared: dict[str, Any]) -> Metrics:
    """Post-training quantization of a float-trained QNN onto the point's DAC.

    The float model (``workload`` training keys, seed ``workload.seeds``) is
    rounded to the nearest code of a DAC with the point's architecture and
    mismatch at ``dac.bits`` and at every ``workload.eval_bits``. Metrics:
    ``float_accuracy``, ``ptq_accuracy`` (at ``dac.bits``), ``ptq_accuracy_b<N>``
    for each ``N`` in ``eval_bits`` (test split), and with stage gateset
    ``ptq_gate_accuracy`` (the ``dac.bits`` codes on the compiled gates).
    """
    from qnn.quantization import parameter_codes, quantize_parameters

    d = config["dac"]
    theta = _train(config, shared, store=None).theta

    def accuracy_at(bits: int) -> float:
        realized = quantize_parameters(theta, bits, inl_sigma=d["mismatch_sigma"],
                                       seed=d["seeds"], architecture=d["architecture"],
                                       unary_msbs=unary_msbs(config, bits))
        return _test_accuracy(config, shared, realized)[1]

    metrics: Metrics = {"float_accuracy": _test_accuracy(config, shared, theta)[1],
                        "ptq_accuracy": accuracy_at(d["bits"])}
    for bits in config["workload"]["eval_bits"]:
        metrics[f"ptq_accuracy_b{bits}"] = accuracy_at(bits)
    if "gateset" in shared:
        codes = parameter_codes(theta, d["bits"])
        metrics["ptq_gate_accuracy"] = _gate_accuracy(config, shared, codes)
    return metrics
