"""``cosim dac``: model one N-bit DAC instance and report linearity, SQNR, power and area."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cosim.commands._common import (
    PLOT_SUFFIXES,
    check_choice,
    check_float,
    check_int,
    check_plot_path,
    emit_json,
)
from cosim.errors import CosimInputError
from cosim.files import save_figure
from hardware_models.dac import ARCHITECTURES

HELP = "Model an N-bit DAC: transfer, INL/DNL, SQNR/ENOB, power and area."

DEFAULT_PRESET = "cryo_cmos_28nm_bulk"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options; values arrive as strings and are validated in :func:`run`."""
    parser.add_argument("--bits", type=str, required=True, metavar="N",
                        help="resolution, an integer 1..16")
    parser.add_argument("--arch", type=str, default="binary", metavar="ARCH",
                        help="binary, unary or segmented (default binary)")
    parser.add_argument("--unary-msbs", type=str, default=None, metavar="K",
                        help="MSBs decoded to thermometer code, 1..N; segmented only "
                             "(default N//2, at least 1)")
    parser.add_argument("--mismatch-sigma", "--inl-sigma", dest="mismatch_sigma", type=str,
                        default="0", metavar="S",
                        help="relative std of each unit cell (INL/DNL), >= 0 (default 0: ideal); "
                        "--inl-sigma is an alias")
    parser.add_argument("--seed", type=str, default="0", metavar="K",
                        help="seed for the mismatch draw, an integer >= 0 (default 0)")
    parser.add_argument("--sample-rate", type=str, default="1e9", metavar="HZ",
                        help="sample rate for the power estimate, Hz > 0 (default 1e9)")
    parser.add_argument("--preset", type=str, default=DEFAULT_PRESET, metavar="NAME",
                        help=f"technology preset for power and area (default {DEFAULT_PRESET})")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of a summary")
    parser.add_argument("--plot", type=str, default=None, metavar="FILE",
                        help="write transfer error, INL and DNL to FILE "
                             f"({', '.join(PLOT_SUFFIXES)})")


def _parse_int(text: str, where: str, lo: int, hi: int | None = None) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        allowed = f"an integer {lo}..{hi}" if hi is not None else f"an integer >= {lo}"
        raise CosimInputError(where, f"must be {allowed}, got {text!r}") from None
    return check_int(value, where, lo, hi)


def _validated(args: argparse.Namespace) -> dict[str, Any]:
    from hardware_models.presets import list_presets

    bits = _parse_int(args.bits, "--bits", 1, 16)
    arch = check_choice(args.arch, "--arch", ARCHITECTURES)
    if arch == "segmented":
        msbs = max(1, bits // 2) if args.unary_msbs is None else _parse_int(
            args.unary_msbs, "--unary-msbs", 1, bits)
    else:
        if args.unary_msbs is not None:
            raise CosimInputError("--unary-msbs", f"applies only to --arch segmented, "
                                                  f"got --arch {arch}")
        msbs = 0
    sigma = check_float(args.mismatch_sigma, "--mismatch-sigma", lo=0.0, hi=1.0)
    seed = _parse_int(args.seed, "--seed", 0)
    rate = check_float(args.sample_rate, "--sample-rate", lo=0.0, lo_open=True)
    preset = check_choice(args.preset, "--preset", list_presets()["technology"])
    plot = check_plot_path(args.plot)
    return {"bits": bits, "arch": arch, "msbs": msbs, "sigma": sigma, "seed": seed,
            "rate": rate, "preset": preset, "plot": plot}


def analyse(*, bits: int, arch: str, msbs: int, sigma: float, seed: int, rate: float,
            preset: str) -> dict[str, Any]:
    """Build the DAC and collect every figure the command reports."""
    import numpy as np

    from hardware_models.costs import channel_area, channel_power
    from hardware_models.dac import DAC, DACSpec
    from hardware_models.linearity import dnl_lsb, inl_lsb, is_monotonic
    from hardware_models.spectral import ideal_sqnr_db, sine_test

    spec = DACSpec(bits=bits, architecture=arch, unary_msbs=msbs, mismatch_sigma=sigma)
    dac = DAC(spec, rng=seed)
    inl = inl_lsb(dac.levels, "endpoint")
    dnl = dnl_lsb(dac.levels, "endpoint")
    sine = sine_test(dac)
    power = channel_power(bits=bits, sample_rate_hz=rate, tech=preset, architecture=arch,
                          unary_msbs=msbs)
    area = channel_area(bits=bits, tech=preset, architecture=arch, unary_msbs=msbs)
    return {
        "bits": bits,
        "architecture": arch,
        "unary_msbs": msbs,
        "mismatch_sigma": sigma,
        "seed": seed,
        "full_scale": spec.full_scale,
        "lsb": dac.lsb,
        "levels": dac.levels,
        "ideal_levels": dac.ideal_levels,
        "inl_lsb": inl,
        "dnl_lsb": dnl,
        "inl_max_lsb": float(np.max(np.abs(inl))),
        "dnl_max_lsb": float(np.max(np.abs(dnl))),
        "dnl_worst_code": int(np.argmax(np.abs(dnl))),
        "inl_max_best_fit_lsb": float(np.max(np.abs(inl_lsb(dac.levels, "best")))),
        "monotonic": is_monotonic(dac.levels),
        "sqnr_db": sine.sinad_db,
        "sqnr_ideal_db": ideal_sqnr_db(bits),
        "enob": sine.enob,
        "preset": preset,
        "sample_rate_hz": rate,
        "power_w": power.power_w,
        "power_breakdown_w": power.power_breakdown_w,
        "area_mm2": area.total_m2 * 1e6,
        "area_breakdown_mm2": {"array": area.array_area_m2 * 1e6,
                               "switches": area.switch_area_m2 * 1e6,
                               "decoder": area.decoder_area_m2 * 1e6,
                               "overhead": area.overhead_area_m2 * 1e6},
        "unit_sigma_required": area.unit_sigma,
    }


def _summary(r: dict[str, Any]) -> str:
    arch = r["architecture"] + (f" (K={r['unary_msbs']})" if r["architecture"] == "segmented"
                                else "")
    return "\n".join([
        f"DAC: {r['bits']} bits, {arch}, unit sigma {r['mismatch_sigma']:g}, seed {r['seed']}",
        f"  LSB            {r['lsb']:.6g} (full scale {r['full_scale']:g})",
        f"  max |INL|      {r['inl_max_lsb']:.4f} LSB (endpoint), "
        f"{r['inl_max_best_fit_lsb']:.4f} LSB (best fit)",
        f"  max |DNL|      {r['dnl_max_lsb']:.4f} LSB at code {r['dnl_worst_code']} -> "
        f"{r['dnl_worst_code'] + 1}",
        f"  monotonic      {'yes' if r['monotonic'] else 'no'}",
        f"  SQNR           {r['sqnr_db']:.2f} dB (ideal 6.02N+1.76 = {r['sqnr_ideal_db']:.2f} dB)",
        f"  ENOB           {r['enob']:.2f} bits",
        f"  power/channel  {r['power_w'] * 1e3:.4g} mW at {r['sample_rate_hz']:.4g} S/s "
        f"({r['preset']}): "
        + ", ".join(f"{k} {v * 1e3:.3g}" for k, v in r["power_breakdown_w"].items()) + " mW",
        f"  area/channel   {r['area_mm2']:.4g} mm^2 (unit sigma for 99.7% INL yield: "
        f"{r['unit_sigma_required']:.3g})",
    ])


def _plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    codes = np.arange(len(r["levels"]))
    error_lsb = (np.asarray(r["levels"]) - np.asarray(r["ideal_levels"])) / r["lsb"]
    many = len(codes) > 64
    style = {"lw": 0.8} if many else {"marker": "o", "ms": 3, "lw": 1.0}
    fig, axes = plt.subplots(3, 1, figsize=(6.4, 6.4), sharex=True, constrained_layout=True)
    axes[0].plot(codes, error_lsb, color="C0", **style)
    axes[0].set_ylabel("Transfer error\n(ideal LSB)")
    axes[1].plot(codes, r["inl_lsb"], color="C1", **style)
    axes[1].set_ylabel("INL (LSB)")
    if many:
        axes[2].plot(codes[:-1] + 0.5, r["dnl_lsb"], color="C2", lw=0.8)
    else:
        axes[2].bar(codes[:-1] + 0.5, r["dnl_lsb"], width=0.8, color="C2")
    axes[2].set_ylabel("DNL (LSB)")
    axes[2].set_xlabel("Input code")
    for ax in axes:
        ax.axhline(0.0, color="0.5", lw=0.6)
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"{r['bits']}-bit {r['architecture']} DAC, unit $\\sigma$ = "
                 f"{r['mismatch_sigma']:g}, seed {r['seed']} (endpoint fit)")
    save_figure(fig, path, dpi=200)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Validate the options, model the DAC and print the report."""
    opts = _validated(args)
    plot = opts.pop("plot")
    result = analyse(**opts)
    if plot is not None:
        _plot(result, plot)
    if args.json:
        emit_json({k: v for k, v in result.items() if k != "ideal_levels"})
    else:
        print(_summary(result))
        if plot is not None:
            print(f"  plot           {plot}")
    return 0
