"""The channel cost model against published designs, and the docs table against the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_models.validation_table import compare, load_published, markdown_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hardware_models.md"
ROWS = load_published()


def test_at_least_five_designs_are_held_to_a_factor() -> None:
    held = [d for d in ROWS if d.power_factor is not None]
    assert len(held) >= 5
    assert all(d.modelled for d in held)
    # Every row the model is not held to says why.
    assert all(d.why for d in ROWS if d.power_factor is None or d.area_factor is None)


@pytest.mark.parametrize("design", [d for d in ROWS if d.modelled], ids=lambda d: d.key)
def test_model_lands_within_the_stated_factor(design) -> None:
    c = compare(design)
    assert c.power_ok, (c.power_ratio, design.power_factor)
    assert 1 / design.power_factor <= c.power_ratio <= design.power_factor
    assert c.area_ok, (c.area_ratio, design.area_factor)


def test_rows_not_modelled_are_refused() -> None:
    outside = next(d for d in ROWS if not d.modelled)
    with pytest.raises(ValueError, match="^design: .* has no bits, rate or preset"):
        compare(outside)


def test_docs_table_is_the_generated_table() -> None:
    assert markdown_table() in DOCS.read_text(encoding="utf-8")
