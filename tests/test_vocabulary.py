"""One vocabulary: every choice list, the bit range and the LSB formula are written once.

The source of every package is parsed, and a literal tuple or list of strings
that spells one of the vocabulary's choice lists, an assignment of the bit
range, or an expression of the form ``... pi / 2**bits`` (the angle LSB) fails
the test unless it sits where the vocabulary is defined.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hardware_models.dac
import qnn.vocabulary as vocabulary
from qnn.architectures import PRESETS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hardware_models", "qnn", "cosim")
# Where each definition lives: the DAC's own range and architectures belong to
# the DAC model (the bottom of the import graph), the rest to qnn.vocabulary.
HOME = {"hardware_models/dac.py", "qnn/vocabulary.py"}
CHOICE_LISTS = {
    "QUANTIZERS": vocabulary.QUANTIZERS,
    "SCHEDULES": vocabulary.SCHEDULES,
    "KERNELS": vocabulary.KERNELS,
    "DATASETS": vocabulary.DATASETS,
    "OPTIMIZERS": vocabulary.OPTIMIZERS,
    "SELECTIONS": vocabulary.SELECTIONS,
    "DAC_ARCHITECTURES": vocabulary.DAC_ARCHITECTURES,
    "QNN_ARCHITECTURES": vocabulary.QNN_ARCHITECTURES,
    "ENVELOPES": vocabulary.ENVELOPES,
    "FILTERS": vocabulary.FILTERS,
}


def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            out.append((rel, ast.parse(path.read_text(), filename=rel)))
    return out


SOURCES = _sources()


def _string_sequences(tree: ast.Module) -> list[tuple[int, tuple[str, ...]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) >= 2 and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            found.append((node.lineno, tuple(e.value for e in node.elts)))
    return found


@pytest.mark.parametrize("name", list(CHOICE_LISTS))
def test_each_choice_list_is_written_once(name: str) -> None:
    choices = CHOICE_LISTS[name]
    homes = []
    for rel, tree in SOURCES:
        for line, seq in _string_sequences(tree):
            # A list that spells the whole vocabulary list, or most of it, is a copy.
            if len(seq) >= 2 and set(seq) <= set(choices) and len(set(seq)) >= len(choices) - 1:
                homes.append(f"{rel}:{line}")
    allowed = [h for h in homes if h.split(":")[0] in HOME]
    assert homes == allowed, f"{name} is spelled out again at {homes}"


def test_the_bit_range_is_assigned_once() -> None:
    found = []
    for rel, tree in SOURCES:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    names = ("MAX_BITS", "MIN_BITS", "_MAX_BITS")
                    if isinstance(target, ast.Name) and target.id in names:
                        found.append(f"{rel}:{target.id}")
    assert sorted(found) == ["hardware_models/dac.py:MAX_BITS", "hardware_models/dac.py:MIN_BITS"]
    assert (vocabulary.MIN_BITS, vocabulary.MAX_BITS) == (hardware_models.dac.MIN_BITS,
                                                          hardware_models.dac.MAX_BITS)


def _is_lsb_formula(node: ast.BinOp) -> bool:
    """``<something with pi> / <2 ** n or 1 << n or n_codes>``: the angle LSB."""
    if not isinstance(node.op, ast.Div):
        return False
    left, right = ast.unparse(node.left), ast.unparse(node.right)
    return ("pi" in left.lower()) and any(t in right for t in ("<<", "**", "n_codes"))


def test_the_lsb_formula_is_written_once() -> None:
    found = [f"{rel}:{node.lineno}" for rel, tree in SOURCES for node in ast.walk(tree)
             if isinstance(node, ast.BinOp) and _is_lsb_formula(node)]
    assert [f.split(":")[0] for f in found] == ["qnn/vocabulary.py"], found


def test_the_qnn_architecture_names_are_the_presets() -> None:
    assert vocabulary.QNN_ARCHITECTURES == tuple(PRESETS)


def test_the_schema_cli_and_estimator_read_the_vocabulary() -> None:
    from cosim.studies.schema import BY_PATH

    assert BY_PATH["workload.quantizer"].choices == vocabulary.QUANTIZERS
    assert BY_PATH["workload.schedule"].choices == vocabulary.SCHEDULES
    assert BY_PATH["workload.dataset"].choices == vocabulary.DATASETS
    assert BY_PATH["workload.arch"].choices == vocabulary.QNN_ARCHITECTURES
    assert BY_PATH["dac.architecture"].choices == vocabulary.DAC_ARCHITECTURES
    assert (BY_PATH["dac.bits"].lo, BY_PATH["dac.bits"].hi) == (vocabulary.MIN_BITS,
                                                                vocabulary.MAX_BITS)
