"""The channel cost model against published DACs and cryo-CMOS controllers.

The rows live in ``hardware_models/data/validation.yaml``. Each gives the
published bits, sample rate, technology, temperature, power and area, the
preset and operating point the model is evaluated at, and the factor within
which the model must land (``None`` when the row is outside the model's class;
its ``why`` says so). :func:`markdown_table` renders the table that
``docs/hardware_models.md`` carries, so a test can check the two agree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from hardware_models.costs import channel_area, channel_power
from hardware_models.presets import load_technology

_FIELDS = ("key", "reference", "kind", "technology", "temperature_k", "bits", "sample_rate_hz",
           "power_w", "area_mm2", "preset", "architecture", "unary_msbs", "vdd_v",
           "power_factor", "area_factor", "assumed", "checked", "seen_at", "why")


@dataclass(frozen=True)
class PublishedDesign:
    """One published design (see the YAML file's header for the meaning of each field).

    Units: ``temperature_k`` K, ``sample_rate_hz`` Hz, ``power_w`` W, ``area_m2`` m²,
    ``vdd_v`` V; ``None`` where the source gives no figure.
    """

    key: str
    reference: str
    kind: str
    technology: str
    temperature_k: float
    bits: int | None
    sample_rate_hz: float | None
    power_w: float
    area_m2: float | None
    preset: str | None
    architecture: str | None
    unary_msbs: int
    vdd_v: float | None
    power_factor: float | None
    area_factor: float | None
    assumed: tuple[str, ...]
    checked: str
    seen_at: str | None
    why: str | None

    @property
    def modelled(self) -> bool:
        """Whether the model is evaluated for this row (it has bits, rate and a preset)."""
        return None not in (self.bits, self.sample_rate_hz, self.preset)


@dataclass(frozen=True)
class Comparison:
    """The model at a published design's operating point; ratios are model / published."""

    design: PublishedDesign
    model_power_w: float
    model_area_m2: float
    power_ratio: float
    area_ratio: float | None

    @property
    def power_ok(self) -> bool:
        """Power ratio within ``[1/f, f]`` for the row's power factor ``f``."""
        return _within(self.power_ratio, self.design.power_factor)

    @property
    def area_ok(self) -> bool:
        """Area ratio within the row's area factor (true when either is missing)."""
        return _within(self.area_ratio, self.design.area_factor)


def _within(ratio: float | None, factor: float | None) -> bool:
    return ratio is None or factor is None or 1.0 / factor <= ratio <= factor


@lru_cache(maxsize=1)
def load_published() -> tuple[PublishedDesign, ...]:
    """The rows of ``data/validation.yaml`` in file order."""
    text = resources.files("hardware_models").joinpath("data/validation.yaml").read_text()
    rows = yaml.safe_load(text)["rows"]
    out = []
    for i, raw in enumerate(rows):
        missing = [k for k in _FIELDS if k not in raw]
        if missing:
            raise ValueError(f"validation.rows[{i}]: missing keys {', '.join(missing)}")
        d: dict[str, Any] = {k: raw[k] for k in _FIELDS if k != "area_mm2"}
        # PyYAML reads "1.0e9" as a string, so numbers are converted here.
        for k in ("temperature_k", "sample_rate_hz", "power_w", "vdd_v", "power_factor",
                  "area_factor"):
            d[k] = None if raw[k] is None else float(raw[k])
        d["area_m2"] = None if raw["area_mm2"] is None else float(raw["area_mm2"]) * 1e-6
        d["assumed"] = tuple(raw["assumed"])
        d["reference"] = " ".join(str(raw["reference"]).split())
        d["why"] = None if raw["why"] is None else " ".join(str(raw["why"]).split())
        out.append(PublishedDesign(**d))
    return tuple(out)


def compare(design: PublishedDesign) -> Comparison:
    """Evaluate the model at ``design``'s bits, rate, temperature, architecture and supply."""
    if not design.modelled:
        raise ValueError(f"design: {design.key} has no bits, rate or preset to evaluate")
    tech = load_technology(str(design.preset))
    if design.vdd_v is not None:
        tech = dataclasses.replace(tech, vdd_v=design.vdd_v)
    arch = {"architecture": design.architecture, "unary_msbs": design.unary_msbs}
    power = channel_power(bits=int(design.bits), sample_rate_hz=float(design.sample_rate_hz),
                          tech=tech, temperature_k=design.temperature_k, **arch).power_w
    area = channel_area(bits=int(design.bits), tech=tech, **arch).total_m2
    area_ratio = None if design.area_m2 is None else area / design.area_m2
    return Comparison(design=design, model_power_w=power, model_area_m2=area,
                      power_ratio=power / design.power_w, area_ratio=area_ratio)


def _fmt(x: float | None, scale: float = 1.0, spec: str = ".3g") -> str:
    return "–" if x is None else format(x * scale, spec)


def markdown_table() -> str:
    """The validation table as Markdown, one line per row of the YAML file."""
    lines = ["| design | kind | technology | T (K) | bits | f_s (GS/s) | P published (mW) "
             "| P model (mW) | P ratio | A published (mm²) | A model (mm²) | A ratio "
             "| factor (P / A) | figures |",
             "|---" * 14 + "|"]
    for d in load_published():
        c = compare(d) if d.modelled else None
        factor = "–" if d.power_factor is None else \
            f"{d.power_factor:g} / {_fmt(d.area_factor, spec='g')}"
        lines.append(" | ".join([
            f"| {d.key}", d.kind, d.technology, f"{d.temperature_k:g}", _fmt(d.bits, spec="g"),
            _fmt(d.sample_rate_hz, 1e-9, "g"), _fmt(d.power_w, 1e3),
            _fmt(c and c.model_power_w, 1e3), _fmt(c and c.power_ratio, spec=".2f"),
            _fmt(d.area_m2, 1e6), _fmt(c and c.model_area_m2, 1e6),
            _fmt(c and c.area_ratio, spec=".2f"), factor,
            d.checked + (f" (assumed: {', '.join(d.assumed)})" if d.assumed else ""),
        ]) + " |")
    return "\n".join(lines)
