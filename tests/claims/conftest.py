"""The claim checks run like the qnn tests: offline, private cache, one BLAS thread."""

from tests.qnn.conftest import _offline, _one_blas_thread  # noqa: F401  (fixtures, by name)
