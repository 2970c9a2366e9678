"""Studies: YAML scenarios swept into points, computed, stored, scored and reported.

What a point computes (:mod:`~cosim.studies.evaluate` and its stages) is kept
apart from how the points are searched and run (:mod:`~cosim.studies.runner`,
:mod:`~cosim.studies.execute`) and from what is made of the results
(:mod:`~cosim.studies.scoring`, :mod:`~cosim.studies.pareto`,
:mod:`~cosim.studies.report`).

=================  ===========================================================
schema             every scenario key as data: type, default, unit, range, doc
sweep              list and range forms of a sweep axis
scenario           load and validate a YAML file into a :class:`Scenario`
points             point configs, ``point_id`` and ``design_id``
evaluate           the stage registry and the point function
hardware_stages    dac, cost, gateset, schedule
qnn_stages         train, ptq
execute            in-process, process-pool and Dask backends
store              the sqlite results table
runner             :func:`run_study`: resume, compute, write outputs
pareto             non-dominated ranks and the knee
scoring            spread over seeds, deployed accuracy, fewest bits
plots, report      figures, results.csv and report.md
docs               docs/scenarios.md from the schema
=================  ===========================================================
"""

from cosim.studies.runner import RunSummary, run_study
from cosim.studies.scenario import Scenario, dump_scenario, load_scenario, parse_scenario

__all__ = [
    "RunSummary",
    "Scenario",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
    "run_study",
]
