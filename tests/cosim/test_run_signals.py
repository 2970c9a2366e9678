"""``cosim run`` stopped by SIGTERM, SIGHUP or SIGINT: workers end, status 128 + N, results kept.

The run goes through the real CLI (``cosim.cli.main``) with a slow fake point
function on two pool workers; stdout is a pipe, as in ``cosim run ... | tee log``,
and the test reads it to its end, which only comes once every process holding
it has exited.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.cosim.studies import _fakes
from tests.cosim.studies.test_worker_death import _alive, _children

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

_CLI = """
import sys
from cosim.studies import runner
from tests.cosim.studies import _fakes
runner._default_evaluate = lambda scenario: _fakes.slow_evaluate
from cosim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _stored(db: Path) -> list[str]:
    try:
        with sqlite3.connect(db) as con:
            return [r[0] for r in con.execute("SELECT status FROM results")]
    except sqlite3.Error:
        return []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_stops_the_run_and_its_workers(tmp_path: Path, sig: signal.Signals) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_fakes.scenario_data(bits=list(range(1, 17)),
                                                            seeds=[0, 1])))
    out = tmp_path / "out"
    # A shell starts background jobs with SIGINT ignored, and Python keeps an
    # ignored SIGINT (as cosim keeps an ignored SIGTERM or SIGHUP: nohup): the
    # run is started as from a terminal, whatever started pytest.
    proc = subprocess.Popen([sys.executable, "-c", _CLI, "run", str(scenario), "--out", str(out),
                             "--workers", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60  # a safety net, not a timing assertion
        while len(_stored(out / "results.sqlite")) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        children = _children(proc.pid)
        os.kill(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=10)  # EOF: nobody holds the pipes any more
        assert proc.returncode == 128 + sig
        (line,) = stderr.decode().splitlines()
        assert line.startswith(f"error: interrupted by {sig.name}")
        gone_by = time.monotonic() + 10
        while any(_alive(p) for p in children) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not [p for p in children if _alive(p)]
        kept = _stored(out / "results.sqlite")
        assert 2 <= len(kept) < 32 and set(kept) == {"ok"}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in children:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
