"""What one study point computes: a pure function of its config, stage by stage.

:func:`evaluate` runs the stages a point names (``config["stages"]``), in the
order of :data:`cosim.studies.schema.KNOWN_STAGES`, and merges their metrics.
Each stage is a small function ``stage(config, shared) -> metrics``
(:mod:`cosim.studies.hardware_stages`, :mod:`cosim.studies.qnn_stages`);
``shared`` carries objects one stage builds and a later one reuses (the DAC
instance, the dataset, the compiled gate set), so no stage depends on another
having run.

Only stages whose physics exists in this build are registered in
:data:`STAGES`; :func:`check_available` turns a request for another into an
input error. Every metric a stage stores must be declared in
:mod:`cosim.studies.metrics`.
Every random draw is seeded from the config (``dac.seeds``, ``workload.seeds``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cosim.errors import CosimInputError
from cosim.studies import qnn_stages
from cosim.studies.data_identity import check_data
from cosim.studies.hardware_stages import (
    Config,
    Metrics,
    cost_stage,
    dac_stage,
    gateset_stage,
    schedule_stage,
)
from cosim.studies.metrics import lookup
from cosim.studies.qnn_stages import hardware_stage, ptq_stage, train_stage
from cosim.studies.schema import KNOWN_STAGES

Stage = Callable[[Config, dict[str, Any]], Metrics]


STAGES: dict[str, Stage] = {
    "dac": dac_stage,
    "cost": cost_stage,
    "gateset": gateset_stage,
    "schedule": schedule_stage,
    "train": train_stage,
    "ptq": ptq_stage,
    "hardware": hardware_stage,
}


def available_stages() -> tuple[str, ...]:
    """Stages this build can evaluate, in run order."""
    return tuple(s for s in KNOWN_STAGES if s in STAGES)


def check_available(stages: Sequence[str]) -> None:
    """Raise :class:`CosimInputError` naming the first requested stage this build lacks."""
    for stage in stages:
        if stage not in STAGES:
            raise CosimInputError(
                "study.stages",
                f"stage {stage!r} is not available in this build; available: "
                f"{', '.join(available_stages())}",
            )


def evaluate(config: Config) -> Metrics:
    """Run the point's stages and return their metrics merged into one dict.

    Parameters
    ----------
    config : mapping
        A point config (:meth:`cosim.studies.scenario.Scenario.points`).

    Returns
    -------
    dict of str to float, int, str or None
    """
    shared: dict[str, Any] = {}
    metrics: Metrics = {}
    source = check_data(config)  # this process must read the data the point was made with
    if source is not None:
        metrics["data_source"] = source
    for name in KNOWN_STAGES:
        if name not in config["stages"]:
            continue
        if name not in STAGES:
            raise ValueError(f"stage {name!r} is not available in this build")
        out = STAGES[name](config, shared)
        clash = set(out) & set(metrics)
        if clash:
            raise ValueError(f"stage {name!r} repeats metric names {sorted(clash)}")
        undeclared = sorted(m for m in out if lookup(m) is None)
        if undeclared:
            raise ValueError(f"stage {name!r} stores undeclared metrics {undeclared} "
                             "(declare them in cosim.studies.metrics)")
        metrics.update(out)
    return metrics


def group_key(config: Config) -> Hashable | None:
    """Points with equal keys can share :func:`shared_training` (None: trains nothing)."""
    return qnn_stages.group_key(config)


def group_cost(config: Config) -> float:
    """The point's rough relative cost, to start the costliest groups first."""
    return qnn_stages.training_cost(config)


@contextmanager
def shared_training(configs: list[dict[str, Any]]) -> Iterator[None]:
    """Train the models of points with one :func:`group_key` in one pass, for :func:`evaluate`.

    Inside the context, :func:`evaluate` of each point finds its trained
    models in the stages' memo (:func:`cosim.studies.qnn_stages.pretrain`)
    instead of training them, and returns exactly the metrics it returns
    alone. If the shared pass fails (e.g. one point's recipe is invalid),
    every point trains on its own, so each fails or succeeds as it would alone.
    """
    try:
        qnn_stages.pretrain(configs)
    except Exception:  # noqa: BLE001 - each point then reports its own error
        qnn_stages.forget_pretrained()
    try:
        yield
    finally:
        qnn_stages.forget_pretrained()
