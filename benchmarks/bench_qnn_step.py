"""Time one QNN training step (values + exact gradient, batch 256): qnn vs PennyLane.

The step is ``<Z_q>`` for a batch of 256 inputs and the gradient of
``sum(c * <Z>)`` with respect to all angles, i.e. what one optimizer step
needs. qnn uses :func:`qnn.circuits.expectation_z_vjp` (adjoint method) and,
for the full loss, :func:`qnn.model.loss_and_grad`; PennyLane uses
``default.qubit`` with parameter broadcasting over the batch and
``diff_method="backprop"`` (autograd ``value_and_grad``, one pass for the
scalar and its gradient). Values and gradients are compared first,
so the benchmark doubles as a cross-check against an independent simulator.

PennyLane is optional (``pip install '.[bench]'``); without it the script
prints a skip line and exits 0. Both sides run with one BLAS thread.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qnn.architectures import get_architecture  # noqa: E402
from qnn.circuits import expectation_z_vjp  # noqa: E402
from qnn.model import Readout, loss_and_grad  # noqa: E402

BATCH = 256
TARGET_RATIO = 20.0


def median_seconds(
    fn: Callable[[], object], *, min_time_s: float = 1.0, max_reps: int = 2000
) -> float:
    """Median wall time of ``fn`` over repeats filling about ``min_time_s``."""
    fn()  # warm-up
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_time_s or len(times) < 5):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def pennylane_step(arch_name: str):
    """A broadcasting, backprop PennyLane version of the same circuit and its vjp."""
    import pennylane as qml
    from autograd import value_and_grad
    from pennylane import numpy as pnp

    arch = get_architecture(arch_name)
    dev = qml.device("default.qubit", wires=arch.n_qubits)
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}

    @qml.qnode(dev, diff_method="backprop", interface="autograd")
    def circuit(theta, x):
        for op in arch.ops():
            if op.kind == "cnot":
                qml.CNOT(wires=list(op.wires))
            elif op.feature is not None:
                qml.RY(x[:, op.feature], wires=op.wires[0])
            else:
                gates[op.kind](theta[op.param], wires=op.wires[0])
        return [qml.expval(qml.PauliZ(q)) for q in range(arch.n_qubits)]

    def step(theta, x, c):
        """One training step's work: the scalar sum(c * <Z>) and its gradient, one pass."""
        x = pnp.array(x, requires_grad=False)

        def cost(t):
            vals = circuit(t, x)
            return sum(pnp.sum(c[:, q] * vals[q]) for q in range(arch.n_qubits))

        value, grad = value_and_grad(cost)(pnp.array(theta, requires_grad=True))
        return float(value), np.asarray(grad)

    def values(theta, x):
        return np.stack([np.asarray(v) for v in circuit(theta, pnp.array(x))], axis=1)

    return step, values


def bench(name: str, rng: np.random.Generator) -> float | None:
    """Print one architecture's timings; return the speed ratio, None if the two disagree."""
    arch = get_architecture(name)
    x = rng.uniform(0, np.pi, (BATCH, arch.n_qubits))
    theta = rng.uniform(-np.pi, np.pi, arch.n_params)
    c = rng.normal(size=(BATCH, arch.n_qubits))
    y = rng.integers(0, 2, BATCH)
    pl_step, pl_values = pennylane_step(name)

    _, pl_grad = pl_step(theta, x, c)
    values, grad = expectation_z_vjp(arch, x, theta, c)
    dv = np.abs(values - pl_values(theta, x)).max()
    dg = np.abs(grad - pl_grad).max()
    if dv > 1e-10 or dg > 1e-9:
        print(f"FAIL {name}: qnn and PennyLane disagree (values {dv:.1e}, grad {dg:.1e})")
        return None

    t_pl = median_seconds(lambda: pl_step(theta, x, c), min_time_s=3.0, max_reps=50)
    t_vjp = median_seconds(lambda: expectation_z_vjp(arch, x, theta, c))
    t_loss = median_seconds(lambda: loss_and_grad(arch, x, y, theta, Readout(2)))
    ratio = t_pl / t_vjp
    print(
        f"{name:10s} ({arch.n_params} angles): qnn vjp {t_vjp * 1e3:7.3f} ms, "
        f"qnn loss+grad {t_loss * 1e3:7.3f} ms, PennyLane {t_pl * 1e3:8.2f} ms; "
        f"ratio {ratio:6.1f}x  (agree: values {dv:.0e}, grad {dg:.0e})"
    )
    return ratio


def main() -> int:
    try:
        import pennylane as qml
    except ImportError:
        print("SKIP bench_qnn_step: PennyLane is not installed (pip install '.[bench]')")
        return 0
    print(f"PennyLane {qml.__version__}, default.qubit, broadcasting + backprop; batch {BATCH}")
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1, user_api="blas"):
        ratios = [bench(name, rng) for name in ("compact", "expressive")]
    if any(r is None for r in ratios):
        return 1
    worst = min(ratios)
    verdict = "meets" if worst >= TARGET_RATIO else "MISSES"
    print(f"slowest ratio {worst:.1f}x {verdict} the {TARGET_RATIO:.0f}x target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
