"""Sweep axes: how one scenario key expands into the values a study visits.

A sweepable key accepts

* one value: ``bits: 8``;
* a list: ``bits: [4, 6, 8]``;
* ``{range: [start, stop]}`` or ``{range: [start, stop, step]}``: ``start``,
  ``start + step``, ... up to and including ``stop`` when it lands on the grid
  (``step`` defaults to 1 and must be > 0; ``stop >= start``). All-integer
  arguments give integers;
* ``{linspace: [start, stop, num]}``: ``num`` evenly spaced values from
  ``start`` to ``stop``, both included (as :func:`numpy.linspace`);
* ``{geomspace: [start, stop, num]}``: ``num`` values evenly spaced on a log
  scale from ``start`` to ``stop`` (both > 0), as :func:`numpy.geomspace`.

Generated numbers are rounded to 12 significant digits, so ``{range: [0.1,
0.5, 0.1]}`` gives ``0.3`` and not ``0.30000000000000004``; that keeps a
point's id the same whether a value was listed or generated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cosim.errors import CosimInputError, shown

SWEEP_FORMS = ("range", "linspace", "geomspace")
_SIGNIFICANT = 12


def _number(value: Any, where: str) -> float | int:
    """A finite int or float from YAML (numeric strings such as ``1e-6`` included)."""
    if isinstance(value, bool):
        raise CosimInputError(where, f"must be a number, got {shown(value)}")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise CosimInputError(where, f"must be a number of magnitude <= 2**53, got {value}")
        return value
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise CosimInputError(where, f"must be a number, got {shown(value)}") from None
    if not math.isfinite(x):
        raise CosimInputError(where, f"must be a finite number, got {shown(value)}")
    return x


def _round(x: float) -> float:
    return float(f"{x:.{_SIGNIFICANT}g}")


def _count(value: Any, where: str, cap: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= cap:
        raise CosimInputError(where, f"num must be an integer 1..{cap} (study.max_points), "
                              f"got {shown(value)}")
    return value


def _expand_form(form: str, args: Any, where: str, cap: int) -> list[float | int]:
    if not isinstance(args, list) or not 2 <= len(args) <= 3 or (
        form != "range" and len(args) != 3
    ):
        shape = "[start, stop] or [start, stop, step]" if form == "range" else \
            "[start, stop, num]"
        raise CosimInputError(where, f"must be a list {shape}, got {shown(args)}")
    start = _number(args[0], f"{where}[0]")
    stop = _number(args[1], f"{where}[1]")
    if form == "range":
        step = _number(args[2], f"{where}[2]") if len(args) == 3 else 1
        if step <= 0 or stop < start:
            raise CosimInputError(where, f"needs step > 0 and stop >= start, got {shown(args)}")
        span = (stop - start) / step
        if not math.isfinite(span) or span + 1 > cap:
            raise CosimInputError(where, f"gives {span + 1:.3g} values, more than "
                                  f"study.max_points = {cap}")
        # A small tolerance so that float steps land on an inclusive stop.
        n = math.floor(span * (1 + 1e-12) + 1e-9) + 1
        if all(isinstance(a, int) for a in (start, stop, step)):
            return [int(start + i * step) for i in range(n)]
        return [_round(start + i * step) for i in range(n)]
    num = _count(args[2], f"{where}[2]", cap)
    if form == "geomspace" and (start <= 0 or stop <= 0):
        raise CosimInputError(where, f"needs start > 0 and stop > 0, got {shown(args)}")
    if num == 1:
        return [_round(float(start))]
    if form == "linspace":
        return [_round(start + (stop - start) * i / (num - 1)) for i in range(num)]
    ratio = math.log(stop / start)
    return [_round(start * math.exp(ratio * i / (num - 1))) for i in range(num)]


def _integral(values: list[float | int], where: str) -> list[int]:
    for v in values:
        if not float(v).is_integer():
            raise CosimInputError(where, f"must give integers for this key, got {shown(v)}")
    return [int(v) for v in values]


def expand(value: Any, where: str, *, cap: int, integer: bool = False
           ) -> list[tuple[str, Any]]:
    """Expand one sweepable value into ``(key path, raw value)`` pairs.

    Parameters
    ----------
    value : object
        What the scenario gives for the key (one value, a list, or a range form).
    where : str
        Key path used in error messages, e.g. ``dac.bits``.
    cap : int
        Largest number of values one axis may produce.
    integer : bool, default=False
        The key takes integers: generated values must be whole numbers and
        become ``int`` (``{linspace: [4, 16, 4]}`` gives 4, 8, 12, 16).

    Returns
    -------
    list of (str, object)
        Each value with the path naming it in errors: ``dac.bits[2]`` for a
        list item, ``dac.bits.range`` for a generated value, ``dac.bits`` for a
        single value. The values are not yet checked against the key's type.
    """
    if isinstance(value, Mapping):
        if len(value) != 1 or next(iter(value)) not in SWEEP_FORMS:
            raise CosimInputError(
                where,
                "a sweep must be a value, a list, or a mapping with exactly one of "
                f"{', '.join(SWEEP_FORMS)}, got keys {', '.join(map(str, value)) or 'none'}",
            )
        form, args = next(iter(value.items()))
        sub = f"{where}.{form}"
        values = _expand_form(form, args, sub, cap)
        return [(sub, v) for v in (_integral(values, sub) if integer else values)]
    if isinstance(value, list):
        if not value:
            raise CosimInputError(where, "an empty list gives no points; give at least one value")
        if len(value) > cap:
            raise CosimInputError(where, f"has {len(value)} values, more than study.max_points = "
                                  f"{cap}")
        return [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    return [(where, value)]
