"""``cosim validate``: check a YAML study scenario without running it.

A scenario is valid when every key passes the schema and this build provides
every stage it names; the command then prints the point count and the axes.
"""

from __future__ import annotations

import argparse
from typing import Any

from cosim.commands._common import emit_json
from cosim.errors import EXIT_OK

HELP = "Check a YAML study scenario without running it."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``cosim validate``."""
    parser.add_argument("scenario", metavar="SCENARIO.yaml", help="the study scenario")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of text")


def _values(values: tuple[Any, ...], limit: int = 8) -> str:
    shown = ", ".join(map(str, values[:limit]))
    return shown + (f", ... ({len(values)} values)" if len(values) > limit else "")


def run(args: argparse.Namespace) -> int:
    """Load and check the scenario; print a summary."""
    from cosim.studies.evaluate import available_stages, check_available
    from cosim.studies.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    check_available(scenario.stages)
    if args.json:
        emit_json({
            "scenario": str(args.scenario),
            "name": scenario.name,
            "valid": True,
            "points": scenario.n_points,
            "axes": {k: list(v) for k, v in scenario.axes.items()},
            "stages": list(scenario.stages),
            "available_stages": list(available_stages()),
            "resolved": scenario.to_dict(),
        })
        return EXIT_OK
    print(f"{args.scenario}: valid scenario {scenario.name!r} with {scenario.n_points} points")
    print(f"  stages: {', '.join(scenario.stages)}")
    if scenario.axes:
        for key, values in scenario.axes.items():
            print(f"  axis {key}: {_values(values)}")
    else:
        print("  no sweep axes: a single point")
    return EXIT_OK
