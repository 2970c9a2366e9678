"""Benchmark: realized processes with decoherence for every code of a 12-bit DAC.

The budget (issue 12) is < 1 s for 4096 codes, two levels, T1/T2 during the
pulse. The QuTiP reference (mesolve propagators, one per code) is timed on a
subset in the same process and extrapolated linearly; the largest difference
between the two on that subset is printed too. One BLAS thread.

Run: ``python benchmarks/bench_processes.py [--bits 12] [--subset 48] [--envelope square]``.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from cosim.pulse import AngleDAC, PulseSpec, QubitModel, QutipSolver
from cosim.pulse.processes import _qubit_superop_from_qutip, compile_processes
from hardware_models.dac import DAC, DACSpec

BUDGET_S = 1.0


def bench(bits: int, subset: int, envelope: str, repeats: int) -> bool:
    dac = DAC(DACSpec(bits=bits, full_scale=2 * np.pi, mismatch_sigma=0.01), rng=0)
    pulse = PulseSpec(envelope=envelope)
    model = QubitModel(t1_s=20e-6, t2_s=15e-6, detuning_hz=1e5)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        channels = compile_processes(dac, pulse=pulse, model=model)
        best = min(best, time.perf_counter() - t0)
    codes = np.random.default_rng(1).choice(dac.n_codes, subset, replace=False)
    t0 = time.perf_counter()
    ref = QutipSolver().superoperators(AngleDAC(dac).drive(codes, pulse), model)
    qutip_s = (time.perf_counter() - t0) / subset * dac.n_codes
    diff = np.abs(_qubit_superop_from_qutip(ref, 2)[0]
                  - channels.superoperators("x", codes)).max()
    print(f"{bits}-bit {envelope}: vectorised {best:.3f} s for {dac.n_codes} codes, "
          f"QuTiP ~{qutip_s:.1f} s (extrapolated from {subset}), speed-up {qutip_s / best:.0f}x, "
          f"max |diff| {diff:.2e}, budget {BUDGET_S} s: {'ok' if best < BUDGET_S else 'OVER'}")
    return best < BUDGET_S and diff < 1e-8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bits", type=int, default=12)
    parser.add_argument("--subset", type=int, default=48)
    parser.add_argument("--envelope", default="square")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with threadpool_limits(1, "blas"):
        ok = bench(args.bits, args.subset, args.envelope, args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
