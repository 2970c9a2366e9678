"""Generate ``docs/scenarios.md`` from the schema, so the reference cannot drift.

Run ``python -m cosim.studies.docs > docs/scenarios.md`` after changing
:mod:`cosim.studies.schema` or a stage; a test checks the committed page.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import textwrap
from typing import Any

from cosim.studies.evaluate import STAGES
from cosim.studies.metrics import METRICS
from cosim.studies.schema import KNOWN_STAGES, SECTION_DOCS, SECTIONS, Key, section_keys
from cosim.studies.search_spec import __doc__ as SEARCH_DOC
from cosim.studies.sweep import __doc__ as SWEEP_DOC

_INTRO = """\
# Scenario reference

A scenario is a YAML file that `cosim run` turns into a study and
`cosim validate` checks without running. This page is generated from
`cosim/studies/schema.py` by `python -m cosim.studies.docs`; do not edit it by
hand.

The file is read with a YAML safe loader only: tags such as `!!python/object`
are refused, never run. It must be a regular file of at most 1 MiB; a key given
twice (the error names both lines), nesting deeper than 32 levels, a recursive
alias, or aliases that expand to more than 200000 values are refused. Every
key is optional; absent keys take the defaults below. An unknown key, a wrong
type or a value out of range stops with one line naming the key path, e.g.
`error: workload.epochs: must be an integer 1..100000, got 0`, and exit
status 2. Numbers such as `100e-6` are accepted
for number keys even though YAML 1.1 reads them as text.
"""

_POINTS = """\
## Points and ids

Each point is one combination of the sweep axes. Its config holds the
sections `stack`, `dac`, `qubit`, `workload` with one value per key (derived
values such as `stack.channels` filled in) and the list `stages`. Its
`point_id` is the first 16 hex digits of the sha256 of the config's canonical
JSON (sorted keys, no spaces), so the same config always has the same id, and
`name`, `description` and the `study` section never change it. The
`design_id` is the same hash without `dac.seeds` and `workload.seeds`: points
that share it are repeated draws of one design, and the report gives their
mean and sample standard deviation. A point that runs stage `train`, `ptq` or `hardware`
also carries `workload.data_digest`, the sha256 (16 hex digits) of every sample
and label of the data set the run loads (`COSIM_MNIST_DIR`, system IDX files,
the cache or the bundled subset; the scikit-learn version's copy for iris and
breast_cancer), so its id names the data: resuming with other data computes
new points instead of mixing them. The metric `data_source` records where the
data came from, and a worker that loads other data refuses the point.
"""

_RUN = """\
## Running, resuming and outputs

`cosim run SCENARIO.yaml [--out DIR] [--workers N] [--scheduler ADDRESS]
[--fresh] [--retry-failed]` computes every point that `DIR/results.sqlite`
does not hold yet (default `DIR`: `results/<name>`), on `N` local processes
(default: all cores; `--workers 1` runs in-process) or on the Dask cluster at
`ADDRESS` (`pip install 'cosim[dask]'`; the workers need the same cosim
installed). Each point is committed on its own as
it finishes (sqlite in WAL mode), so an interrupted run (Ctrl-C, `kill -9`, a
crashed worker) loses at most the points in flight, and running the same
command again resumes. A point that raises is stored as `failed` with its
message and the study goes on; failed points are not retried unless
`--retry-failed` is given, and the command exits with status 1 when any point
of the scenario failed. One run writes a directory at a time (a lock file
`DIR/.cosim.lock` names the holder); a second run refuses, or waits with
`--wait`. A directory holds one scenario (by name): running another into it
refuses. `--fresh` deletes the database first, once the
scenario and the arguments have been checked. Points are created and looked up
2,048 at a time, so a large sweep starts at once in bounded memory. A lost Dask
scheduler (or no worker for 120 s) stops the run with one `error: --scheduler`
line and exit status 1; the points not finished stay unfinished (never stored as
failed) and a plain rerun finishes them. SIGTERM, SIGHUP and SIGINT stop the
workers and exit with status 128 + the signal number; finished points stay
stored. `results.csv`, `designs.csv`, `report.md` and the figures are written to
a temporary file and renamed into place, so a symlink is replaced, never
written through.

Table `results` has `point_id` (unique), `design_id`, `config` (JSON),
`status` (`ok` or `failed`), `error`, `started_at` (ISO 8601, UTC), `seconds`,
and one column per metric, added when the metric first appears. After the run
the directory also holds `results.csv`, `report.md` and the figures
`pareto.png`, `elbow.png` and `deadlock.png`; a figure whose data the study did
not compute is left out and the report says why.

The report judges designs by `study.accuracy_target`: with `target:
relative` a design must reach that fraction of the float accuracy of the same
dataset and architecture (the `float_accuracy` of stage ptq, else stage train
with `quantizer: none`); with `target: absolute` it is a test accuracy. The
accuracy of a design is its accuracy on the DAC at `dac.bits`: `train_accuracy`
when it trains with a quantizer, else `ptq_accuracy` (a float-trained design
without stage ptq has none). The Pareto front maximises that accuracy and
minimises `power_per_qubit_w`; its knee is the front design farthest from the
line joining the front's two extremes, with both objectives scaled to [0, 1],
on the side of the ideal corner (none for fewer than three front designs).

`designs.csv` has one row per design (every key but `dac.seeds` and
`workload.seeds`). Each `dac.seeds` value is one chip: a draw of unit-element
mismatch. Over the design's draws (chips x training seeds) the row gives the
mean, sample std and 5th percentile of the deployed accuracy (and of
`ptq_accuracy`, `train_accuracy`, `hardware_accuracy` where stored), the
`accuracy_yield` (the fraction of draws reaching the target, a relative target
read against each draw's own float model), power, area, fridge capacity, and
`on_front`/`knee` flags. With `study.yield_target` set, the front's accuracy
axis is the accuracy that that share of draws reach, and the report names per
DAC architecture the fewest bits and the smallest area whose yield meets it.
"""


def _markdown(docstring: str) -> str:
    """A reST docstring as Markdown: ``code`` and :role:`target` become `code`."""
    text = inspect.cleandoc(docstring).replace("``", "`")
    return re.sub(r":\w+:`([^`]+)`", r"`\1`", text)


def _default(key: Key) -> str:
    if key.default is None:
        return "derived" if key.nullable and key.section else "null"
    return f"`{json.dumps(key.default)}`"


def _section(section: str | None) -> str:
    title = "Top level" if section is None else f"`{section}`"
    lines = [f"### {title}", ""]
    if section is not None:
        lines += [SECTION_DOCS[section], ""]
    lines += ["| key | type | default | unit | sweep | meaning |", "|---|---|---|---|---|---|"]
    for key in section_keys(section):
        allowed = key.allowed().replace("|", "\\|")
        lines.append(f"| `{key.name}` | {allowed} | {_default(key)} | {key.unit or '-'} | "
                     f"{'yes' if key.sweep else 'no'} | {key.doc} |")
    return "\n".join(lines)


def _stages() -> str:
    lines = ["## Stages", "", "A point runs the stages listed in `study.stages`, in this "
             "order. The metrics each stage stores:", ""]
    for name in KNOWN_STAGES:
        doc = _markdown(STAGES[name].__doc__ or "")
        lines += [f"### `{name}`", "", doc, ""]
    lines += ["### Metric reference", "", "| metric | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{m.name}` | {m.unit or '-'} | {m.doc} |" for m in METRICS.values()]
    return "\n".join(lines).rstrip()


def _sweeps() -> str:
    body = _markdown(SWEEP_DOC or "").split("\n", 2)[2]
    return "## Sweeps\n\n" + body + (
        "\n\nThe number of points is the product of the axis lengths; more than "
        "`study.max_points` is an error. Seeds are axes like any other.")


_SEARCH_RUN = """\
`cosim search SCENARIO.yaml [--out DIR] [--trials N] [--workers N]
[--scheduler ADDRESS] [--fresh]` runs the sampler (Optuna's NSGA-II, TPE or
random sampling, with the constraints passed to the first two) by ask and
tell on a study stored in `DIR/search.sqlite`. A design's points are the
configs `cosim run` would build for the same values, with the same
`point_id`, stored in the same `DIR/results.sqlite`: a search and a grid run
into one directory share every point. `search.budget` (or `--trials`) counts
distinct designs: a proposal that repeats an evaluated design is answered
from the store and costs nothing. Killed at any moment, the next run finishes
the trials left running from their stored points and computes only the
missing ones. `--fresh` deletes both databases first.

The directory then holds `designs.csv` (one row per design, with its
objective and constraint values, `feasible`, `violation` and the feasible
front and knee), `pareto.png` (the feasible front, infeasible designs in
grey, the knee circled), `search.png` (hypervolume of the feasible front
against designs evaluated) and `report.md`, which names the cheapest feasible
design (best in the first minimised objective) with its power at each
cryostat stage, per-term power where stored, and fridge capacity. When no
design is feasible the command still exits 0 and the report names the design
with the smallest total violation (each shortfall relative to its bound).
With `compare_grid: true` every design of the space is evaluated too and the
report gives the search's hypervolume as a fraction of the grid's, both with
objectives scaled to [0, 1] over all designs and the reference point at 1.1.
"""


def _search() -> str:
    body = _markdown(SEARCH_DOC or "").split("\n", 2)[2]
    # The reST literal block ("::" then indented lines) becomes a fenced YAML block.
    body = re.sub(r"^::\n\n((?:    .*\n|\n)+?)\n(?=\S)",
                  lambda m: "```yaml\n" + textwrap.dedent(m.group(1)) + "```\n\n", body,
                  flags=re.M)
    return "## Design search\n\n" + body + "\n\n" + _SEARCH_RUN


def render_markdown() -> str:
    """The whole reference page as Markdown text."""
    parts: list[Any] = [_INTRO, "## Keys", _section(None)]
    parts += [_section(s) for s in SECTIONS]
    parts += [_sweeps(), _POINTS, _stages(), _RUN, _search()]
    return "\n\n".join(p.strip() for p in parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
