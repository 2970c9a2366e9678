"""A study point's config as the typed objects of the QNN path: device, recipe, task.

A point config is plain data (one dict per scenario section, already validated
by :mod:`cosim.studies.scenario`). The stages turn it into the same frozen
objects that ``cosim train`` and :class:`qnn.QNNClassifier` build from their
own spellings, with these functions and nowhere else:

* :func:`device_from_config`: ``dac`` (its ``seeds`` is the chip seed),
  ``stack`` and ``qubit`` -> :class:`qnn.device.Device`;
* :func:`recipe_from_config`: ``workload``'s training keys ->
  :class:`qnn.fit.TrainingRecipe`;
* :func:`task_from_config`: the data set, split and encoded with the training
  seed ``workload.seeds``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

Config = Mapping[str, Any]


def dac_from_config(config: Config) -> Any:
    """The point's angle DAC (:class:`qnn.device.DACConfig`)."""
    from qnn.device import DACConfig

    d = config["dac"]
    return DACConfig(bits=d["bits"], architecture=d["architecture"], unary_msbs=d["unary_msbs"],
                     mismatch_sigma=d["mismatch_sigma"], gain_error=d["gain_error"],
                     offset_rad=d["offset_rad"], noise_rms_rad=d["noise_rms_rad"],
                     chip_seed=d["seeds"])


def device_from_config(config: Config) -> Any:
    """The point's :class:`qnn.device.Device`."""
    from qnn.device import ControlStack, Device, Measurement, Qubit, encoding_dac

    # Point configs hold every key (the schema fills the defaults), so nothing
    # here restates a default.
    s, q, m = config["stack"], config["qubit"], config["measurement"]
    angle = dac_from_config(config)
    encode_bits = config["dac"]["encode_bits"]
    stack = ControlStack(qubits_per_channel=s["multiplexing"],
                         sample_rate_hz=s["sample_rate_hz"], fifo_depth=s["fifo_depth"],
                         refill_rate_hz=s["refill_rate_hz"], issue_latency_s=s["issue_latency_s"],
                         envelope=s["envelope"], filter=s["filter"],
                         filter_cutoff_hz=s["filter_cutoff_hz"])
    qubit = Qubit(levels=q["levels"], t1_s=q["t1_s"], t2_s=q["t2_s"], gate_1q_s=q["gate_1q_s"],
                  gate_2q_s=q["gate_2q_s"], anharmonicity_hz=q["anharmonicity_hz"],
                  cnot_error=q["cnot_error"], idle_decoherence=q["idle_decoherence"],
                  drag=q["drag"], drag_bits=q["drag_bits"])
    measurement = Measurement(readout_error=(m["readout_e0"], m["readout_e1"]),
                              shots=m["shots"])
    return Device(angle_dac=angle,
                  encoding_dac=encoding_dac(angle, math.inf if encode_bits is None
                                            else encode_bits),
                  stack=stack, qubit=qubit, measurement=measurement)


def recipe_from_config(config: Config) -> Any:
    """The point's :class:`qnn.fit.TrainingRecipe`."""
    from qnn.fit import TrainingRecipe

    w = config["workload"]
    return TrainingRecipe(quantizer=w["quantizer"], temperature=w["temperature"],
                          temperature_final=w["temperature_final"], schedule=w["schedule"],
                          kernel=w["kernel"], epochs=w["epochs"], lr=w["lr"],
                          batch_size=w["batch_size"], optimizer=w["optimizer"],
                          select=w["select"], noisy_training=w["noisy_training"])


@functools.lru_cache(maxsize=64)
def _load(name: str, seed: int, n_qubits: int, classes: tuple[int, ...] | None) -> Any:
    from qnn.datasets import load_dataset

    return load_dataset(name, seed=seed, n_qubits=n_qubits, classes=classes)


def task_from_config(config: Config) -> Any:
    """The point's data set (:class:`qnn.datasets.Dataset`), memoised per process."""
    from qnn import get_architecture

    w = config["workload"]
    classes = w["classes"]
    return _load(w["dataset"], w["seeds"], get_architecture(w["arch"]).n_qubits,
                 None if classes is None else tuple(classes))


def clear_caches() -> None:
    """Forget the memoised data sets of this process."""
    _load.cache_clear()
