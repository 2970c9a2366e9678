"""The CLI front end: help for every command and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cosim.commands import COMMANDS


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cosim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_json(command: str, *args: str) -> dict:
    """Run ``cosim COMMAND ARGS --json``; it must succeed and print exactly one JSON object."""
    proc = run_cli(command, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    assert proc.stdout.count("\n") == 1
    return json.loads(lines[0])


def assert_usage_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    assert command in proc.stdout


def test_unknown_command_is_usage_error() -> None:
    assert_usage_error(run_cli("frobnicate"), "frobnicate")


def test_missing_command_is_usage_error() -> None:
    proc = run_cli()
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error:")


def test_json_helper_emits_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from cosim.commands._common import emit_json

    emit_json({"a": np.arange(3), "b": np.float64(1.5), "c": np.bool_(True)})
    out = capsys.readouterr().out
    assert json.loads(out) == {"a": [0, 1, 2], "b": 1.5, "c": True}
    assert out.count("\n") == 1
