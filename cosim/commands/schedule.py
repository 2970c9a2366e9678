"""``cosim schedule``: play a QNN circuit on the SimPy control stack."""

from __future__ import annotations

import argparse

from cosim.commands._common import (
    build,
    check_choice,
    check_float,
    check_int,
    check_plot_path,
    emit_json,
)
from cosim.errors import CosimInputError
from qnn.vocabulary import ENVELOPES, MAX_SAMPLES_PER_PULSE, lsb_rad, nearest_codes
from qnn.vocabulary import QNN_ARCHITECTURES as ARCHS

HELP = "Schedule a QNN circuit on a SimPy control stack with shared DAC channels."

ASSIGNMENTS = ("pool", "static")
MAX_SIMULATED_QUBITS = 6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``cosim schedule``."""
    parser.add_argument("--qubits", type=int, default=4, metavar="Q",
                        help="qubits (wires) of the circuit, 1..16 (default 4)")
    parser.add_argument("--channels", type=int, default=None, metavar="C",
                        help="DAC channels, 1..Q (default Q: one per qubit)")
    parser.add_argument("--arch", default="compact",
                        help="QNN architecture preset: compact (default) or expressive")
    parser.add_argument("--sample-rate", type=float, default=1e9, metavar="HZ",
                        help="DAC sample rate in Hz (default 1e9)")
    parser.add_argument("--fifo-depth", type=int, default=16, metavar="K",
                        help="FIFO depth per channel in words (default 16)")
    parser.add_argument("--samples-per-word", type=int, default=4, metavar="N",
                        help="samples per FIFO word (default 4)")
    parser.add_argument("--refill-rate", type=float, default=1e9, metavar="HZ",
                        help="words per second the sequencer writes per FIFO (default 1e9)")
    parser.add_argument("--issue-latency", type=float, default=4e-9, metavar="S",
                        help="sequencer issue latency in s (default 4e-9)")
    parser.add_argument("--gate-1q", type=float, default=20e-9, metavar="S",
                        help="single-qubit pulse duration in s (default 20e-9)")
    parser.add_argument("--gate-2q", type=float, default=100e-9, metavar="S",
                        help="CNOT duration in s (default 100e-9)")
    parser.add_argument("--gap", type=float, default=0.0, metavar="S",
                        help="channel dead time after each pulse in s (default 0)")
    parser.add_argument("--bits", type=int, default=8, help="angle-DAC bits, 1..16 (default 8)")
    parser.add_argument("--phase-bits", type=int, default=16,
                        help="virtual-Z phase register bits, 2..32 (default 16)")
    parser.add_argument("--envelope", default="square", help="square, cosine or gaussian")
    parser.add_argument("--assignment", default="pool",
                        help="pool (any free channel, default) or static (qubit q on "
                        "channel q mod C)")
    parser.add_argument("--mismatch-sigma", "--inl-sigma", dest="mismatch_sigma", type=float,
                        default=0.0, metavar="S",
                        help="relative std of each unit cell (INL/DNL), >= 0 (default 0: ideal); "
                        "--inl-sigma is an alias")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the example data/parameters and the mismatch draw")
    parser.add_argument("--t1", type=float, default=None, metavar="S",
                        help="T1 of every qubit in s, for --simulate (default none)")
    parser.add_argument("--t2", type=float, default=None, metavar="S",
                        help="T2 of every qubit in s, at most 2 * T1, for --simulate")
    parser.add_argument("--simulate", action="store_true",
                        help="also compute <Z> of the example input: the fast path (per-code "
                        "processes on the scheduled timing) and the QuTiP reference driven "
                        "by the emitted waveforms (two levels, at most 6 qubits)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", default=None, metavar="FILE",
                        help="save the Gantt timeline and emitted waveforms (PNG/PDF/SVG)")


def _validate(args: argparse.Namespace) -> int:
    q = check_int(args.qubits, "--qubits", 1, 16)
    channels = q if args.channels is None else check_int(args.channels, "--channels", 1, q)
    check_choice(args.arch, "--arch", ARCHS)
    fs = check_float(args.sample_rate, "--sample-rate", lo=0.0, lo_open=True, hi=1e12)
    check_int(args.fifo_depth, "--fifo-depth", 1, 1_000_000)
    check_int(args.samples_per_word, "--samples-per-word", 1, 4096)
    check_float(args.refill_rate, "--refill-rate", lo=0.0, lo_open=True)
    check_float(args.issue_latency, "--issue-latency", lo=0.0, hi=1e-3)
    check_float(args.gap, "--gap", lo=0.0, hi=1e-3)
    for flag, value in (("--gate-1q", args.gate_1q), ("--gate-2q", args.gate_2q)):
        check_float(value, flag, lo=0.0, lo_open=True, hi=1e-3)
        if value * fs < 0.5:
            raise CosimInputError(flag, f"must last at least one sample period "
                                  f"(1/--sample-rate = {1 / fs:g} s), got {value:g}")
    if args.gate_1q * fs > MAX_SAMPLES_PER_PULSE:
        raise CosimInputError("--gate-1q", f"must span at most {MAX_SAMPLES_PER_PULSE} samples "
                              f"at --sample-rate, got {args.gate_1q * fs:.3g}")
    check_int(args.bits, "--bits", 1, 16)
    check_int(args.phase_bits, "--phase-bits", 2, 32)
    check_choice(args.envelope, "--envelope", ENVELOPES)
    check_choice(args.assignment, "--assignment", ASSIGNMENTS)
    check_float(args.mismatch_sigma, "--mismatch-sigma", lo=0.0, hi=1.0)
    check_int(args.seed, "--seed", 0)
    check_plot_path(args.plot)
    for flag, value in (("--t1", args.t1), ("--t2", args.t2)):
        if value is not None:
            check_float(value, flag, lo=0.0, lo_open=True, hi=1.0)
    if args.t1 is not None and args.t2 is not None and args.t2 > 2 * args.t1:
        raise CosimInputError("--t2", f"must be <= 2 * --t1 = {2 * args.t1:g} s, "
                              f"got {args.t2:g}")
    if args.simulate and q > MAX_SIMULATED_QUBITS:
        raise CosimInputError("--qubits", f"must be at most {MAX_SIMULATED_QUBITS} with "
                              f"--simulate (the QuTiP reference is dense), got {q}")
    return channels


def run(args: argparse.Namespace) -> int:
    """Build the circuit, simulate the stack and report."""
    channels = _validate(args)
    import numpy as np

    from cosim.stack import StackSpec, simulate
    from hardware_models.dac import DAC, DACSpec
    from qnn.architectures import Architecture, get_architecture

    preset = get_architecture(args.arch)
    arch = Architecture(args.arch, n_qubits=args.qubits, n_layers=preset.n_layers,
                        rotations=preset.rotations)
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(0.0, np.pi, arch.n_qubits)
    theta = rng.uniform(0.0, 2 * np.pi, arch.n_params)
    spec = StackSpec(
        n_qubits=args.qubits, n_channels=channels, sample_rate_hz=args.sample_rate,
        samples_per_word=args.samples_per_word, fifo_depth_words=args.fifo_depth,
        refill_rate_hz=args.refill_rate, issue_latency_s=args.issue_latency,
        gate_1q_s=args.gate_1q, gate_2q_s=args.gate_2q, gap_s=args.gap,
        envelope=args.envelope, angle_bits=args.bits, phase_bits=args.phase_bits,
        assignment=args.assignment,
    )
    dac = DAC(DACSpec(bits=args.bits, mismatch_sigma=args.mismatch_sigma), rng=args.seed)
    if args.simulate:
        # Angles on the DAC grid, so that the stack's RZ and the executor's z codes agree.
        theta = nearest_codes(theta, args.bits) * lsb_rad(args.bits)
    # simulate refuses, before playing anything, a timeline of qubits x samples
    # beyond cosim.stack.spec.MAX_TIMELINE_SAMPLES; the error names the flags.
    result = build(simulate, {"gate_1q_s": "--gate-1q/--gate-2q/--sample-rate"},
                   circuit=arch.ops(), spec=spec, x=x, theta=theta, dac=dac)
    report = {
        "arch": args.arch, "qubits": args.qubits, "channels": channels,
        "sample_rate_hz": args.sample_rate, "fifo_depth_words": args.fifo_depth,
        **result.summary(),
        "pulse_samples": spec.pulse_samples, "pulse_words": spec.pulse_words,
    }
    if args.simulate:
        report.update(_simulate(args, arch, result, dac, x, theta))
    if args.plot:
        from cosim.stack.plot import plot_schedule

        plot_schedule(result, args.plot)
        report["plot"] = args.plot
    if args.json:
        emit_json(report)
        return 0
    print(f"{args.arch} QNN, {args.qubits} qubits on {channels} channel(s) "
          f"at {args.sample_rate:g} S/s, FIFO {args.fifo_depth} words")
    print(f"  duration     {result.duration_s * 1e9:.6g} ns")
    print(f"  utilization  {result.utilization:.4f} "
          f"(per channel: {', '.join(f'{u:.3f}' for u in result.channel_utilization)})")
    print(f"  underflows   {result.underflows} ({result.stall_s * 1e9:.4g} ns stalled)")
    idle = ", ".join(f"q{q} {t * 1e9:.5g} ns" for q, t in enumerate(result.idle_s))
    print(f"  idle         {idle}")
    if args.simulate:
        print(f"  <Z> fast     {', '.join(f'{z:+.9f}' for z in report['expectation_z'])}")
        print(f"  <Z> QuTiP    "
              f"{', '.join(f'{z:+.9f}' for z in report['expectation_z_qutip'])}")
        print(f"  max |diff|   {report['max_abs_diff']:.3g}")
    if args.plot:
        print(f"  plot         {args.plot}")
    return 0


def _simulate(args: argparse.Namespace, arch, result, dac, x, theta) -> dict:
    """``<Z>`` of the example input on the fast path and on the QuTiP reference."""
    import numpy as np

    from cosim.pulse import QubitModel
    from cosim.pulse.processes import compile_processes
    from cosim.stack.reference import qutip_expectation_z
    from cosim.stack.timing import emission_mask, scheduled_timing
    from qnn.executor import Executor
    from qnn.noise import NoiseModel, channel_encoding

    spec = result.spec
    model = QubitModel(t1_s=args.t1, t2_s=args.t2)
    channels = compile_processes(dac, pulse=spec.pulse, model=model,
                                 emitted=emission_mask(result), phase_bits=spec.phase_bits)
    noise = NoiseModel(t1_s=args.t1, t2_s=args.t2, gate_1q_s=channels.duration_s,
                       gate_2q_s=spec.twoq_ticks / spec.sample_rate_hz)
    executor = Executor(arch, encode=channel_encoding(channels), noise=noise,
                        channels=channels, timing=scheduled_timing(result, arch))
    fast = executor.values(np.asarray(x)[None], theta)[0]
    ref = qutip_expectation_z(result, model)
    return {"t1_s": args.t1, "t2_s": args.t2, "expectation_z": fast.tolist(),
            "expectation_z_qutip": ref.tolist(),
            "max_abs_diff": float(np.abs(fast - ref).max())}
