"""Time one noisy QNN training step (values + exact gradient, batch 256, every channel on).

The step is ``<Z_q>`` as read for a batch of 256 inputs and the gradient of
``sum(c * <Z>)`` with respect to all angles, under T1 and T2 relaxation on
every pulse and every idle interval (as-soon-as-possible timing), two-qubit
depolarizing after every CNOT and readout assignment errors. Three sides run
in this process, each on one BLAS thread:

* qnn's noisy executor (:func:`qnn.circuits.expectation_z_vjp` with ``noise=``),
  adjoint gradient, plan cache warm as in training (the cold first call is
  printed too);
* PennyLane ``default.mixed`` on the same circuit, with parameter
  broadcasting over the batch and ``diff_method="backprop"`` (autograd
  ``value_and_grad``): ``ThermalRelaxationError`` with ``pe = 0``, a Kraus
  two-qubit depolarizing ``QubitChannel`` and the readout formula;
* qnn's noiseless step (the pure-state adjoint path) on the same inputs.

Values and gradients of qnn and PennyLane are compared first, so the
benchmark doubles as a cross-check. Targets (issue 11): at least 300x faster
than PennyLane and at most 30x our noiseless step. Without PennyLane
(``pip install '.[bench]'``) only the second ratio is measured.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_qnn_step import median_seconds  # noqa: E402  (this folder is on sys.path)

from qnn import _density  # noqa: E402
from qnn.architectures import get_architecture  # noqa: E402
from qnn.circuits import expectation_z_vjp  # noqa: E402
from qnn.noise import NoiseModel, Timing  # noqa: E402

BATCH = 256
PENNYLANE_TARGET = 300.0
NOISELESS_TARGET = 30.0
NOISE = NoiseModel(t1_s=20e-6, t2_s=30e-6, gate_1q_s=20e-9, gate_2q_s=100e-9,
                   cnot_depolarizing=0.01, readout_error=(0.02, 0.04), idle=True)


def pennylane_step(arch_name: str, noise: NoiseModel):
    """The same noisy circuit on ``default.mixed``: (step, values) callables."""
    import pennylane as qml
    from autograd import value_and_grad
    from pennylane import numpy as pnp

    arch = get_architecture(arch_name)
    waits = [iter(row) for row in Timing.asap(arch, noise).idle_s]
    schedule = [(op, [next(waits[w]) for w in op.wires]) for op in arch.ops()]
    final = [next(w) for w in waits]
    paulis = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
              np.diag([1.0, -1.0])]
    p = noise.cnot_depolarizing
    kraus = [np.sqrt(1 - 15 * p / 16) * np.eye(4)] + [
        np.sqrt(p / 16) * np.kron(a, b)
        for i, a in enumerate(paulis) for j, b in enumerate(paulis) if (i, j) != (0, 0)
    ]
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}
    e0, e1 = noise.readout_error

    def relax(t: float, wire: int) -> None:
        if t > 0:
            qml.ThermalRelaxationError(0.0, noise.t1_s, noise.t2_s, t, wires=wire)

    @qml.qnode(qml.device("default.mixed", wires=arch.n_qubits), diff_method="backprop",
               interface="autograd")
    def circuit(theta, x):
        for op, idle in schedule:
            for w, t in zip(op.wires, idle, strict=True):
                relax(t, w)
            if op.kind == "cnot":
                qml.CNOT(wires=list(op.wires))
                qml.QubitChannel(kraus, wires=list(op.wires))
                for w in op.wires:
                    relax(noise.gate_2q_s, w)
                continue
            angle = x[:, op.feature] if op.feature is not None else theta[op.param]
            gates[op.kind](angle, wires=op.wires[0])
            if op.kind != "rz":
                relax(noise.gate_1q_s, op.wires[0])
        for w, t in enumerate(final):
            relax(t, w)
        return [qml.expval(qml.PauliZ(q)) for q in range(arch.n_qubits)]

    def read(theta, x):
        return [(1 - e0 - e1) * v + (e1 - e0) for v in circuit(theta, x)]

    def step(theta, x, c):
        """One training step's work: the scalar sum(c * <Z>) and its gradient, one pass."""
        x = pnp.array(x, requires_grad=False)

        def cost(t):
            return sum(pnp.sum(c[:, q] * v) for q, v in enumerate(read(t, x)))

        value, grad = value_and_grad(cost)(pnp.array(theta, requires_grad=True))
        return float(value), np.asarray(grad)

    def values(theta, x):
        return np.stack([np.asarray(v) for v in read(pnp.array(theta), pnp.array(x))], axis=1)

    return step, values


def bench(name: str, rng: np.random.Generator, with_pennylane: bool) -> dict[str, float] | None:
    """Print one architecture's timings; return the ratios, None if qnn and PennyLane disagree."""
    arch = get_architecture(name)
    x = rng.uniform(0, np.pi, (BATCH, arch.n_qubits))
    theta = rng.uniform(-np.pi, np.pi, arch.n_params)
    c = rng.normal(size=(BATCH, arch.n_qubits))

    def noisy():
        return expectation_z_vjp(arch, x, theta, c, noise=NOISE)

    def cold():
        _density.make_plan.cache_clear()
        return noisy()

    t_noisy = median_seconds(noisy)
    t_cold = median_seconds(cold, min_time_s=0.5)
    t_ideal = median_seconds(lambda: expectation_z_vjp(arch, x, theta, c))
    t_shots = median_seconds(
        lambda: expectation_z_vjp(arch, x, theta, c, noise=NOISE, shots=1000, rng=0),
        min_time_s=0.5, max_reps=20)
    out = {"noiseless": t_noisy / t_ideal}
    line = (f"{name:10s} ({arch.n_params} angles): noisy {t_noisy * 1e3:6.3f} ms "
            f"(cold plan {t_cold * 1e3:6.2f} ms), noiseless {t_ideal * 1e3:6.3f} ms, "
            f"noisy/noiseless {out['noiseless']:5.2f}x; "
            f"1000 shots + parameter shift {t_shots * 1e3:7.1f} ms")
    if with_pennylane:
        pl_step, pl_values = pennylane_step(name, NOISE)
        _, pl_grad = pl_step(theta, x, c)
        values, grad = noisy()
        dv = np.abs(values - pl_values(theta, x)).max()
        dg = np.abs(grad - pl_grad).max()
        if dv > 1e-9 or dg > 1e-9:
            print(f"FAIL {name}: qnn and PennyLane disagree (values {dv:.1e}, grad {dg:.1e})")
            return None
        t_pl = median_seconds(lambda: pl_step(theta, x, c), min_time_s=5.0, max_reps=10)
        out["pennylane"] = t_pl / t_noisy
        line += (f"\n{'':10s} PennyLane default.mixed {t_pl * 1e3:8.1f} ms; "
                 f"qnn is {out['pennylane']:7.1f}x faster (agree: values {dv:.0e}, grad {dg:.0e})")
    print(line)
    return out


def main() -> int:
    try:
        import pennylane as qml
    except ImportError:
        qml = None
        print("SKIP PennyLane side: PennyLane is not installed (pip install '.[bench]')")
    if qml is not None:
        print(f"PennyLane {qml.__version__}, default.mixed, broadcasting + backprop")
    print(f"batch {BATCH}, one BLAS thread, noise: {NOISE}")
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1, user_api="blas"):
        results = {name: bench(name, rng, qml is not None) for name in ("compact", "expressive")}
    if any(r is None for r in results.values()):
        return 1
    compact = results["compact"]
    verdicts = [f"compact noisy/noiseless {compact['noiseless']:.2f}x "
                f"{'meets' if compact['noiseless'] <= NOISELESS_TARGET else 'MISSES'} "
                f"the <= {NOISELESS_TARGET:.0f}x target"]
    if "pennylane" in compact:
        verdicts.append(f"compact speed-up over PennyLane {compact['pennylane']:.0f}x "
                        f"{'meets' if compact['pennylane'] >= PENNYLANE_TARGET else 'MISSES'} "
                        f"the >= {PENNYLANE_TARGET:.0f}x target")
    print("; ".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
