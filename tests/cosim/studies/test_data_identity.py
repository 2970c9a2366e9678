"""A point's id names the data it trains on: other data, other points, never a mix."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from cosim.studies.data_identity import DIGEST_KEY, check_data
from cosim.studies.runner import iter_tasks, run_study
from cosim.studies.scenario import parse_scenario
from cosim.studies.store import DB_NAME, ResultStore
from tests.cosim.studies import _fakes


def _idx(path: Path, dims: tuple[int, ...], payload: bytes) -> None:
    path.write_bytes(bytes([0, 0, 0x08, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
                     + payload)


def _mnist_dir(path: Path, fill: int) -> Path:
    """Valid 28 x 28 IDX files whose pixels all equal ``fill``."""
    path.mkdir()
    for stem, n in (("train", 20), ("t10k", 10)):
        _idx(path / f"{stem}-images-idx3-ubyte", (n, 28, 28), bytes([fill]) * (n * 784))
        _idx(path / f"{stem}-labels-idx1-ubyte", (n,), (np.arange(n) % 10).astype(np.uint8)
             .tobytes())
    return path


def _scenario(stages: list[str]):
    data = _fakes.scenario_data(bits=[2, 4], seeds=[0])
    data["workload"]["dataset"] = "mnist"
    data["study"]["stages"] = stages
    return parse_scenario(data)


def _ids(out: Path) -> set[str]:
    with ResultStore(out / DB_NAME) as store:
        return set(store.statuses())


def test_resuming_under_another_mnist_dir_computes_new_points(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _mnist_dir(tmp_path / "a", 1), _mnist_dir(tmp_path / "b", 2)
    scenario = _scenario(["ptq"])
    out = tmp_path / "out"
    monkeypatch.setenv("COSIM_MNIST_DIR", str(first))
    assert run_study(scenario, out, evaluate=_fakes.fake_evaluate, workers=1,
                     outputs=False).n_computed == 2
    ids_a = _ids(out)
    monkeypatch.setenv("COSIM_MNIST_DIR", str(second))
    summary = run_study(scenario, out, evaluate=_fakes.fake_evaluate, workers=1, outputs=True)
    assert summary.n_computed == 2 and summary.n_ok == 2
    assert len(_ids(out) - ids_a) == 2
    csv = (out / "results.csv").read_text()
    digest_b = next(iter_tasks(scenario))[1]["workload"][DIGEST_KEY]
    assert f"workload.{DIGEST_KEY}" in csv and digest_b in csv  # only the second data's rows
    assert len(csv.splitlines()) == 3  # a header and the two points of the second data
    monkeypatch.setenv("COSIM_MNIST_DIR", str(first))
    assert run_study(scenario, out, evaluate=_fakes.fake_evaluate, workers=1,
                     outputs=False).n_computed == 0


def test_points_without_data_stages_carry_no_digest(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSIM_MNIST_DIR", str(tmp_path / "nowhere"))  # never read
    (_, config), *_ = iter_tasks(_scenario(["dac", "cost"]))
    assert DIGEST_KEY not in config["workload"]


def test_a_worker_with_other_data_refuses_the_point(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSIM_MNIST_DIR", str(_mnist_dir(tmp_path / "a", 1)))
    (_, config), *_ = iter_tasks(_scenario(["ptq"]))
    assert check_data(config).startswith("COSIM_MNIST_DIR:")
    monkeypatch.setenv("COSIM_MNIST_DIR", str(_mnist_dir(tmp_path / "b", 2)))
    with pytest.raises(ValueError, match=f"workload.{DIGEST_KEY}: the point was created"):
        check_data(config)


def test_the_scikit_learn_sets_are_named_with_their_version() -> None:
    import sklearn

    config = {"stages": ["train"], "workload": {"dataset": "iris"}}
    assert check_data(config).endswith(f"(scikit-learn {sklearn.__version__})")
