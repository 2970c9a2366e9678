"""A large study streams its points: memory before the first points finish stays small."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from cosim.studies import runner
from cosim.studies.runner import iter_tasks, run_study
from cosim.studies.scenario import parse_scenario
from cosim.studies.store import DB_NAME, ResultStore
from tests.cosim.studies import _fakes

N_POINTS = 200_000


class _Stop(BaseException):
    """Raised by the evaluate below; not an Exception, so no point records it as failed."""


def _big() -> object:
    data = _fakes.scenario_data(bits=[4])
    data["dac"]["seeds"] = {"range": [0, N_POINTS // 2 - 1]}
    data["study"]["max_points"] = N_POINTS
    return parse_scenario(data)


def test_a_200000_point_study_starts_without_materialising_its_points(tmp_path: Path) -> None:
    scenario = _big()
    assert scenario.n_points == N_POINTS
    seen: list[str] = []

    def five_then_stop(config: dict) -> dict:
        if len(seen) == 5:
            raise _Stop
        seen.append(config["dac"]["seeds"])
        return _fakes.fake_evaluate(config)

    tracemalloc.start()
    try:
        with pytest.raises(_Stop):
            run_study(scenario, tmp_path, evaluate=five_then_stop, workers=1, outputs=False,
                      progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Materialised, 200,000 configs take 848 MB; a chunk of 2,048 about 11 MB.
    assert peak < 30e6, f"peak {peak / 1e6:.0f} MB"
    with ResultStore(tmp_path / DB_NAME) as store:
        assert len(store.statuses()) == 5


def test_points_are_looked_up_chunk_by_chunk(tmp_path: Path, monkeypatch) -> None:
    """A resume asks the store about the scenario's ids in chunks, never about all at once."""
    monkeypatch.setattr(runner, "CHUNK_POINTS", 3)
    scenario = parse_scenario(_fakes.scenario_data())
    run_study(scenario, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)
    asked: list[int] = []
    original = ResultStore.statuses

    def spy(self, point_ids=None):
        asked.append(-1 if point_ids is None else len(point_ids))
        return original(self, point_ids)

    monkeypatch.setattr(ResultStore, "statuses", spy)
    summary = run_study(scenario, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                        outputs=False)
    assert summary.n_computed == 0 and summary.n_ok == scenario.n_points == 8
    assert asked and max(asked) == 3 and -1 not in asked
    assert [pid for pid, _ in iter_tasks(scenario)] == [
        pid for pid, _ in runner.scenario_tasks(scenario)]
