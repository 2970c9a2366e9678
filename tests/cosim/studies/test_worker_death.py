"""Pool workers end with their parent: kill -9, SIGTERM or SIGHUP of a run leaves no process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

_POOLED = """
import sys
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes
scenario = parse_scenario(_fakes.scenario_data(bits=list(range(1, 17)), seeds=[0, 1]))
run_study(scenario, sys.argv[1], evaluate=_fakes.slow_evaluate, workers=2, outputs=False)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (after the parenthesised command name) is the parent pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGKILL", "SIGTERM", "SIGHUP"])
def test_workers_die_with_their_parent(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _POOLED, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a safety net, not a timing assertion
        workers: set[int] = set()
        while len(workers) < 2:  # two pool workers (plus multiprocessing's resource tracker)
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
            workers = {p for p in _children(proc.pid)
                       if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()}
        time.sleep(0.3)  # let them start evaluating points
        children = _children(proc.pid)
        os.kill(proc.pid, sig)
        assert proc.wait(timeout=10) == -sig
        gone_by = time.monotonic() + 10
        while any(_alive(p) for p in children) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not [p for p in children if _alive(p)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in _children(proc.pid) | workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
