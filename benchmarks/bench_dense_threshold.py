"""Dense layer matrices against per-wire kernels, 5..9 qubits: where should the switch be?

:mod:`qnn._statevector` applies a variational layer either as one dense
``2**n x 2**n`` matrix product (``n <= DENSE_MAX_QUBITS``) or as ``n`` small
2x2 kernels plus a gather. This script times one training step's circuit
work, :func:`qnn.circuits.expectation_z_vjp` (values and exact gradient), on
both kernels in the same process, with one BLAS thread, for both
architecture presets widened to ``n`` qubits, at the training batch (16) and
at larger evaluation batches. It prints per-wire time / dense time (above 1
the dense kernel pays), the kernel :func:`qnn._statevector.use_dense` picks,
and flags a pick that is more than 10 % slower than the other kernel.

Run: ``python benchmarks/bench_dense_threshold.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qnn._statevector as sv  # noqa: E402
from benchmarks.bench_qnn_step import median_seconds  # noqa: E402
from qnn.architectures import Architecture, get_architecture  # noqa: E402
from qnn.circuits import expectation_z_vjp  # noqa: E402

QUBITS = (5, 6, 7, 8, 9)
BATCHES = (16, 32, 64, 128, 256)


def step_seconds(arch: Architecture, batch: int, dense: bool, rng: np.random.Generator
                 ) -> tuple[float, np.ndarray]:
    """Median time of one values+gradient call on one kernel, and its gradient."""
    x = rng.uniform(0, np.pi, (batch, arch.n_qubits))
    theta = rng.uniform(-np.pi, np.pi, arch.n_params)
    c = rng.normal(size=(batch, arch.n_qubits))
    saved = sv.DENSE_MAX_QUBITS
    saved_min = sv.DENSE_MIN_BATCH
    sv.DENSE_MAX_QUBITS, sv.DENSE_MIN_BATCH = (99 if dense else 0), {}
    try:
        grad = expectation_z_vjp(arch, x, theta, c)[1]
        return median_seconds(lambda: expectation_z_vjp(arch, x, theta, c),
                              min_time_s=0.4), grad
    finally:
        sv.DENSE_MAX_QUBITS, sv.DENSE_MIN_BATCH = saved, saved_min


def main() -> int:
    print(f"expectation_z_vjp, one BLAS thread; DENSE_MAX_QUBITS = {sv.DENSE_MAX_QUBITS}, "
          f"DENSE_MIN_BATCH = {sv.DENSE_MIN_BATCH}")
    print(f"{'arch':10s} {'n':>2s} {'batch':>5s} {'dense ms':>9s} {'per-wire ms':>11s} "
          f"{'per-wire/dense':>14s}  pick")
    worse = 0
    with threadpool_limits(limits=1, user_api="blas"):
        for name in ("compact", "expressive"):
            preset = get_architecture(name)
            for n in QUBITS:
                arch = Architecture(name, n_qubits=n, n_layers=preset.n_layers,
                                    rotations=preset.rotations)
                for batch in BATCHES:
                    # Same inputs for both kernels: the same seed draws them.
                    t_dense, g_dense = step_seconds(arch, batch, True, np.random.default_rng(n))
                    t_wire, g_wire = step_seconds(arch, batch, False, np.random.default_rng(n))
                    if not np.allclose(g_dense, g_wire, atol=1e-10):
                        print(f"FAIL {name} n={n}: the kernels disagree")
                        return 1
                    ratio = t_wire / t_dense
                    dense = sv.use_dense(n, batch)
                    slow = ratio < 1 / 1.1 if dense else ratio > 1.1
                    worse += slow
                    print(f"{name:10s} {n:2d} {batch:5d} {t_dense * 1e3:9.3f} "
                          f"{t_wire * 1e3:11.3f} {ratio:14.2f}  "
                          f"{'dense' if dense else 'per-wire'}{'  SLOWER' if slow else ''}")
    print(f"{worse} picks more than 10 % slower than the other kernel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
