"""Imports point one way: hardware_models <- qnn <- cosim."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "hardware_models": {"qnn", "cosim"},
    "qnn": {"cosim"},
    "cosim": set(),
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offenders = {
        str(f.relative_to(ROOT)): sorted(_imported_top_levels(f) & FORBIDDEN[package])
        for f in files
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}
