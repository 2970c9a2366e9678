"""The command line answers at once: light commands import no heavy library."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "qutip", "simpy", "matplotlib", "sklearn", "qnn.training", "qnn.stores",
         "qnn.classifier", "cosim.studies.runner")


def _imported(*args: str) -> set[str]:
    """Top-level names of every module ``python -X importtime -m cosim ARGS`` imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "cosim", *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "cosim.cli" in names  # the parse found the import lines
    return names


def _heavy(names: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY))


def test_dac_imports_no_heavy_module() -> None:
    assert _heavy(_imported("dac", "--bits", "8", "--json")) == []


@pytest.mark.parametrize("argv", [
    ("gate", "--bits", "8", "--theta", "1", "--solver", "closed-form", "--json"),
    ("schedule", "--qubits", "2", "--json"),
])
def test_circuit_commands_import_neither_scipy_nor_qutip(argv: tuple[str, ...]) -> None:
    heavy = [n for n in _heavy(_imported(*argv)) if not n.startswith(("simpy", "qnn"))]
    assert heavy == []
