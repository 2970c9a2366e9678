"""Hostile and careless input through the real CLI: nothing hangs, nothing leaks, one error line.

Every case runs ``python -m cosim ...`` in a subprocess under a 2 GiB address
space cap and a 30 s timeout, in a scratch working directory. It must end with
exit status 2 and exactly one stderr line, starting with ``error:`` and naming
the argument, key path or file at fault, with no traceback, no raw control
character, and no file written in the working directory. The cases are grouped
by surface: CLI arguments, scenario files, environment, data files.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

MEMORY_CAP_BYTES = 2 << 30
TIMEOUT_S = 30
ROOT = Path(__file__).resolve().parents[2]

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


def run_capped(args: list[str], cwd: Path, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "COSIM_DEBUG"}
    environ.update({"COSIM_OFFLINE": "1", "COSIM_CACHE_DIR": str(cwd.parent / "cache"),
                    **(env or {})})
    return subprocess.run([sys.executable, "-m", "cosim", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=TIMEOUT_S,
                          preexec_fn=_cap_memory)


def assert_one_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in lines[0])


LIGHT = ("name: light\ndac: {bits: [3, 4]}\nstudy: {stages: [dac, cost]}\n")
"""A study that would run in a second: every case must stop it before any work."""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A scratch working directory holding the inputs of one case."""
    d = tmp_path / "work"
    d.mkdir()
    (d / "afile").write_text("not a directory\n")
    (d / "adir.png").mkdir()
    (d / "light.yaml").write_text(LIGHT)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "precious.txt").write_text("not results\n")
    (d / "elsewhere").symlink_to(tmp_path / "full")
    (d / "loop").symlink_to("loop")
    return d


def check_case(work: Path, args: list[str], needle: str, env: dict[str, str] | None = None
               ) -> None:
    before = sorted(p.name for p in work.iterdir())
    assert_one_error(run_capped(args, work, env), needle)
    assert sorted(p.name for p in work.iterdir()) == before  # nothing written


# -- CLI arguments -----------------------------------------------------------------------------

CLI_CASES = {
    "bits zero": (["dac", "--bits", "0"], "--bits"),
    "bits beyond int64": (["dac", "--bits", "9" * 30], "--bits"),
    "bits nan": (["dac", "--bits", "nan"], "--bits"),
    "sigma inf": (["dac", "--bits", "4", "--inl-sigma", "inf"], "--mismatch-sigma"),
    "negative rate": (["dac", "--bits", "4", "--sample-rate", "-1"], "--sample-rate"),
    "escape sequence": (["dac", "--bits", "4", "--arch", "\x1b]0;owned\x07\x1b[2J"], "--arch"),
    "bidi override": (["dac", "--bits", "4", "--preset", "\u202eevil"], "--preset"),
    "100 kB argument": (["dac", "--bits", "4", "--arch", "x" * 100_000], "--arch"),
    "plot suffix": (["dac", "--bits", "4", "--plot", "out.txt"], "--plot"),
    "plot is a directory": (["dac", "--bits", "4", "--plot", "adir.png"], "is a directory"),
    "plot dir missing": (["dac", "--bits", "4", "--plot", "no/such/x.png"], "does not exist"),
    "plot under a file": (["dac", "--bits", "4", "--plot", "afile/x.png"], "not a directory"),
    "plot empty": (["dac", "--bits", "4", "--plot", ""], "--plot"),
    "plot is a device": (["dac", "--bits", "4", "--plot", "/dev/null"], "--plot"),
    "gate plot dir": (["gate", "--bits", "4", "--theta", "1", "--plot", "adir.png"], "--plot"),
    "gate theta nan": (["gate", "--bits", "4", "--theta", "nan"], "--theta"),
    "gate long pulse": (["gate", "--bits", "4", "--theta", "1", "--duration", "1"],
                        "--duration"),
    "schedule qubits": (["schedule", "--qubits", "17"], "--qubits"),
    "schedule plot": (["schedule", "--plot", "afile/g.svg"], "--plot"),
    "run out empty": (["run", str(ROOT / "studies/quickstart.yaml"), "--out", ""], "--out"),
    "run out is a file": (["run", str(ROOT / "studies/quickstart.yaml"), "--out", "afile"],
                          "--out"),
    "run out under a file": (["run", str(ROOT / "studies/quickstart.yaml"), "--out",
                              "afile/res"], "--out"),
    "run workers zero": (["run", str(ROOT / "studies/quickstart.yaml"), "--out", "r",
                          "--workers", "0"], "--workers"),
    "unknown command": (["frobnicate"], "frobnicate"),
    "train plot dir": (["train", "--dataset", "iris", "--plot", "adir.png"], "--plot"),
    "gate detuning 1e300": (["gate", "--bits", "4", "--theta", "1", "--detuning", "1e300"],
                            "--detuning"),
    "gate anharmonicity inf": (["gate", "--bits", "4", "--theta", "1", "--levels", "3",
                                "--anharmonicity", "-inf"], "--anharmonicity"),
    "gate 10^6-sample pulse": (["gate", "--bits", "4", "--theta", "1", "--duration", "1e-3"],
                               "--duration"),
    "gate t2 above 2 t1": (["gate", "--bits", "4", "--theta", "1", "--t1", "1e-6", "--t2",
                            "1e-5"], "--t2"),
    "gate levels 4": (["gate", "--bits", "4", "--theta", "1", "--levels", "4"], "--levels"),
    "gate theta missing": (["gate", "--bits", "4"], "--theta"),
    "schedule 16 qubits 1 ms gates": (["schedule", "--qubits", "16", "--gate-1q", "5e-5",
                                       "--gate-2q", "1e-3"], "--gate-1q"),
    "schedule 10^6-sample pulse": (["schedule", "--gate-1q", "1e-3"], "--gate-1q"),
    "schedule channels above qubits": (["schedule", "--qubits", "4", "--channels", "9"],
                                       "--channels"),
    "schedule zero rate": (["schedule", "--sample-rate", "0"], "--sample-rate"),
    "train epochs 10^9": (["train", "--dataset", "iris", "--epochs", "1000000000"], "--epochs"),
    "dac bits not integer": (["dac", "--bits", "4.5"], "--bits"),
    "dac unknown option": (["dac", "--bits", "4", "--bogus"], "--bogus"),
    "run workers 10^5": (["run", "light.yaml", "--out", "r", "--workers", "100000"], "--workers"),
    "run scheduler empty": (["run", "light.yaml", "--out", "r", "--scheduler", " "],
                            "--scheduler"),
    "run scheduler not an address": (["run", "light.yaml", "--out", "r", "--scheduler",
                                      "tcp://nohost"], "--scheduler"),
    "run out symlink elsewhere": (["run", "light.yaml", "--out", "elsewhere"], "--out"),
    "run out symlink loop": (["run", "light.yaml", "--out", "loop"], "--out"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_arguments(work: Path, case: str) -> None:
    args, needle = CLI_CASES[case]
    check_case(work, args, needle)


# -- scenario files ----------------------------------------------------------------------------


def _write(name: str, content: str | bytes) -> Callable[[Path], str]:
    def make(work: Path) -> str:
        path = work / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return name
    return make


def _fifo(work: Path) -> str:
    os.mkfifo(work / "pipe.yaml")
    return "pipe.yaml"


def _symlink_to_zero(work: Path) -> str:
    (work / "zero.yaml").symlink_to("/dev/zero")
    return "zero.yaml"


SCENARIO_CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "billion laughs": (_write("bomb.yaml", LAUGHS), "f: holds more than 200000 values"),
    "dev zero": (lambda w: "/dev/zero", "/dev/zero: is not a regular file"),
    "symlink to dev zero": (_symlink_to_zero, "zero.yaml: is not a regular file"),
    "fifo": (_fifo, "pipe.yaml: is not a regular file"),
    "directory": (lambda w: "adir.png", "is a directory"),
    "missing": (lambda w: "nope.yaml", "nope.yaml: no such scenario file"),
    "duplicate section": (_write("d.yaml", "workload: {epochs: 3}\ndac: {bits: 4}\n"
                                 "workload: {epochs: 4}\n"), "workload: is given twice, at "
                          "lines 1 and 3"),
    "duplicate key": (_write("d.yaml", "dac:\n  bits: 4\n  bits: 5\n"),
                      "dac.bits: is given twice"),
    "deep nesting": (_write("deep.yaml", "dac: " + "[" * 100_000 + "]" * 100_000),
                     "nests more than 32 levels"),
    "recursive alias": (_write("rec.yaml", "dac:\n  bits: &r [*r]\n"), "dac.bits[0]:"),
    "over a megabyte": (_write("big.yaml", "#" * (1 << 21)), "big.yaml: is larger than"),
    "not utf-8": (_write("latin.yaml", b"name: caf\xe9\n"), "latin.yaml: is not UTF-8"),
    "escape in value": (_write("esc.yaml", 'dac: {bits: "\\e]0;owned\\a"}\n'), "dac.bits:"),
    "raw escape byte": (_write("raw.yaml", b"dac:\n  \x1b[2Jbits: 3\n"), "raw.yaml:"),
    "python tag": (_write("tag.yaml", "dac: !!python/object/apply:os.system [echo hi]\n"),
                   "tag.yaml: is not a valid scenario YAML file"),
    "huge integer": (_write("int.yaml", f"dac: {{bits: {'9' * 5000}}}\n"), "int.yaml:"),
    "bad timestamp": (_write("ts.yaml", "name: 2024-13-45\n"), "ts.yaml:"),
    "unknown key": (_write("k.yaml", "dac: {bitz: 4}\n"), "dac.bitz: unknown key"),
    "top-level list": (_write("l.yaml", "- 1\n- 2\n"), "top level must be a mapping"),
    "empty": (_write("e.yaml", ""), "e.yaml: is empty"),
    "long list value": (_write("v.yaml", "dac: {bits: [" + ", ".join(["x"] * 20_000) + "]}\n"),
                        "dac.bits"),
    "sweep too large": (_write("s.yaml", "dac: {bits: {range: [1, 16]}, seeds: {range: [0, "
                                         "1000000]}}\n"), "dac.seeds.range"),
    "10^6 samples per pulse": (_write("p.yaml", "qubit: {gate_1q_s: 1.0e-3}\n"),
                               "qubit.gate_1q_s"),
    "anharmonicity 1e300": (_write("a.yaml", "qubit: {anharmonicity_hz: 1.0e+300}\n"),
                            "qubit.anharmonicity_hz"),
    "epochs 10^9": (_write("ep.yaml", "workload: {epochs: 1000000000}\n"), "workload.epochs"),
    "nan": (_write("nan.yaml", "dac: {mismatch_sigma: .nan}\n"), "dac.mismatch_sigma"),
    "backwards range": (_write("r.yaml", "dac: {bits: {range: [8, 2]}}\n"), "dac.bits.range"),
    "unknown stage": (_write("st.yaml", "study: {stages: [warp]}\n"), "study.stages"),
    "t2 above 2 t1": (_write("t.yaml", "qubit: {t1_s: 1.0e-6, t2_s: 1.0e-5}\n"), "qubit.t2_s"),
    "max_points 10^12": (_write("m.yaml", "study: {max_points: 1000000000000}\n"),
                         "study.max_points"),
    "boolean as integer": (_write("b.yaml", "dac: {bits: true}\n"), "dac.bits"),
    "section is a list": (_write("sl.yaml", "dac: [1, 2]\n"), "dac: must be a mapping"),
    "empty sweep list": (_write("el.yaml", "dac: {bits: []}\n"), "dac.bits"),
    "unknown fridge": (_write("f.yaml", "stack: {fridge: nope}\n"), "stack.fridge"),
}


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_scenario_files(work: Path, case: str) -> None:
    make, needle = SCENARIO_CASES[case]
    check_case(work, ["validate", make(work)], needle)


def test_a_hostile_scenario_stops_run_before_any_work(work: Path) -> None:
    (work / "bomb.yaml").write_text(LAUGHS)
    check_case(work, ["run", "bomb.yaml", "--out", "afile/x"], "f: holds more than")


# -- results directories -----------------------------------------------------------------------


def _results_of(name: str) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        from cosim.studies.store import DB_NAME, ResultStore

        with ResultStore(out / DB_NAME) as store:
            store.set_meta("scenario", {"name": name})
    return make


def _sql(*statements: str) -> Callable[[Path], None]:
    def make(out: Path) -> None:
        with sqlite3.connect(out / "results.sqlite") as db:
            db.execute("PRAGMA journal_mode=WAL")  # as cosim leaves its databases
            for statement in statements:
                db.execute(statement)
        db.close()
    return make


def _corrupt(out: Path) -> None:
    """A real results database with its pages past the header overwritten."""
    _results_of("light")(out)
    _sql(*(f"INSERT INTO meta VALUES ('k{i}', '{'x' * 900}')" for i in range(40)))(out)
    with (out / "results.sqlite").open("r+b") as f:
        f.seek(4096)
        f.write(b"\xff" * 8192)


def _planted(name: str, make: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda out: make(out / name)


def _fifo_at(path: Path) -> None:
    os.mkfifo(path)


def _link_to_victim(path: Path) -> None:
    path.symlink_to(path.parent.parent / "victim.txt")


RESULTS_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "another scenario's results": (_results_of("other"), "holds the results of scenario "
                                                         "'other', not 'light'"),
    "zeros as the database": (lambda out: (out / "results.sqlite").write_bytes(b"\0" * 4096),
                              "results.sqlite: is not a cosim results database"),
    "text as the database": (lambda out: (out / "results.sqlite").write_text("hello\n" * 99),
                             "results.sqlite: is not a cosim results database"),
    "gzip as the database": (lambda out: (out / "results.sqlite").write_bytes(
        gzip.compress(b"x" * 9000)), "results.sqlite: is not a cosim results database"),
    "sqlite header then junk": (lambda out: (out / "results.sqlite").write_bytes(
        b"SQLite format 3\0" + b"\x07" * 5000), "results.sqlite:"),
    "corrupt pages": (_corrupt, "results.sqlite: is corrupt"),
    "another application's database": (_sql("CREATE TABLE users (name TEXT)"),
                                       "results.sqlite: is not a cosim results database (it "
                                       "holds the tables users)"),
    "results table without our columns": (_sql("CREATE TABLE results (x)"),
                                          "results.sqlite: is not a cosim results database"),
    "meta that is not JSON": (_sql(
        "CREATE TABLE results (point_id TEXT PRIMARY KEY, design_id TEXT, config TEXT, "
        "status TEXT, error TEXT, started_at TEXT, seconds REAL)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        "INSERT INTO meta VALUES ('scenario', '{not json')"), "meta table does not hold JSON"),
    "database is a directory": (_planted("results.sqlite", Path.mkdir),
                                "results.sqlite: must be a regular file"),
    "database is a fifo": (_planted("results.sqlite", _fifo_at),
                           "results.sqlite: must be a regular file"),
    "database is a symlink": (_planted("results.sqlite", _link_to_victim),
                              "results.sqlite: must be a regular file"),
    "database links to dev zero": (_planted("results.sqlite",
                                            lambda p: p.symlink_to("/dev/zero")),
                                   "results.sqlite: must be a regular file"),
    "dangling database link": (_planted("results.sqlite", lambda p: p.symlink_to("nowhere")),
                               "results.sqlite: must be a regular file"),
    "lock is a directory": (_planted(".cosim.lock", Path.mkdir), ".cosim.lock:"),
    "lock is a fifo": (_planted(".cosim.lock", _fifo_at), ".cosim.lock: is not a regular"),
    "lock links elsewhere": (_planted(".cosim.lock", _link_to_victim), ".cosim.lock: cannot be"),
    "lock links to dev null": (_planted(".cosim.lock", lambda p: p.symlink_to("/dev/null")),
                               ".cosim.lock: cannot be"),
    "results.csv is a directory": (_planted("results.csv", Path.mkdir),
                                   "results.csv: is in the way"),
    "report.md is a directory": (_planted("report.md", Path.mkdir), "report.md: is in the way"),
    "designs.csv is a fifo": (_planted("designs.csv", _fifo_at), "designs.csv: is in the way"),
    "pareto.png is a directory": (_planted("pareto.png", Path.mkdir),
                                  "pareto.png: is in the way"),
    "results_table.md is a fifo": (_planted("results_table.md", _fifo_at),
                                   "results_table.md: is in the way"),
    "elbow.png is a directory": (_planted("elbow.png", Path.mkdir), "elbow.png: is in the way"),
    "power_terms.png is a fifo": (_planted("power_terms.png", _fifo_at),
                                  "power_terms.png: is in the way"),
    "deadlock.png is a directory": (_planted("deadlock.png", Path.mkdir),
                                    "deadlock.png: is in the way"),
    "deadlock_map.png is a fifo": (_planted("deadlock_map.png", _fifo_at),
                                   "deadlock_map.png: is in the way"),
    "empty scenario name in meta": (_results_of(""), "holds the results of scenario ''"),
    "control characters in meta name": (_results_of("\x1b]0;x\x07"),
                                        "holds the results of scenario"),
    "huge meta name": (_results_of("n" * 100_000), "holds the results of scenario"),
}


@pytest.mark.parametrize("case", list(RESULTS_CASES))
def test_results_directories(work: Path, case: str) -> None:
    make, needle = RESULTS_CASES[case]
    (work.parent / "victim.txt").write_text("keep me\n")
    (work / "res").mkdir()
    make(work / "res")
    before = {p.name: _fingerprint(p) for p in (work / "res").iterdir()}
    check_case(work, ["run", "light.yaml", "--out", "res"], needle)
    after = {p.name: _fingerprint(p) for p in (work / "res").iterdir()
             if p.name != ".cosim.lock" or ".cosim.lock" in before}
    assert after == before
    assert (work.parent / "victim.txt").read_text() == "keep me\n"


def _fingerprint(path: Path) -> object:
    if path.is_symlink():
        return ("link", os.readlink(path))
    if path.is_file():
        return path.read_bytes()
    return path.stat().st_mode


def test_a_held_directory_is_refused(work: Path) -> None:
    from cosim.studies.lock import DirectoryLock

    (work / "res").mkdir()
    with DirectoryLock(work / "res"):
        check_case(work, ["run", "light.yaml", "--out", "res"], "--out: ")


def test_a_symlinked_output_is_replaced_not_written_through(work: Path) -> None:
    (work.parent / "victim.txt").write_text("keep me\n")
    (work / "res").mkdir()
    (work / "res" / "results.csv").symlink_to(work.parent / "victim.txt")
    proc = run_capped(["run", "light.yaml", "--out", "res", "--workers", "1"], work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work.parent / "victim.txt").read_text() == "keep me\n"
    assert not (work / "res" / "results.csv").is_symlink()
    assert (work / "res" / "results.csv").read_text().startswith("point_id,")


# -- environment and data files ----------------------------------------------------------------


def _idx(path: Path, code: int, dims: tuple[int, ...], payload: bytes) -> None:
    path.write_bytes(bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
                     + payload)


def _mnist_dir(d: Path, **override: Callable[[Path], None]) -> Path:
    """Valid 28 x 28 IDX files in ``d``, with some replaced by ``override[stem](path)``."""
    d.mkdir()
    for stem, n in (("train", 20), ("t10k", 10)):
        images = d / f"{stem}-images-idx3-ubyte"
        labels = d / f"{stem}-labels-idx1-ubyte"
        _idx(images, 0x08, (n, 28, 28), bytes(n * 784))
        _idx(labels, 0x08, (n,), (np.arange(n) % 10).astype(np.uint8).tobytes())
    for name, make in override.items():
        make(d / name.replace("_", "-"))
    return d


# The data and environment cases each load the training stack (~1.5 s), so they run in
# groups: one capped subprocess per group calls the CLI's main() once per case, with the
# case's environment, and reports each exit status and stderr. Each case still gets the
# one-line contract checked on its own.
_GROUP = r"""
import contextlib, io, json, os, sys
from cosim.cli import main
report = []
for case in json.loads(sys.argv[1]):
    saved = dict(os.environ)
    os.environ.update(case["env"])
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            status = main(case["args"])
        except SystemExit as exc:
            status = exc.code
    os.environ.clear()
    os.environ.update(saved)
    report.append({"status": status, "stderr": err.getvalue()})
print(json.dumps(report))
"""
GROUP_SIZE = 12


def run_grouped(cases: list[tuple[list[str], dict[str, str]]], cwd: Path) -> list[dict]:
    """Run ``(args, env)`` cases through ``cosim.cli.main`` in capped subprocesses."""
    report: list[dict] = []
    environ = {k: v for k, v in os.environ.items() if k != "COSIM_DEBUG"}
    environ.update({"COSIM_OFFLINE": "1", "COSIM_CACHE_DIR": str(cwd.parent / "cache")})
    for start in range(0, len(cases), GROUP_SIZE):
        batch = [{"args": a, "env": e} for a, e in cases[start:start + GROUP_SIZE]]
        proc = subprocess.run([sys.executable, "-c", _GROUP, json.dumps(batch)], cwd=cwd,
                              env=environ, capture_output=True, text=True, timeout=TIMEOUT_S,
                              preexec_fn=_cap_memory)
        assert proc.returncode == 0, proc.stderr[-3000:]
        report += json.loads(proc.stdout.splitlines()[-1])
    return report


def assert_one_error_line(status: int, stderr: str, needle: str) -> None:
    assert_one_error(subprocess.CompletedProcess([], status, "", stderr), needle)


def _gz_of(p: Path, cut: int = 0) -> None:
    data = gzip.compress(p.read_bytes())
    p.with_name(p.name + ".gz").write_bytes(data[:-cut] if cut else data)
    p.unlink()


def _replace(code: int = 0x08, dims: tuple[int, ...] = (20, 28, 28), payload: bytes | None = None,
             raw: bytes | None = None) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        if raw is not None:
            p.write_bytes(raw)
        else:
            n = int(np.prod(dims)) if dims else 0
            _idx(p, code, dims, bytes(n) if payload is None else payload)
    return make


def _bomb(p: Path) -> None:
    """A small gzip file that declares 20 images but inflates to 200 MB."""
    body = bytes([0, 0, 8, 3]) + struct.pack(">3I", 20, 28, 28) + bytes(200 << 20)
    p.with_name(p.name + ".gz").write_bytes(gzip.compress(body, compresslevel=1))
    p.unlink()


TRI, TEI = "train_images_idx3_ubyte", "t10k_images_idx3_ubyte"
TRL, TEL = "train_labels_idx1_ubyte", "t10k_labels_idx1_ubyte"
DATA_CASES: dict[str, tuple[dict[str, Callable[[Path], None]], str]] = {
    "forged size": ({TRI: _replace(dims=(2**32 - 1,) * 3, payload=b"\0" * 64)},
                    "train-images-idx3-ubyte: IDX header declares"),
    "short payload": ({TEI: _replace(dims=(10, 28, 28), payload=b"\0")},
                      "t10k-images-idx3-ubyte: IDX payload"),
    "small images": ({TRI: _replace(dims=(20, 4, 4))},
                     "train-images-idx3-ubyte: must hold uint8 images of shape (N, 28, 28)"),
    "broken gzip": ({TRL: lambda p: _gz_of(p, cut=12)}, "train-labels-idx1-ubyte.gz: cannot"),
    "gzip bomb": ({TRI: _bomb}, "train-images-idx3-ubyte.gz:"),
    "not gzip at all": ({TEL: lambda p: (p.with_name(p.name + ".gz").write_bytes(b"plain"),
                                          p.unlink())}, "t10k-labels-idx1-ubyte.gz:"),
    "truncated gzip of images": ({TEI: lambda p: _gz_of(p, cut=400)},
                                 "t10k-images-idx3-ubyte.gz:"),
    **{f"{what} in {stem}": ({stem: make}, stem.replace("_", "-") + ":")
       for stem in (TRI, TEI, TRL, TEL)
       for what, make in (
           ("bad magic", _replace(raw=b"\x1f\x8b\x08\x03" + bytes(64))),
           ("float dtype", _replace(code=0x0D, dims=(20, 28, 28))),
           ("rank 0", _replace(dims=())),
           ("rank 5", _replace(dims=(1, 1, 1, 1, 1))),
           ("truncated header", _replace(raw=bytes([0, 0, 8, 3, 0]))),
           ("empty file", _replace(raw=b"")))},
    "payload longer than declared": ({TRL: _replace(dims=(20,), payload=bytes(40))},
                                     "train-labels-idx1-ubyte:"),
    "images of rank 2": ({TRI: _replace(dims=(20, 784))}, "train-images-idx3-ubyte: must hold"),
    "labels above 9": ({TRL: _replace(dims=(20,), payload=bytes([12]) * 20)},
                       "train-labels-idx1-ubyte: labels must be 0..9"),
    "fewer labels than images": ({TEL: _replace(dims=(9,))}, "t10k-labels-idx1-ubyte: must hold"),
    "labels of rank 2": ({TRL: _replace(dims=(20, 1))}, "train-labels-idx1-ubyte: must hold"),
    "uint16 labels": ({TEL: _replace(code=0x0B, dims=(10,))}, "t10k-labels-idx1-ubyte:"),
}


def test_data_files(work: Path) -> None:
    names = list(DATA_CASES)
    cases = []
    for i, name in enumerate(names):
        directory = _mnist_dir(work.parent / f"mnist{i}", **DATA_CASES[name][0])
        cases.append((["train", "--dataset", "mnist", "--epochs", "1", "--json"],
                      {"COSIM_MNIST_DIR": str(directory)}))
    before = sorted(p.name for p in work.iterdir())
    report = run_grouped(cases, work)
    assert sorted(p.name for p in work.iterdir()) == before
    for name, outcome in zip(names, report, strict=True):
        try:
            assert_one_error_line(outcome["status"], outcome["stderr"], DATA_CASES[name][1])
        except AssertionError as exc:
            raise AssertionError(f"data case {name!r}: {exc}") from None


def _env_dir(kind: str) -> Callable[[Path], str]:
    """A hostile value for an image set's directory variable, made under ``root``."""
    def make(root: Path) -> str:
        target = root / kind.replace(" ", "_")
        if kind == "a file":
            target.write_text("x")
        elif kind == "an empty directory":
            target.mkdir()
        elif kind == "images but no labels":
            _mnist_dir(target)
            for p in target.glob("*labels*"):
                p.unlink()
        elif kind == "directories named like the files":
            target.mkdir()
            for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
                (target / stem).mkdir()
        elif kind == "files linked to dev zero":
            target.mkdir()
            for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
                (target / stem).symlink_to("/dev/zero")
        elif kind == "a fifo":
            os.mkfifo(target)
        elif kind == "dev null":
            return "/dev/null"
        elif kind == "control characters":
            return str(root / "\x1b]0;owned\x07")
        elif kind == "a 100 kB path":
            return "/" + "x" * 100_000
        elif kind == "a relative path":
            return "no/such/dir"
        # "missing": nothing is made
        return str(target)
    return make


ENV_KINDS = ("missing", "a file", "an empty directory", "images but no labels",
             "directories named like the files", "files linked to dev zero", "a fifo",
             "dev null", "control characters", "a 100 kB path", "a relative path")
ENV_COMMANDS = {
    "train mnist": ("COSIM_MNIST_DIR", ["train", "--dataset", "mnist", "--epochs", "1"]),
    "train fashion": ("COSIM_FASHION_MNIST_DIR", ["train", "--dataset", "fashion_mnist",
                                                  "--epochs", "1"]),
    "run mnist study": ("COSIM_MNIST_DIR", ["run", "mnist.yaml", "--out", "r"]),
}
ENV_CASES = [(command, kind) for command in ENV_COMMANDS for kind in ENV_KINDS]


def test_environment(work: Path) -> None:
    (work / "mnist.yaml").write_text("name: m\nworkload: {dataset: mnist}\n"
                                     "study: {stages: [ptq]}\n")
    root = work.parent / "env"
    root.mkdir()
    cases = []
    for i, (command, kind) in enumerate(ENV_CASES):
        variable, args = ENV_COMMANDS[command]
        sub = root / str(i)
        sub.mkdir()
        cases.append((args, {variable: _env_dir(kind)(sub)}))
    before = sorted(p.name for p in work.iterdir())
    report = run_grouped(cases, work)
    assert sorted(p.name for p in work.iterdir()) == before
    for (command, kind), outcome in zip(ENV_CASES, report, strict=True):
        try:
            assert_one_error_line(outcome["status"], outcome["stderr"],
                                  ENV_COMMANDS[command][0])
        except AssertionError as exc:
            raise AssertionError(f"environment case {command}, {kind}: {exc}") from None


def test_unwritable_gate_set_cache_is_one_warning_and_the_same_results(work: Path) -> None:
    args = ["train", "--dataset", "iris", "--epochs", "1", "--eval-bits", "2,3",
            "--eval-gates", "--json"]
    blocked = work / "afile" / "cache"
    proc = run_capped(args, work, env={"COSIM_CACHE_DIR": str(blocked)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"warning: cannot write the gate-set cache in {blocked}")
    writable = run_capped(args, work, env={"COSIM_CACHE_DIR": str(work.parent / "ok")})
    assert writable.returncode == 0 and writable.stderr == ""
    assert _without_timings(json.loads(proc.stdout)) == _without_timings(
        json.loads(writable.stdout))


def _without_timings(report: dict) -> dict:
    return {k: v for k, v in report.items() if "second" not in k and not k.endswith("_s")}


def test_at_least_30_classes_per_surface() -> None:
    counts = {"CLI arguments": len(CLI_CASES), "scenario files": len(SCENARIO_CASES),
              "results directories": len(RESULTS_CASES), "environment": len(ENV_CASES),
              "data files": len(DATA_CASES)}
    assert min(counts.values()) >= 30, counts


# -- output ------------------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(work: Path) -> None:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("COSIM_DEBUG", "PYTHONUNBUFFERED")}
    with subprocess.Popen([sys.executable, "-m", "cosim", "dac", "--bits", "14", "--json"],
                          cwd=work, env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, preexec_fn=_cap_memory) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(10) == b'{"bits": 1'
        proc.stdout.close()  # like `| head -c 10`
        err = proc.stderr.read()
        status = proc.wait(timeout=TIMEOUT_S)
    assert err == b""
    assert status in (0, 141)


def test_plot_suffixes_are_formats_matplotlib_writes() -> None:
    from matplotlib.backend_bases import FigureCanvasBase

    from cosim.commands._common import PLOT_SUFFIXES

    supported = FigureCanvasBase.get_supported_filetypes()
    assert {s.lstrip(".") for s in PLOT_SUFFIXES} <= set(supported)
