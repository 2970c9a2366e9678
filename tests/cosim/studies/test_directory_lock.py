"""One writer per results directory, and one scenario per directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosim.errors import CosimInputError
from cosim.studies.lock import LOCK_NAME
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes

pytest.importorskip("fcntl")

ROOT = Path(__file__).resolve().parents[3]
SLOW = parse_scenario(_fakes.scenario_data(bits=[1, 2, 3, 4, 5, 6], seeds=[0]))  # 6 x 0.25 s

_HOLDER = """
import sys
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes
scenario = parse_scenario(_fakes.scenario_data(bits=[1, 2, 3, 4, 5, 6], seeds=[0]))
run_study(scenario, sys.argv[1], evaluate=_fakes.slow_evaluate, workers=1, outputs=False)
"""


def _start_holder(out: Path) -> subprocess.Popen:
    """A run that holds ``out`` for about 1.5 s; returns once it holds the lock."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60  # a safety net, not a timing assertion
    lock = out / LOCK_NAME
    while not (lock.exists() and lock.read_text().startswith("pid")):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.02)
    return proc


def test_a_second_run_refuses_then_waits_and_computes_nothing_twice(tmp_path: Path) -> None:
    holder = _start_holder(tmp_path)
    try:
        with pytest.raises(CosimInputError) as info:
            run_study(SLOW, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)
        assert str(info.value).startswith("--out: ")
        assert f"in use by another cosim run (pid {holder.pid} on " in str(info.value)
        waited = run_study(SLOW, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                           outputs=False, wait=True)
        assert holder.wait(timeout=60) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert waited.n_computed == 0 and waited.n_ok == SLOW.n_points  # the holder did them all


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    holder = _start_holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK_NAME).read_text().startswith("pid")  # the file stays...
    summary = run_study(SLOW, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                        outputs=False)  # ...but the lock died with its holder
    assert summary.n_ok == SLOW.n_points


def test_a_directory_belongs_to_one_scenario(tmp_path: Path) -> None:
    run_study(SLOW, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)
    other = parse_scenario({**_fakes.scenario_data(), "name": "other"})
    with pytest.raises(CosimInputError, match="holds the results of scenario 'fake', not "
                                              "'other'; use another directory, or pass --fresh"):
        run_study(other, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)
    # The same scenario may grow an axis and resume.
    grown = parse_scenario(_fakes.scenario_data(bits=[1, 2, 3, 4, 5, 6, 7], seeds=[0]))
    assert run_study(grown, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                     outputs=False).n_computed == 1
    fresh = run_study(other, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                      outputs=False, fresh=True)
    assert fresh.n_computed == other.n_points
