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


def dac_from_config(config: Config, bits: int | None = None) -> Any:
    """The point's angle DAC (:class:`qnn.device.DACConfig`), at ``bits`` if given."""
    from qnn.device import DACConfig

    d = config["dac"]
    return DACConfig(bits=d["bits"] if bits is None else bits, architecture=d["architecture"],
                     unary_msbs=d["unary_msbs"], mismatch_sigma=d["mismatch_sigma"],
                     gain_error=d.get("gain_error", 0.0), offset_rad=d.get("offset_rad", 0.0),
                     noise_rms_rad=d.get("noise_rms_rad", 0.0), chip_seed=d["seeds"])


def device_from_config(config: Config) -> Any:
    """The point's :class:`qnn.device.Device`."""
    from qnn.device import ControlStack, Device, Measurement, Qubit, encoding_dac

    s, q, m = config["stack"], config["qubit"], config.get("measurement", {})
    angle = dac_from_config(config)
    encode_bits = config["dac"].get("encode_bits")
    stack = ControlStack(qubits_per_channel=s["multiplexing"],
                         sample_rate_hz=s["sample_rate_hz"], fifo_depth=s["fifo_depth"],
                         refill_rate_hz=s["refill_rate_hz"],
                         issue_latency_s=s.get("issue_latency_s", 4e-9),
                         envelope=s["envelope"], filter=s.get("filter", "none"),
                         filter_cutoff_hz=s.get("filter_cutoff_hz"))
    qubit = Qubit(levels=q["levels"], t1_s=q["t1_s"], t2_s=q["t2_s"], gate_1q_s=q["gate_1q_s"],
                  gate_2q_s=q["gate_2q_s"], anharmonicity_hz=q["anharmonicity_hz"],
                  cnot_error=q.get("cnot_error", 0.0),
                  idle_decoherence=q.get("idle_decoherence", True),
                  drag=q.get("drag", False), drag_bits=q.get("drag_bits", 8))
    measurement = Measurement(readout_error=(m.get("readout_e0", 0.0), m.get("readout_e1", 0.0)),
                              shots=m.get("shots", 0))
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
                          kernel=w.get("kernel", "tilt"), epochs=w["epochs"], lr=w["lr"],
                          batch_size=w["batch_size"], optimizer=w["optimizer"],
                          select=w["select"], noisy_training=w.get("noisy_training", False))


@functools.lru_cache(maxsize=64)
def _load(name: str, seed: int, n_qubits: int, classes: tuple[int, ...] | None) -> Any:
    from qnn.datasets import load_dataset

    return load_dataset(name, seed=seed, n_qubits=n_qubits, classes=classes)


def task_from_config(config: Config) -> Any:
    """The point's data set (:class:`qnn.datasets.Dataset`), memoised per process."""
    from qnn import get_architecture

    w = config["workload"]
    classes = w.get("classes")
    return _load(w["dataset"], w["seeds"], get_architecture(w["arch"]).n_qubits,
                 None if classes is None else tuple(classes))


def clear_caches() -> None:
    """Forget the memoised data sets of this process."""
    _load.cache_clear()
