"""``cosim train``: train a QNN on one dataset and compare it with logistic regression.

Only float training (``--bits inf --quantizer none``) exists so far; finite
resolutions and quantizers arrive with the quantization issue, and the
argument checks below are where they plug in.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

from cosim.commands._common import (
    check_choice,
    check_float,
    check_int,
    emit_json,
    progress_enabled,
)
from cosim.errors import CosimInputError

HELP = "Train a QNN under finite DAC resolution."

# Kept in sync with qnn.datasets.DATASETS / qnn.architectures.PRESETS /
# qnn.optim.OPTIMIZERS; repeated here so `cosim train --help` stays cheap.
DATASETS = ("iris", "breast_cancer", "mnist", "fashion_mnist")
ARCHS = ("compact", "expressive")
OPTIMIZERS = ("adam", "sgd")
QUANTIZERS = ("none",)  # the quantization issue extends this
LATER = "arrives with the quantization issue; only --bits inf --quantizer none for now"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options; values are validated in :func:`run`."""
    parser.add_argument("--dataset", required=True, help=f"one of {', '.join(DATASETS)}")
    parser.add_argument("--arch", default="compact", help=f"one of {', '.join(ARCHS)}")
    parser.add_argument("--bits", default="inf", help="angle-DAC resolution (inf = float)")
    parser.add_argument("--quantizer", default="none", help="quantization scheme (none)")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (100)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate, rad (0.05)")
    parser.add_argument("--batch-size", type=int, default=None, help="samples per step (32)")
    parser.add_argument("--optimizer", default="adam", help="adam or sgd")
    parser.add_argument("--classes", default=None,
                        help="comma-separated original labels, e.g. 0,1,3,6 (image sets)")
    parser.add_argument("--seed", type=int, default=0, help="seed of split, init and shuffles")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", default=None, metavar="FILE", help="save loss curves here")


def _check_bits(text: str) -> float:
    if text.strip().lower() in ("inf", "infinity"):
        return math.inf
    try:
        bits = int(text)
    except ValueError:
        raise CosimInputError("--bits", f"must be an integer 1..16 or inf, got {text!r}") from None
    check_int(bits, "--bits", 1, 16)
    raise CosimInputError("--bits", f"finite resolution {bits} {LATER}")


def _check_quantizer(name: str) -> str:
    if name in QUANTIZERS:
        return name
    raise CosimInputError("--quantizer", f"{name!r} {LATER}")


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
    if path is None:
        return None
    out = Path(path)
    if not out.parent.is_dir():
        raise CosimInputError("--plot", f"directory {str(out.parent)!r} does not exist")
    return out


def _plot(path: Path, train_loss: Any, val_loss: Any, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    epochs = range(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, label="train")
    if len(val_loss):
        ax.plot(epochs, val_loss, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    from qnn.training import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_LR

    dataset = check_choice(args.dataset, "--dataset", DATASETS)
    arch_name = check_choice(args.arch, "--arch", ARCHS)
    bits = _check_bits(args.bits)
    quantizer = _check_quantizer(args.quantizer)
    epochs = check_int(DEFAULT_EPOCHS if args.epochs is None else args.epochs, "--epochs", 1)
    lr = check_float(DEFAULT_LR if args.lr is None else args.lr, "--lr", lo=0.0, lo_open=True)
    batch_size = check_int(
        DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size, "--batch-size", 1
    )
    optimizer = check_choice(args.optimizer, "--optimizer", OPTIMIZERS)
    seed = check_int(args.seed, "--seed", 0)
    classes = _check_classes(args.classes)
    plot = _check_plot(args.plot)

    start = time.perf_counter()
    from qnn.architectures import get_architecture
    from qnn.datasets import load_dataset, logistic_baseline
    from qnn.model import Readout
    from qnn.training import evaluate, train

    arch = get_architecture(arch_name)
    try:
        data = load_dataset(dataset, n_qubits=arch.n_qubits, classes=classes, seed=seed)
    except ValueError as exc:
        if str(exc).startswith("classes:"):
            raise CosimInputError("--classes", str(exc).split(": ", 1)[1]) from None
        raise
    readout = Readout(data.n_classes)
    if data.n_classes > arch.n_qubits:
        raise CosimInputError("--classes", f"at most {arch.n_qubits} classes, got {data.n_classes}")

    bar = None
    callback = None
    if progress_enabled():
        from tqdm import tqdm

        n_batches = -(-len(data.y_train) // batch_size)
        bar = tqdm(total=epochs * n_batches, desc=f"train {dataset}/{arch_name}", unit="step")
        callback = lambda info: bar.update(1)  # noqa: E731
    try:
        result = train(
            arch, data.X_train, data.y_train, n_classes=data.n_classes,
            x_val=data.X_val, y_val=data.y_val, epochs=epochs, lr=lr,
            batch_size=batch_size, optimizer=optimizer, seed=seed,
            readout=readout, callback=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    _, train_acc = evaluate(arch, data.X_train, data.y_train, result.theta, readout)
    _, test_acc = evaluate(arch, data.X_test, data.y_test, result.theta, readout)
    baseline = logistic_baseline(data)
    seconds = time.perf_counter() - start

    if plot is not None:
        _plot(plot, result.loss_history, result.val_loss_history, f"{dataset} / {arch_name}")
    report = {
        "dataset": dataset,
        "arch": arch_name,
        "n_params": arch.n_params,
        "bits": "inf" if math.isinf(bits) else bits,
        "quantizer": quantizer,
        "classes": list(data.class_names),
        "source": data.source,
        "n_train": len(data.y_train),
        "n_val": len(data.y_val),
        "n_test": len(data.y_test),
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "seed": seed,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "classical_baseline_accuracy": baseline,
        "loss_history": result.loss_history,
        "val_loss_history": result.val_loss_history,
        "train_seconds": result.seconds,
        "seconds": seconds,
    }
    if args.json:
        emit_json(report)
    else:
        print(f"{dataset} ({', '.join(data.class_names)}; {data.source})")
        print(f"  {arch_name}: {arch.n_params} angles, {epochs} epochs, {optimizer} lr={lr:g}")
        print(f"  samples: train {len(data.y_train)}, val {len(data.y_val)}, "
              f"test {len(data.y_test)}")
        print(f"  QNN accuracy: train {train_acc:.3f}, test {test_acc:.3f}")
        print(f"  logistic regression (same features): test {baseline:.3f}")
        print(f"  final loss: train {result.loss_history[-1]:.4f} nats"
              + (f", val {result.val_loss_history[-1]:.4f}" if len(result.val_loss_history)
                 else ""))
        print(f"  time: {seconds:.2f} s (training {result.seconds:.2f} s)")
        if plot is not None:
            print(f"  loss curves: {plot}")
    return 0
