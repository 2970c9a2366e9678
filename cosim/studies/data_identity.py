"""The data set a point trains on is part of the point: its content digest enters the config.

A point that runs stage ``train``, ``ptq`` or ``hardware`` depends on the data set's content,
which the scenario does not fix: ``COSIM_MNIST_DIR``, the system IDX files, the
cache or the bundled subset may each supply MNIST. So when the runner creates
such a point it adds ``workload.data_digest``, the digest of the data this
process loads (:func:`qnn.datasets.data_fingerprint`), and the point's id
follows. Resuming under another ``COSIM_MNIST_DIR`` then computes new points
instead of mixing two data sets in one study.

The process that computes the point loads the data again; :func:`check_data`
refuses a point whose digest differs from what that process loads (a Dask
worker on a machine with other files), and :func:`data_source` is stored with
the point's metrics (``data_source``), so results.csv records where the data
came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The stages that read ``workload.dataset``.
DATA_STAGES = ("train", "ptq", "hardware")
DIGEST_KEY = "data_digest"


def uses_data(config: Mapping[str, Any]) -> bool:
    """True when one of the point's stages reads the data set."""
    return any(stage in DATA_STAGES for stage in config["stages"])


def with_data_digest(config: dict[str, Any]) -> dict[str, Any]:
    """Add ``workload.data_digest`` to a point that reads data, in place; return it.

    Raises
    ------
    ValueError
        The data set cannot be loaded (the message names the file or variable).
    """
    if uses_data(config):
        from qnn.datasets import data_fingerprint

        config["workload"][DIGEST_KEY] = data_fingerprint(config["workload"]["dataset"])[1]
    return config


def check_data(config: Mapping[str, Any]) -> str | None:
    """The data source this process uses for the point, after checking its digest.

    Returns
    -------
    str or None
        :attr:`qnn.datasets.RawData.source`; None for a point that reads no data.

    Raises
    ------
    ValueError
        This process loads other data than the point was created with.
    """
    if not uses_data(config):
        return None
    from qnn.datasets import data_fingerprint

    workload = config["workload"]
    source, digest = data_fingerprint(workload["dataset"])
    expected = workload.get(DIGEST_KEY)
    if expected is not None and expected != digest:
        raise ValueError(f"workload.{DIGEST_KEY}: the point was created with {workload['dataset']}"
                         f" data of digest {expected}, but this process loads digest {digest} "
                         f"from {source}; give every worker the same data")
    return source
