"""``cosim run``: compute a YAML study scenario into a results directory.

Bad input (the scenario, a stage this build lacks, the arguments) stops before
anything is computed or deleted. Points that fail are stored with their error
and the study goes on; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from cosim.commands._common import check_int, check_output_dir
from cosim.errors import EXIT_FAILURE, EXIT_OK, CosimInputError

HELP = "Run a YAML study scenario into a results directory."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``cosim run``."""
    parser.add_argument("scenario", metavar="SCENARIO.yaml", help="the study scenario")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="results directory (default: results/<scenario name>); a rerun "
                        "into the same directory computes only the missing points")
    parser.add_argument("--workers", metavar="N", type=int, default=None,
                        help="local worker processes (default: all cores; 1 runs in-process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run the points on the Dask cluster at ADDRESS, e.g. "
                        "tcp://10.0.0.5:8786 (needs pip install 'cosim[dask]')")
    parser.add_argument("--fresh", action="store_true",
                        help="delete DIR/results.sqlite first and compute every point again")
    parser.add_argument("--retry-failed", action="store_true",
                        help="compute again the points stored as failed")
    parser.add_argument("--wait", action="store_true",
                        help="if another cosim run is writing DIR, wait for it to finish "
                        "(default: refuse)")


def _default_out(name: str) -> Path:
    return Path("results") / (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "study")


def run(args: argparse.Namespace) -> int:
    """Validate everything, then run the study and print where the report is."""
    from cosim.studies.evaluate import check_available  # heavy imports
    from cosim.studies.runner import run_study
    from cosim.studies.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    check_available(scenario.stages)
    workers = None if args.workers is None else check_int(args.workers, "--workers", 1, 4096)
    if args.scheduler is not None and not args.scheduler.strip():
        raise CosimInputError("--scheduler", "must be a Dask scheduler address such as "
                              "tcp://host:8786, got an empty string")
    out = check_output_dir(args.out if args.out is not None else
                           str(_default_out(scenario.name)))
    summary = run_study(scenario, out, workers=workers, scheduler=args.scheduler,
                        fresh=args.fresh, retry_failed=args.retry_failed, wait=args.wait)
    print(f"{scenario.name}: {summary.n_points} points, {summary.n_computed} computed now, "
          f"{summary.n_ok} ok, {summary.n_failed} failed ({summary.seconds:.1f} s)")
    print(f"report: {out / 'report.md'}")
    if summary.n_failed:
        sys.stderr.write(f"cosim run: {summary.n_failed} of {summary.n_points} points failed; "
                         f"their errors are in {out / 'report.md'} (rerun with "
                         "--retry-failed to compute them again)\n")
        return EXIT_FAILURE
    return EXIT_OK
