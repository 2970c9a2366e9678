"""``cosim search``: constrained multi-objective design search over a scenario's space.

The scenario's ``search:`` block names the design variables, objectives,
constraints, budget and sampler (docs/scenarios.md). Points are the same as
``cosim run`` computes and share its ``results.sqlite``; the Optuna study is
stored in ``DIR/search.sqlite``, so a killed search resumes where it stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cosim.commands._common import check_int
from cosim.errors import EXIT_FAILURE, EXIT_OK, CosimInputError

HELP = "Search a scenario's design space for the constrained Pareto front (Optuna)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``cosim search``."""
    parser.add_argument("scenario", metavar="SCENARIO.yaml",
                        help="a study scenario with a search: block")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="results directory (default: results/<scenario name>); a rerun "
                        "into the same directory resumes the search")
    parser.add_argument("--trials", metavar="N", type=int, default=None,
                        help="distinct designs to evaluate (default: search.budget)")
    parser.add_argument("--workers", metavar="N", type=int, default=None,
                        help="local worker processes (default: all cores; 1 runs in-process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run the points on the Dask cluster at ADDRESS")
    parser.add_argument("--fresh", action="store_true",
                        help="delete DIR/results.sqlite and DIR/search.sqlite first")


def run(args: argparse.Namespace) -> int:
    """Validate everything, run the search and print where the report is."""
    from cosim.commands.run import _default_out
    from cosim.studies.evaluate import check_available
    from cosim.studies.scenario import load_scenario
    from cosim.studies.search import run_search

    scenario = load_scenario(args.scenario)
    if scenario.search is None:
        raise CosimInputError(str(args.scenario), "has no search: block; cosim search needs "
                              "search.variables, search.objectives and search.budget")
    check_available(scenario.stages)
    trials = None if args.trials is None else check_int(args.trials, "--trials", 1, 1_000_000)
    workers = None if args.workers is None else check_int(args.workers, "--workers", 1, 4096)
    if args.scheduler is not None and not args.scheduler.strip():
        raise CosimInputError("--scheduler", "must be a Dask scheduler address such as "
                              "tcp://host:8786, got an empty string")
    out = Path(args.out) if args.out is not None else _default_out(scenario.name)
    if out.exists() and not out.is_dir():
        raise CosimInputError("--out", f"must be a directory, but {str(out)!r} is a file")
    summary = run_search(scenario, out, workers=workers, scheduler=args.scheduler,
                         trials=trials, fresh=args.fresh)
    feasible = sum(e.feasible for e in summary.evaluations)
    print(f"{scenario.name}: {len(summary.evaluations)} designs evaluated over "
          f"{summary.n_trials} trials, {feasible} feasible, {summary.n_computed} points "
          f"computed now ({summary.seconds:.1f} s)")
    print(f"report: {out / 'report.md'}")
    if summary.n_failed_points:
        sys.stderr.write(f"cosim search: {summary.n_failed_points} points failed; see "
                         f"{out / 'report.md'}\n")
        return EXIT_FAILURE
    return EXIT_OK
