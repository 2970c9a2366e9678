"""Keep the qnn tests offline, away from the user's cache, and on one BLAS thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never download in tests; a real download would also make results depend on the network.
    monkeypatch.setenv("COSIM_OFFLINE", "1")
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COSIM_MNIST_DIR", raising=False)
    monkeypatch.delenv("COSIM_FASHION_MNIST_DIR", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread() -> Iterator[None]:
    # The dense references multiply many small matrices; on a shared 2-core machine a
    # second, spin-waiting BLAS thread made them up to 30x slower.
    with threadpool_limits(limits=1, user_api="blas"):
        yield
