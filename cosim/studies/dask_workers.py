"""A Dask worker plugin that runs BLAS on one thread in every worker of a study.

Kept apart from :mod:`cosim.studies.execute` because it subclasses a class of
the optional ``distributed`` package, and workers unpickle it by module path.
"""

from __future__ import annotations

import os
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from cosim.studies.execute import BLAS_THREAD_VARIABLES, limit_blas_threads


class OneBlasThread(WorkerPlugin):
    """Limit BLAS and OpenMP to one thread in each worker process while it serves the study.

    Dask runs several points at once in one worker process (one per thread),
    so the limit is set once per process rather than around each point, where
    concurrent points would undo each other's limits.
    """

    name = "cosim-one-blas-thread"
    idempotent = True

    def __init__(self) -> None:
        self._limiter: Any = None
        self._environ: dict[str, str | None] = {}

    def setup(self, worker: Any) -> None:
        """Set the limit when the worker joins or the plugin is registered."""
        self._environ = {k: os.environ.get(k) for k in BLAS_THREAD_VARIABLES}
        self._limiter = limit_blas_threads()

    def teardown(self, worker: Any) -> None:
        """Undo the limit: the cluster may be shared, or run inside the caller's process."""
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None
        for key, value in self._environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
