"""Benchmark: compile the full gate set of a 12-bit DAC, closed form against QuTiP.

The budget (issue #3) is < 10 s for all 4096 codes on 2 cores. The QuTiP
reference is timed on a subset of codes in the same process and extrapolated
linearly (one solve per code), which gives the speed-up of the closed form.
Both paths solve the same drives; their largest difference is printed too.

Run: ``python benchmarks/bench_gateset.py [--bits 12] [--subset 48]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import numpy as np

from cosim.pulse import AngleDAC, ClosedFormSolver, PulseSpec, QubitModel, QutipSolver
from cosim.pulse.gateset import compile_gateset
from hardware_models.dac import DAC, DACSpec

BUDGET_S = 10.0


def _best_of(repeats: int, fn) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench(bits: int, subset: int, envelope: str, repeats: int) -> bool:
    dac = DAC(DACSpec(bits=bits, mismatch_sigma=0.01), rng=0)
    pulse = PulseSpec(duration_s=20e-9, sample_rate_hz=1e9, envelope=envelope)
    model = QubitModel(detuning_hz=1e6)
    with tempfile.TemporaryDirectory() as tmp:
        # use_cache=False: time the compilation itself, not a disk read.
        t_closed, gs = _best_of(repeats, lambda: compile_gateset(
            dac, pulse=pulse, model=model, cache_dir=tmp, use_cache=False))
    angle = AngleDAC(dac)
    codes = np.linspace(0, angle.n_codes - 1, subset).astype(np.int64)
    drive = angle.drive(codes, pulse)
    QutipSolver().unitaries(drive[:1], model)  # warm-up: imports and first-call setup
    t0 = time.perf_counter()
    reference = QutipSolver().unitaries(drive, model)
    t_qutip = time.perf_counter() - t0
    per_code = t_qutip / subset
    t_qutip_full = per_code * angle.n_codes
    diff = float(np.max(np.abs(ClosedFormSolver().unitaries(drive, model) - reference)))
    ok = t_closed < BUDGET_S
    print(f"{bits}-bit gate set ({angle.n_codes} codes, {envelope} {pulse.n_samples}-sample "
          f"pulse, solver {gs.solver}):")
    print(f"  closed form, all codes:      {t_closed:9.4f} s (best of {repeats})  "
          f"{'PASS' if ok else 'FAIL'} (budget {BUDGET_S:g} s)")
    print(f"  QuTiP sesolve, {subset} codes:   {t_qutip:9.4f} s  "
          f"({per_code * 1e3:.2f} ms/code, ~{t_qutip_full:.1f} s for all codes)")
    print(f"  speed-up of the closed form: {t_qutip_full / t_closed:9.0f}x")
    print(f"  max |U_closed - U_qutip|:    {diff:9.2e}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, default=12)
    parser.add_argument("--subset", type=int, default=48, help="codes solved with QuTiP")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    ok = True
    for envelope in ("square", "cosine"):
        ok &= bench(args.bits, args.subset, envelope, args.repeats)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
