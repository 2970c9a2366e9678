"""``cosim train``: train a QNN under finite DAC resolution and deploy it.

The angles are held by a parameter store from :func:`qnn.stores.make_store`
(``--quantizer none|deterministic|stochastic|ste`` at ``--bits``); the data
angles may go through their own encoding DAC (``--encode-bits``). After
training, ``--eval-bits`` deploys the trained angles by post-training
quantization (:mod:`qnn.ptq`) on the ideal grid, or on a mismatched DAC with
``--inl-sigma``, and ``--eval-gates`` also on pulse-level compiled gate sets
(:func:`cosim.pulse.compile_gateset`, cached under ``$COSIM_CACHE_DIR``).

Seeds: ``--seed`` drives the split, the initial angles and the shuffles; the
DAC chips (parameter and encoding DAC) and the stochastic-rounding stream are
spawned from it (:func:`qnn.classifier.hardware_seeds`), so adding a DAC never
changes the initial angles or the shuffles.
"""

from __future__ import annotations

import argparse
import inspect
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.commands._common import (
    check_choice,
    check_float,
    check_int,
    check_plot_path,
    emit_json,
    progress_enabled,
)
from cosim.errors import CosimInputError
from qnn.training import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_LR

HELP = "Train a QNN under finite DAC resolution."

# Kept in sync with qnn.datasets.DATASETS / qnn.architectures.PRESETS / qnn.optim.OPTIMIZERS /
# qnn.stores.QUANTIZERS / qnn.schedules.SCHEDULES (tests check it); repeated here so
# `cosim train --help` stays cheap.
DATASETS = ("iris", "breast_cancer", "mnist", "fashion_mnist")
ARCHS = ("compact", "expressive")
OPTIMIZERS = ("adam", "sgd")
QUANTIZERS = ("none", "deterministic", "stochastic", "ste")
SCHEDULES = ("constant", "linear", "exp", "cosine")
MAX_BITS = 16


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options; values are validated in :func:`run`."""
    parser.add_argument("--dataset", required=True, help=f"one of {', '.join(DATASETS)}")
    parser.add_argument("--arch", default="compact", help=f"one of {', '.join(ARCHS)}")
    parser.add_argument("--bits", default="inf", metavar="N|inf",
                        help="angle-DAC resolution 1..16 of the trained angles (inf = float)")
    parser.add_argument("--quantizer", default="none", help=f"one of {', '.join(QUANTIZERS)}; "
                        "none with finite --bits trains in float (bits sets the LSB of the "
                        "step diagnostics; deploy with --eval-bits)")
    parser.add_argument("--temperature", default=None, metavar="T0",
                        help="start temperature of stochastic rounding, >= 0 (1 = unbiased)")
    parser.add_argument("--schedule", default=None,
                        help=f"temperature schedule: one of {', '.join(SCHEDULES)}")
    parser.add_argument("--eval-bits", default=None, metavar="2,3,4",
                        help="widths to deploy the trained angles on (post-training quantization)")
    parser.add_argument("--eval-gates", action="store_true",
                        help="also deploy on pulse-level compiled gate sets of each --eval-bits")
    parser.add_argument("--encode-bits", default="inf", metavar="N|inf",
                        help="resolution of the data-encoding DAC (inf = ideal)")
    parser.add_argument("--inl-sigma", default=None, metavar="S",
                        help="unit-cell mismatch of every angle DAC, 0..1 (INL/DNL; 0 = ideal)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"passes over the data ({DEFAULT_EPOCHS})")
    parser.add_argument("--lr", type=float, default=None,
                        help=f"learning rate, rad ({DEFAULT_LR})")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"samples per step ({DEFAULT_BATCH_SIZE})")
    parser.add_argument("--optimizer", default="adam", help="adam or sgd")
    parser.add_argument("--classes", default=None,
                        help="comma-separated original labels, e.g. 0,1,3,6 (image sets)")
    parser.add_argument("--seed", type=int, default=0, help="seed of split, init and shuffles")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", default=None, metavar="FILE",
                        help="save loss curves, code changes per epoch and the |step|/LSB "
                        "histogram here")


@dataclass(frozen=True)
class Options:
    """Validated options of one ``cosim train`` run (bits may be ``inf``)."""

    dataset: str
    arch: str
    bits: int | float
    quantizer: str
    temperature: float
    schedule: str
    eval_bits: tuple[int, ...]
    eval_gates: bool
    encode_bits: int | float
    inl_sigma: float
    epochs: int
    lr: float
    batch_size: int
    optimizer: str
    seed: int
    classes: tuple[int, ...] | None
    plot: Path | None


def _parse_bits(text: str, where: str) -> int | float:
    allowed = f"must be an integer 1..{MAX_BITS} or inf"
    if text.strip().lower() in ("inf", "infinity"):
        return math.inf
    try:
        bits = int(text)
    except ValueError:
        raise CosimInputError(where, f"{allowed}, got {text!r}") from None
    if not 1 <= bits <= MAX_BITS:
        raise CosimInputError(where, f"{allowed}, got {bits}")
    return bits


def _parse_eval_bits(text: str | None) -> tuple[int, ...]:
    if text is None:
        return ()
    allowed = f"must be comma-separated distinct integers 1..{MAX_BITS}"
    items = [t.strip() for t in text.split(",")]
    if not all(t.lstrip("-").isdigit() for t in items):
        raise CosimInputError("--eval-bits", f"{allowed}, got {text!r}")
    widths = tuple(int(t) for t in items)
    bad = [b for b in widths if not 1 <= b <= MAX_BITS]
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


def _check_plot(path: str | None) -> Path | None:
    return check_plot_path(path, "--plot")


def _store_default(name: str) -> Any:
    """``make_store``'s own default for option ``name`` (never restated here)."""
    from qnn.stores import make_store

    return inspect.signature(make_store).parameters[name].default


def _validate(args: argparse.Namespace) -> Options:

    dataset = check_choice(args.dataset, "--dataset", DATASETS)
    arch = check_choice(args.arch, "--arch", ARCHS)
    bits = _parse_bits(args.bits, "--bits")
    quantizer = check_choice(args.quantizer, "--quantizer", QUANTIZERS)
    if quantizer != "none" and math.isinf(bits):
        raise CosimInputError(
            "--bits", f"must be an integer 1..{MAX_BITS} with --quantizer {quantizer}, got inf"
        )
    t0 = _store_default("temperature") if args.temperature is None else args.temperature
    temperature = check_float(t0, "--temperature", lo=0.0)
    schedule = check_choice(
        _store_default("schedule") if args.schedule is None else args.schedule, "--schedule",
        SCHEDULES,
    )
    if schedule == "exp" and temperature == 0:
        raise CosimInputError("--temperature", "must be > 0 with --schedule exp, got 0")
    eval_bits = _parse_eval_bits(args.eval_bits)
    if args.eval_gates and not eval_bits:
        raise CosimInputError("--eval-gates", "needs --eval-bits (the widths to compile), "
                              "got none")
    sigma = _store_default("inl_sigma") if args.inl_sigma is None else args.inl_sigma
    return Options(
        dataset=dataset, arch=arch, bits=bits, quantizer=quantizer, temperature=temperature,
        schedule=schedule, eval_bits=eval_bits, eval_gates=bool(args.eval_gates),
        encode_bits=_parse_bits(args.encode_bits, "--encode-bits"),
        inl_sigma=check_float(sigma, "--inl-sigma", lo=0.0, hi=1.0),
        epochs=check_int(DEFAULT_EPOCHS if args.epochs is None else args.epochs, "--epochs", 1),
        lr=check_float(DEFAULT_LR if args.lr is None else args.lr, "--lr", lo=0.0,
                       lo_open=True),
        batch_size=check_int(DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size,
                             "--batch-size", 1),
        optimizer=check_choice(args.optimizer, "--optimizer", OPTIMIZERS),
        seed=check_int(args.seed, "--seed", 0),
        classes=_check_classes(args.classes),
        plot=_check_plot(args.plot),
    )


def _json_bits(bits: int | float) -> int | str:
    return "inf" if math.isinf(bits) else int(bits)


def _gateset_factory(inl_sigma: float, dac_seed: int) -> Any:
    """``bits -> CompiledGateSet``: the parameter DAC's chip at each width, pulse-compiled."""
    from cosim.pulse import compile_gateset
    from hardware_models.dac import DAC, DACSpec

    def factory(bits: int) -> Any:
        return compile_gateset(DAC(DACSpec(bits=bits, mismatch_sigma=inl_sigma), rng=dac_seed))

    return factory


def _deploy(opts: Options, arch: Any, data: Any, theta: Any, readout: Any, encode: Any,
            dac_seed: int) -> dict[str, Any]:
    """PTQ figures of the trained angles at every ``--eval-bits`` (JSON keys)."""
    if not opts.eval_bits:
        return {}
    import numpy as np

    from qnn.ptq import post_training_quantization

    ptq = post_training_quantization(arch, data.X_test, data.y_test, theta, opts.eval_bits,
                                     readout=readout, inl_sigma=opts.inl_sigma, seed=dac_seed,
                                     encode=encode)
    out: dict[str, Any] = {"ptq_path": ptq.path, "ptq_test_accuracy": ptq.accuracy_by_bits(),
                           "ptq_test_loss": ptq.loss_by_bits()}
    if opts.eval_gates:
        compiled: dict[int, Any] = {}
        build = _gateset_factory(opts.inl_sigma, dac_seed)

        def factory(bits: int) -> Any:
            compiled[bits] = build(bits)
            return compiled[bits]

        gates = post_training_quantization(arch, data.X_test, data.y_test, theta,
                                           opts.eval_bits, readout=readout, gates=factory,
                                           encode=encode)
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


def _train(opts: Options) -> dict[str, Any]:
    """Load, train, evaluate and deploy; the report as a JSON-ready dict."""
    import numpy as np

    from qnn.architectures import get_architecture
    from qnn.classifier import hardware_seeds
    from qnn.datasets import load_dataset, logistic_baseline
    from qnn.model import Readout
    from qnn.ptq import encoding_hook
    from qnn.stores import make_store
    from qnn.training import evaluate, init_theta, train

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
    readout = Readout(data.n_classes)
    rng = np.random.default_rng(opts.seed)
    dac_seed, encode_seed, rounding = hardware_seeds(rng)  # spawned: rng is not advanced
    store = make_store(opts.quantizer, opts.bits, temperature=opts.temperature,
                       schedule=opts.schedule, inl_sigma=opts.inl_sigma, dac_seed=dac_seed,
                       seed=rounding)
    encode = encoding_hook(opts.encode_bits, inl_sigma=opts.inl_sigma, seed=encode_seed)
    theta0 = init_theta(arch, rng)  # what train() would draw first from the same rng
    store.init(theta0)
    _, initial_acc = evaluate(arch, data.X_test, data.y_test, store.circuit_theta, readout,
                              encode=encode)

    bar = callback = None
    if progress_enabled():
        from tqdm import tqdm

        n_batches = -(-len(data.y_train) // opts.batch_size)
        bar = tqdm(total=opts.epochs * n_batches, desc=f"train {opts.dataset}/{opts.arch}",
                   unit="step")
        callback = lambda info: bar.update(1)  # noqa: E731
    try:
        result = train(arch, data.X_train, data.y_train, n_classes=data.n_classes,
                       x_val=data.X_val, y_val=data.y_val, epochs=opts.epochs, lr=opts.lr,
                       batch_size=opts.batch_size, optimizer=opts.optimizer, seed=rng,
                       theta0=theta0, store=store, readout=readout, callback=callback,
                       encode=encode)
    finally:
        if bar is not None:
            bar.close()
    _, train_acc = evaluate(arch, data.X_train, data.y_train, result.theta, readout,
                            encode=encode)
    test_loss, test_acc = evaluate(arch, data.X_test, data.y_test, result.theta, readout,
                                   encode=encode)
    diag = store.diagnostics().as_dict()
    edges = ["inf" if e is None else e for e in diag["step_lsb_edges"]]
    return {
        "dataset": opts.dataset, "arch": opts.arch, "n_params": arch.n_params,
        "bits": _json_bits(opts.bits), "quantizer": opts.quantizer,
        "temperature": opts.temperature, "schedule": opts.schedule,
        "encode_bits": _json_bits(opts.encode_bits), "inl_sigma": opts.inl_sigma,
        "classes": list(data.class_names), "source": data.source,
        "n_train": len(data.y_train), "n_val": len(data.y_val), "n_test": len(data.y_test),
        "epochs": opts.epochs, "lr": opts.lr, "batch_size": opts.batch_size,
        "optimizer": opts.optimizer, "seed": opts.seed,
        "initial_test_accuracy": initial_acc, "train_accuracy": train_acc,
        "test_accuracy": test_acc, "test_loss": test_loss,
        "classical_baseline_accuracy": logistic_baseline(data),
        "loss_history": result.loss_history, "val_loss_history": result.val_loss_history,
        "updates_applied_fraction": diag["updates_applied_fraction"],
        "displacement_ratio": diag["displacement_ratio"],
        "fraction_below_half_lsb": diag["fraction_below_half_lsb"],
        "deadlocked": diag["deadlocked"], "final_temperature": diag["final_temperature"],
        "step_lsb_histogram": {"edges": edges, "counts": diag["step_lsb_counts"]},
        "codes_changed_per_epoch": diag["codes_changed_per_epoch"],
        **_deploy(opts, arch, data, result.theta, readout, encode, dac_seed),
        "train_seconds": result.seconds,
    }


def _print_text(report: dict[str, Any], plot: Path | None) -> None:
    r = report
    print(f"{r['dataset']} ({', '.join(r['classes'])}; {r['source']})")
    print(f"  {r['arch']}: {r['n_params']} angles, {r['epochs']} epochs, {r['optimizer']} "
          f"lr={r['lr']:g}; bits {r['bits']}, quantizer {r['quantizer']}, "
          f"encode bits {r['encode_bits']}, INL sigma {r['inl_sigma']:g}")
    print(f"  samples: train {r['n_train']}, val {r['n_val']}, test {r['n_test']}")
    print(f"  QNN accuracy: train {r['train_accuracy']:.3f}, test {r['test_accuracy']:.3f} "
          f"(before training {r['initial_test_accuracy']:.3f})")
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
        lsb = 2 * math.pi / 2 ** opts.bits if math.isfinite(opts.bits) else math.inf
        _plot(opts.plot, report, lsb, f"{opts.dataset} / {opts.arch}, bits {report['bits']}, "
              f"{opts.quantizer}")
    if args.json:
        emit_json(report)
    else:
        _print_text(report, opts.plot)
    return 0
