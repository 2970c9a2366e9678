"""``cosim train``: train a QNN under finite DAC resolution and deploy it.

A thin caller of the one training path, :func:`qnn.fit.fit`: the flags spell a
:class:`~qnn.fit.TrainingRecipe` (``--quantizer none|deterministic|stochastic|ste``,
temperature, schedule, optimisation) and a :class:`~qnn.device.Device` (the
angle DAC at ``--bits`` with every field of the DAC spec and its chip
``--chip-seed``, and the encoding DAC at ``--encode-bits`` on the same chip).
After training, ``--eval-bits`` deploys the trained angles by post-training
quantization (:mod:`qnn.ptq`) on the same chip at other widths, and
``--eval-gates`` also on pulse-level compiled gate sets
(:func:`cosim.pulse.compile_gateset`, cached under ``$COSIM_CACHE_DIR``).

Seeds: ``--seed`` is the training seed (split, initial angles, shuffles and
the stochastic-rounding stream); ``--chip-seed`` draws the DAC mismatch. A
one-point scenario with ``workload.seeds`` and ``dac.seeds`` set to them, and
``QNNClassifier(random_state=..., chip_seed=...)``, train the same model.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.commands._common import (
    build,
    check_choice,
    check_int,
    check_plot_path,
    emit_json,
    progress_enabled,
)
from cosim.errors import CosimInputError
from qnn.device import MAX_SEED, ControlStack, Qubit
from qnn.vocabulary import (
    DAC_ARCHITECTURES,
    DATASETS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_KERNEL,
    DEFAULT_LR,
    DEFAULT_MISMATCH_SIGMA,
    DEFAULT_OPTIMIZER,
    DEFAULT_QUANTIZER,
    DEFAULT_SCHEDULE,
    DEFAULT_SELECT,
    DEFAULT_TEMPERATURE,
    DEFAULT_UNARY_MSBS,
    KERNELS,
    MAX_BITS,
    MIN_BITS,
    OPTIMIZERS,
    QNN_ARCHITECTURES,
    QUANTIZERS,
    SCHEDULES,
    SELECTIONS,
)

HELP = "Train a QNN under finite DAC resolution."

QUBIT_DEFAULTS = Qubit()
STACK_DEFAULTS = ControlStack()

# Which flag spells each field of the typed specs, for their error messages.
_RECIPE_FLAGS = {"quantizer": "--quantizer", "temperature": "--temperature",
                 "temperature_final": "--temperature-final", "schedule": "--schedule",
                 "kernel": "--kernel", "epochs": "--epochs", "lr": "--lr",
                 "batch_size": "--batch-size", "optimizer": "--optimizer", "select": "--select",
                 "noisy_training": "--noisy-training"}
_QUBIT_FLAGS = {"t1_s": "--t1", "t2_s": "--t2", "gate_1q_s": "--gate-1q",
                "gate_2q_s": "--gate-2q", "cnot_error": "--cnot-error",
                "idle_decoherence": "--no-idle"}
_MEASUREMENT_FLAGS = {"readout_error": "--readout-error", "shots": "--shots"}
_DAC_FLAGS = {"bits": "--bits", "architecture": "--dac-architecture",
              "unary_msbs": "--unary-msbs", "mismatch_sigma": "--mismatch-sigma",
              "gain_error": "--gain-error", "offset_rad": "--offset-rad",
              "noise_rms_rad": "--noise-rms-rad", "chip_seed": "--chip-seed"}


def _choices(names: tuple[str, ...]) -> str:
    return "one of " + ", ".join(names)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options; values are validated in :func:`run`."""
    parser.add_argument("--dataset", required=True, help=_choices(DATASETS))
    parser.add_argument("--arch", default="compact", help=_choices(QNN_ARCHITECTURES))
    parser.add_argument("--classes", default=None,
                        help="comma-separated original labels, e.g. 0,1,3,6 (image sets)")
    parser.add_argument("--seed", type=int, default=0,
                        help="training seed: split, initial angles, shuffles, rounding stream")
    recipe = parser.add_argument_group("training recipe")
    recipe.add_argument("--quantizer", default=DEFAULT_QUANTIZER,
                        help=f"{_choices(QUANTIZERS)}; none with finite --bits trains in float "
                        "(bits sets the LSB of the step diagnostics; deploy with --eval-bits)")
    recipe.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                        metavar="T0",
                        help="start temperature of stochastic rounding, >= 0 (1 = unbiased)")
    recipe.add_argument("--temperature-final", type=float, default=None, metavar="T1",
                        help="temperature at the last epoch (default: the schedule's)")
    recipe.add_argument("--schedule", default=DEFAULT_SCHEDULE,
                        help=f"temperature schedule: {_choices(SCHEDULES)}")
    recipe.add_argument("--kernel", default=DEFAULT_KERNEL,
                        help=f"stochastic rounding kernel: {_choices(KERNELS)}")
    recipe.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"passes over the data ({DEFAULT_EPOCHS})")
    recipe.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"learning rate, rad ({DEFAULT_LR})")
    recipe.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                        help=f"samples per step ({DEFAULT_BATCH_SIZE})")
    recipe.add_argument("--optimizer", default=DEFAULT_OPTIMIZER, help=_choices(OPTIMIZERS))
    recipe.add_argument("--select", default=DEFAULT_SELECT,
                        help=f"which epoch to return: {_choices(SELECTIONS)}")
    dac = parser.add_argument_group("angle DAC (the chip)")
    dac.add_argument("--bits", default="inf", metavar="N|inf",
                     help=f"angle-DAC resolution {MIN_BITS}..{MAX_BITS} of the trained angles "
                     "(inf = float)")
    dac.add_argument("--dac-architecture", default="binary", help=_choices(DAC_ARCHITECTURES))
    dac.add_argument("--unary-msbs", type=int, default=DEFAULT_UNARY_MSBS,
                     help="MSBs decoded to unary in a segmented DAC (clipped to --bits)")
    dac.add_argument("--mismatch-sigma", "--inl-sigma", dest="mismatch_sigma", type=float,
                     default=DEFAULT_MISMATCH_SIGMA, metavar="S",
                     help="unit-element mismatch of the DACs, 0..1 (INL/DNL; 0 = ideal); "
                     "--inl-sigma is an alias")
    dac.add_argument("--gain-error", type=float, default=0.0, metavar="G",
                     help="relative gain error of the DACs (> -1)")
    dac.add_argument("--offset-rad", type=float, default=0.0, metavar="RAD",
                     help="output offset of the DACs, rad")
    dac.add_argument("--noise-rms-rad", type=float, default=0.0, metavar="RAD",
                     help="RMS output noise of the DACs, rad")
    dac.add_argument("--chip-seed", type=int, default=0,
                     help="the chip: seed of the DACs' mismatch draw")
    dac.add_argument("--encode-bits", default="inf", metavar="N|inf",
                     help="resolution of the data-encoding DAC on the same chip (inf = ideal)")
    device = parser.add_argument_group("qubits and measurement (the noisy executor)")
    device.add_argument("--t1", type=float, default=None, metavar="S",
                        help="energy relaxation time T1, s (default: none)")
    device.add_argument("--t2", type=float, default=None, metavar="S",
                        help="coherence time T2 <= 2 T1, s (default: none)")
    device.add_argument("--gate-1q", type=float, default=QUBIT_DEFAULTS.gate_1q_s, metavar="S",
                        help=f"single-qubit pulse duration, s ({QUBIT_DEFAULTS.gate_1q_s:g})")
    device.add_argument("--gate-2q", type=float, default=QUBIT_DEFAULTS.gate_2q_s, metavar="S",
                        help=f"CNOT duration, s ({QUBIT_DEFAULTS.gate_2q_s:g})")
    device.add_argument("--cnot-error", type=float, default=0.0, metavar="P",
                        help="two-qubit depolarizing probability after every CNOT, 0..1")
    device.add_argument("--readout-error", default="0,0", metavar="E0,E1",
                        help="readout assignment errors P(1|0),P(0|1), e0 + e1 < 1")
    device.add_argument("--shots", type=int, default=0,
                        help="measured bitstrings per input; 0 = exact expectations")
    device.add_argument("--no-idle", dest="idle", action="store_false",
                        help="no decoherence while a wire waits (only gates decohere)")
    device.add_argument("--sample-rate", type=float, default=STACK_DEFAULTS.sample_rate_hz,
                        metavar="HZ", help="DAC sample rate; with the pulse duration it sets how "
                        "--noise-rms-rad averages over a pulse")
    device.add_argument("--noisy-training", action="store_true",
                        help="train on the noisy device instead of the ideal circuit")
    deploy = parser.add_argument_group("deployment")
    deploy.add_argument("--eval-bits", default=None, metavar="2,3,4",
                        help="widths to deploy the trained angles on (post-training "
                        "quantization, same chip)")
    deploy.add_argument("--eval-gates", action="store_true",
                        help="also deploy on pulse-level compiled gate sets of each --eval-bits")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", default=None, metavar="FILE",
                        help="save loss curves, code changes per epoch and the |step|/LSB "
                        "histogram here")


@dataclass(frozen=True)
class Options:
    """Validated options of one ``cosim train`` run."""

    dataset: str
    arch: str
    classes: tuple[int, ...] | None
    seed: int
    recipe: Any  # qnn.fit.TrainingRecipe
    device: Any  # qnn.device.Device
    eval_bits: tuple[int, ...]
    eval_gates: bool
    plot: Path | None


def _parse_bits(text: str, where: str) -> int | float:
    allowed = f"must be an integer {MIN_BITS}..{MAX_BITS} or inf"
    if text.strip().lower() in ("inf", "infinity"):
        return math.inf
    try:
        bits = int(text)
    except ValueError:
        raise CosimInputError(where, f"{allowed}, got {text!r}") from None
    if not MIN_BITS <= bits <= MAX_BITS:
        raise CosimInputError(where, f"{allowed}, got {bits}")
    return bits


def _parse_eval_bits(text: str | None) -> tuple[int, ...]:
    if text is None:
        return ()
    allowed = f"must be comma-separated distinct integers {MIN_BITS}..{MAX_BITS}"
    items = [t.strip() for t in text.split(",")]
    if not all(t.lstrip("-").isdigit() for t in items):
        raise CosimInputError("--eval-bits", f"{allowed}, got {text!r}")
    widths = tuple(int(t) for t in items)
    bad = [b for b in widths if not MIN_BITS <= b <= MAX_BITS]
    if bad or len(set(widths)) != len(widths):
        raise CosimInputError("--eval-bits", f"{allowed}, got {text!r}")
    return widths


def _check_classes(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        classes = tuple(int(c) for c in text.split(","))
    except ValueError:
        raise CosimInputError(
            "--classes", f"must be comma-separated integers, got {text!r}"
        ) from None
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise CosimInputError("--classes", f"must name >= 2 distinct labels, got {text!r}")
    return classes


def _parse_pair(text: str, where: str) -> tuple[float, float]:
    try:
        e0, e1 = (float(t) for t in text.split(","))
    except ValueError:
        raise CosimInputError(where, f"must be two comma-separated numbers E0,E1, got "
                              f"{text!r}") from None
    return e0, e1


def _validate(args: argparse.Namespace) -> Options:
    from qnn.device import ControlStack, DACConfig, Device, Measurement, Qubit, encoding_dac
    from qnn.fit import TrainingRecipe

    dataset = check_choice(args.dataset, "--dataset", DATASETS)
    arch = check_choice(args.arch, "--arch", QNN_ARCHITECTURES)
    recipe = build(TrainingRecipe, _RECIPE_FLAGS, quantizer=args.quantizer,
                   temperature=args.temperature, temperature_final=args.temperature_final,
                   schedule=args.schedule, kernel=args.kernel, epochs=args.epochs, lr=args.lr,
                   batch_size=args.batch_size, optimizer=args.optimizer, select=args.select,
                   noisy_training=args.noisy_training)
    bits = _parse_bits(args.bits, "--bits")
    if recipe.quantizer != "none" and math.isinf(bits):
        raise CosimInputError("--bits", f"must be an integer {MIN_BITS}..{MAX_BITS} with "
                              f"--quantizer {recipe.quantizer}, got inf")
    angle = build(DACConfig, _DAC_FLAGS, bits=bits, architecture=args.dac_architecture,
                  unary_msbs=args.unary_msbs, mismatch_sigma=args.mismatch_sigma,
                  gain_error=args.gain_error, offset_rad=args.offset_rad,
                  noise_rms_rad=args.noise_rms_rad, chip_seed=args.chip_seed)
    encoding = encoding_dac(angle, _parse_bits(args.encode_bits, "--encode-bits"))
    eval_bits = _parse_eval_bits(args.eval_bits)
    if args.eval_gates and not eval_bits:
        raise CosimInputError("--eval-gates", "needs --eval-bits (the widths to compile), "
                              "got none")
    return Options(
        dataset=dataset, arch=arch, classes=_check_classes(args.classes),
        seed=check_int(args.seed, "--seed", 0, MAX_SEED), recipe=recipe,
        device=Device(
            angle_dac=angle, encoding_dac=encoding,
            stack=build(ControlStack, {"sample_rate_hz": "--sample-rate"},
                        sample_rate_hz=args.sample_rate),
            qubit=build(Qubit, _QUBIT_FLAGS,
                        t1_s=args.t1, t2_s=args.t2, gate_1q_s=args.gate_1q,
                        gate_2q_s=args.gate_2q, cnot_error=args.cnot_error,
                        idle_decoherence=args.idle),
            measurement=build(Measurement, _MEASUREMENT_FLAGS, shots=args.shots,
                              readout_error=_parse_pair(args.readout_error,
                                                        "--readout-error"))),
        eval_bits=eval_bits,
        eval_gates=bool(args.eval_gates), plot=check_plot_path(args.plot),
    )


def _json_bits(bits: int | float) -> int | str:
    return "inf" if math.isinf(bits) else int(bits)


def _gateset_factory(angle_dac: Any) -> Any:
    """``bits -> CompiledGateSet``: the chip's angle DAC at each width, pulse-compiled."""
    from cosim.pulse import compile_gateset

    def factory(bits: int) -> Any:
        return compile_gateset(angle_dac.at_bits(bits).grid().dac)

    return factory


def _deploy(opts: Options, data: Any, result: Any) -> dict[str, Any]:
    """PTQ figures of the trained angles at every ``--eval-bits`` (JSON keys)."""
    if not opts.eval_bits:
        return {}
    import numpy as np

    from qnn.ptq import post_training_quantization

    dac = opts.device.angle_dac
    # PTQ is deployment on the DAC grid: the ideal circuit, whatever training ran on.
    executor = result.executor.ideal()
    ptq = post_training_quantization(executor, data.X_test, data.y_test, result.theta,
                                     opts.eval_bits, dac=dac, readout=result.readout)
    out: dict[str, Any] = {"ptq_path": ptq.path, "ptq_test_accuracy": ptq.accuracy_by_bits(),
                           "ptq_test_loss": ptq.loss_by_bits()}
    if opts.eval_gates:
        compiled: dict[int, Any] = {}
        build_gates = _gateset_factory(dac)

        def factory(bits: int) -> Any:
            compiled[bits] = build_gates(bits)
            return compiled[bits]

        gates = post_training_quantization(executor, data.X_test, data.y_test,
                                           result.theta, opts.eval_bits,
                                           readout=result.readout, gates=factory)
        out["ptq_gate_test_accuracy"] = gates.accuracy_by_bits()
        out["ptq_gate_test_loss"] = gates.loss_by_bits()
        out["ptq_gate_fidelity_mean"] = {
            str(b): float(np.mean(g.fidelity["x"])) for b, g in compiled.items()
        }
    return out


def _plot(path: Path, report: dict[str, Any], lsb_rad: float, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    quantized = math.isfinite(lsb_rad)
    fig, axes = plt.subplots(1, 3 if quantized else 2, figsize=(13 if quantized else 9, 3.8),
                             dpi=150)
    epochs = np.arange(1, len(report["loss_history"]) + 1)
    ax = axes[0]
    ax.plot(epochs, report["loss_history"], label="train")
    if len(report["val_loss_history"]):
        ax.plot(epochs, report["val_loss_history"], label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats)")
    ax.set_title("loss")
    ax.legend()
    ax = axes[1]
    ax.plot(epochs, report["codes_changed_per_epoch"], marker="o", ms=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("stored-value changes per epoch (count)")
    ax.set_title("float parameters changed" if report["quantizer"] == "none"
                 else "DAC codes changed")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if quantized:
        _plot_histogram(axes[2], report, lsb_rad)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_histogram(ax: Any, report: dict[str, Any], lsb_rad: float) -> None:
    """|eta u| / LSB of every proposed update on log bins; the open end bins are hatched."""
    import numpy as np

    hist = report["step_lsb_histogram"]
    counts = np.asarray(hist["counts"], dtype=float)
    inner = np.asarray(hist["edges"][1:-1], dtype=float)  # 1e-4 .. 1e2, log-spaced
    ratio = inner[1] / inner[0]
    # Draw [0, 1e-4) and [1e2, inf) as one log bin each beyond the ends, hatched.
    edges = np.concatenate([[inner[0] / ratio], inner, [inner[-1] * ratio]])
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0",
           edgecolor="white", linewidth=0.5)
    for i in (0, len(counts) - 1):
        ax.bar(edges[i], counts[i], width=edges[i + 1] - edges[i], align="edge",
               color="C0", hatch="//", edgecolor="white", linewidth=0.5)
    ax.axvline(0.5, color="C3", ls="--")
    ax.text(0.5, 0.97, "LSB/2 ", color="C3", ha="right", va="top",
            transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    ax.set_xlabel(f"|η·u| / LSB   (LSB = {lsb_rad:.3g} rad; hatched: <1e-4, ≥1e2)")
    ax.set_ylabel("proposed updates (count)")
    below = report["fraction_below_half_lsb"]
    if below is not None:
        ax.set_title(f"update size: {below:.1%} below LSB/2\n(nearest rounding erases those)")


def _on_hardware(opts: Options, arch: Any, data: Any, result: Any) -> tuple[float, float, str]:
    """Test loss and accuracy of the trained model deployed on the device, and how.

    With a DAC (finite ``--bits``), on the realized hardware exactly as a study's
    stage hardware (:func:`cosim.realized.evaluate_realized`: per-code pulse
    processes on the scheduled timing); without one there are no codes to play,
    so on the device-level noise model.
    """
    from cosim.realized import deployed_codes, evaluate_realized
    from qnn.fit import training_streams

    device = opts.device
    if device.angle_dac.is_float:
        loss, acc = result.evaluate_on_device(data.X_test, data.y_test)
        return loss, acc, "device model"
    rng = training_streams(opts.seed).device_shots if device.measurement.shots else None
    loss, acc = evaluate_realized(arch, device, deployed_codes(result.theta, result.codes, device),
                                  data.X_test, data.y_test, result.readout, rng)
    return loss, acc, "realized"


def _train(opts: Options) -> dict[str, Any]:
    """Load, train, evaluate and deploy; the report as a JSON-ready dict."""
    from dataclasses import asdict

    from qnn.architectures import get_architecture
    from qnn.datasets import load_dataset, logistic_baseline
    from qnn.fit import fit

    arch = get_architecture(opts.arch)
    try:
        data = load_dataset(opts.dataset, n_qubits=arch.n_qubits, classes=opts.classes,
                            seed=opts.seed)
    except ValueError as exc:
        if str(exc).startswith("classes:"):
            raise CosimInputError("--classes", str(exc).split(": ", 1)[1]) from None
        raise
    if data.n_classes > arch.n_qubits:
        raise CosimInputError("--classes", f"at most {arch.n_qubits} classes, got {data.n_classes}")
    recipe, dac = opts.recipe, opts.device.angle_dac

    bar = callback = None
    if progress_enabled():
        from tqdm import tqdm

        n_batches = -(-len(data.y_train) // recipe.batch_size)
        bar = tqdm(total=recipe.epochs * n_batches, desc=f"train {opts.dataset}/{opts.arch}",
                   unit="step")
        callback = lambda info: bar.update(1)  # noqa: E731
    try:
        result = fit(arch, data.X_train, data.y_train, n_classes=data.n_classes,
                     x_val=data.X_val, y_val=data.y_val, recipe=recipe, device=opts.device,
                     seed=opts.seed, callback=callback)
    finally:
        if bar is not None:
            bar.close()
    _, initial_acc = result.executor.evaluate(data.X_test, data.y_test, result.initial_theta,
                                              result.readout)
    _, train_acc = result.evaluate(data.X_train, data.y_train)
    test_loss, test_acc = result.evaluate(data.X_test, data.y_test)
    noise = opts.device.noise_model()
    hardware: dict[str, Any] = {"noise": None if noise is None else asdict(noise),
                                "shots": opts.device.measurement.shots,
                                "noisy_training": recipe.noisy_training}
    if not opts.device.is_ideal:
        loss, acc, path = _on_hardware(opts, arch, data, result)
        hardware.update(hardware_test_accuracy=acc, hardware_test_loss=loss, hardware_path=path)
    diag = result.diagnostics.as_dict()
    edges = ["inf" if e is None else e for e in diag["step_lsb_edges"]]
    return {
        "dataset": opts.dataset, "arch": opts.arch, "n_params": arch.n_params,
        "bits": _json_bits(dac.bits), **{k: v for k, v in asdict(recipe).items()},
        "dac": {**asdict(dac), "bits": _json_bits(dac.bits)},
        "encode_bits": _json_bits(opts.device.encoding_dac.bits),
        "mismatch_sigma": dac.mismatch_sigma, "chip_seed": dac.chip_seed,
        "classes": list(data.class_names), "source": data.source,
        "n_train": len(data.y_train), "n_val": len(data.y_val), "n_test": len(data.y_test),
        "seed": opts.seed,
        "initial_test_accuracy": initial_acc, "train_accuracy": train_acc,
        "test_accuracy": test_acc, "test_loss": test_loss, "epoch": result.epoch,
        "codes": None if result.codes is None else result.codes.tolist(),
        "final_codes": None if result.final_codes is None else result.final_codes.tolist(),
        "classical_baseline_accuracy": logistic_baseline(data),
        "loss_history": result.history.loss_history,
        "val_loss_history": result.history.val_loss_history,
        "updates_applied_fraction": diag["updates_applied_fraction"],
        "displacement_ratio": diag["displacement_ratio"],
        "fraction_below_half_lsb": diag["fraction_below_half_lsb"],
        "deadlocked": diag["deadlocked"], "final_temperature": diag["final_temperature"],
        "step_lsb_histogram": {"edges": edges, "counts": diag["step_lsb_counts"]},
        "codes_changed_per_epoch": diag["codes_changed_per_epoch"],
        **hardware,
        **_deploy(opts, data, result),
        "train_seconds": result.history.seconds,
    }


def _print_text(report: dict[str, Any], plot: Path | None) -> None:
    r = report
    print(f"{r['dataset']} ({', '.join(r['classes'])}; {r['source']})")
    print(f"  {r['arch']}: {r['n_params']} angles, {r['epochs']} epochs, {r['optimizer']} "
          f"lr={r['lr']:g}; bits {r['bits']}, quantizer {r['quantizer']}, "
          f"encode bits {r['encode_bits']}, mismatch sigma {r['mismatch_sigma']:g}, "
          f"chip {r['chip_seed']}")
    print(f"  samples: train {r['n_train']}, val {r['n_val']}, test {r['n_test']}")
    print(f"  QNN accuracy: train {r['train_accuracy']:.3f}, test {r['test_accuracy']:.3f} "
          f"at epoch {r['epoch']} (before training {r['initial_test_accuracy']:.3f})")
    print(f"  logistic regression (same features): test {r['classical_baseline_accuracy']:.3f}")
    val = r["val_loss_history"]
    print(f"  final loss: train {r['loss_history'][-1]:.4f} nats"
          + (f", val {val[-1]:.4f}" if len(val) else ""))
    applied = r["updates_applied_fraction"]
    print(f"  updates applied {'n/a' if applied is None else f'{applied:.3f}'}, "
          f"deadlocked {str(r['deadlocked']).lower()}, "
          f"stored-value changes {sum(r['codes_changed_per_epoch'])}")
    for key, label in (("ptq_test_accuracy", f"PTQ ({r.get('ptq_path')})"),
                       ("ptq_gate_test_accuracy", "PTQ (compiled gates)")):
        if key in r:
            figures = ", ".join(f"{b}b {a:.3f}" for b, a in r[key].items())
            print(f"  {label} test accuracy: {figures}")
    print(f"  time: {r['seconds']:.2f} s (training {r['train_seconds']:.2f} s)")
    if plot is not None:
        print(f"  plot: {plot}")


def run(args: argparse.Namespace) -> int:
    opts = _validate(args)
    start = time.perf_counter()
    report = _train(opts)
    report["seconds"] = time.perf_counter() - start
    if opts.plot is not None:
        from qnn.vocabulary import lsb_rad

        bits = opts.device.angle_dac.bits
        lsb = lsb_rad(bits) if math.isfinite(bits) else math.inf
        _plot(opts.plot, report, lsb, f"{opts.dataset} / {opts.arch}, bits {report['bits']}, "
              f"{opts.recipe.quantizer}")
    if args.json:
        emit_json(report)
    else:
        _print_text(report, opts.plot)
    return 0
