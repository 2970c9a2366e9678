"""Float QNNs with the default hyperparameters against logistic regression.

Criterion (issue #4): mean test accuracy >= 0.85 and within 0.08 of logistic
regression on the same preprocessed features and split, averaged over seeds.
One set of defaults for every dataset and both presets.

The defaults are those of issue #5 (lr 0.02 rad, batch 16, 200 epochs, the
epoch with the lowest pooled training + validation loss; docs/quantization.md,
"Chosen defaults"), so the validation split is passed as the library's default
recipe expects.

Iris is averaged over 10 seeds instead of 2: its test split has 30 samples, so
one sample is 0.033 of accuracy. With these defaults, over seeds 0..29 the
compact QNN scored 0.897 and logistic regression 0.944 (mean gap 0.048; seeds
0..9: 0.910 against 0.950). Under the issue #4 defaults (lr 0.05, batch 32,
last epoch) 4 of 20 disjoint seed pairs missed the 0.08 margin on their own,
so a 2-seed Iris test would pass or fail by the luck of the pair (docs/qnn.md).

The float models are those of the claims (:mod:`tests.claims.models`), trained
once per session; these run with ``make claims``.
"""

from __future__ import annotations

import numpy as np
import pytest

from qnn.datasets import logistic_baseline
from tests.claims.models import SEEDS, dataset, run

pytestmark = pytest.mark.claims


@pytest.mark.parametrize("arch", ["compact", "expressive"])
@pytest.mark.parametrize("name", list(SEEDS))
def test_default_training_is_close_to_logistic_regression(name: str, arch: str) -> None:
    qnn_acc, lr_acc = [], []
    for seed in SEEDS[name]:
        # The default recipe: validation data passed, so select="best_loss" pools it.
        qnn_acc.append(run(name, arch, seed).accuracy)
        lr_acc.append(logistic_baseline(dataset(name, seed)))
    qnn_mean, lr_mean = float(np.mean(qnn_acc)), float(np.mean(lr_acc))
    assert qnn_mean >= 0.85, (qnn_acc, lr_acc)
    assert qnn_mean >= lr_mean - 0.08, (qnn_acc, lr_acc)
