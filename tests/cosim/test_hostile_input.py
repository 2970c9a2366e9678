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
import os
import resource
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


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A scratch working directory holding the inputs of one case."""
    d = tmp_path / "work"
    d.mkdir()
    (d / "afile").write_text("not a directory\n")
    (d / "adir.png").mkdir()
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


RESULTS_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "another scenario's results": (_results_of("other"), "holds the results of scenario "
                                                         "'other', not 'quickstart'"),
    "not a database": (lambda out: (out / "results.sqlite").write_bytes(b"\0" * 4096),
                       "results.sqlite: is not a cosim results database"),
}


@pytest.mark.parametrize("case", list(RESULTS_CASES))
def test_results_directories(work: Path, case: str) -> None:
    make, needle = RESULTS_CASES[case]
    (work / "res").mkdir()
    make(work / "res")
    before = sorted(p.name for p in (work / "res").iterdir())
    check_case(work, ["run", str(ROOT / "studies/quickstart.yaml"), "--out", "res"], needle)
    after = sorted(p.name for p in (work / "res").iterdir() if p.name != ".cosim.lock")
    assert after == before


# -- environment and data files ----------------------------------------------------------------


def _idx(path: Path, code: int, dims: tuple[int, ...], payload: bytes) -> None:
    path.write_bytes(bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
                     + payload)


def _mnist_dir(work: Path, **override: Callable[[Path], None]) -> Path:
    """Valid 28 x 28 IDX files, with some replaced by ``override[stem](path)``."""
    d = work.parent / "mnist"
    d.mkdir()
    for stem, n in (("train", 20), ("t10k", 10)):
        images = d / f"{stem}-images-idx3-ubyte"
        labels = d / f"{stem}-labels-idx1-ubyte"
        _idx(images, 0x08, (n, 28, 28), bytes(n * 784))
        _idx(labels, 0x08, (n,), (np.arange(n) % 10).astype(np.uint8).tobytes())
    for name, make in override.items():
        make(d / name.replace("_", "-"))
    return d


# Each case loads the training stack (~1.5 s), so only a few run through the CLI;
# tests/qnn/test_idx_hostile.py covers the other forgeries in-process.
DATA_CASES: dict[str, tuple[dict[str, Callable[[Path], None]], str]] = {
    "forged size": ({"train_images_idx3_ubyte": lambda p: _idx(
        p, 0x08, (2**32 - 1,) * 3, b"\0" * 64)}, "train-images-idx3-ubyte: IDX header declares"),
    "short payload": ({"t10k_images_idx3_ubyte": lambda p: _idx(p, 0x08, (10, 28, 28), b"\0")},
                      "t10k-images-idx3-ubyte: IDX payload"),
    "small images": ({"train_images_idx3_ubyte": lambda p: _idx(p, 0x08, (20, 4, 4),
                                                                bytes(320))},
                     "train-images-idx3-ubyte: must hold uint8 images of shape (N, 28, 28)"),
    "broken gzip": ({"train_labels_idx1_ubyte": lambda p: (
        p.with_name(p.name + ".gz").write_bytes(gzip.compress(p.read_bytes())[:-12]),
        p.unlink())}, "train-labels-idx1-ubyte.gz: cannot be read"),
}


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_data_files(work: Path, case: str) -> None:
    override, needle = DATA_CASES[case]
    directory = _mnist_dir(work, **override)
    check_case(work, ["train", "--dataset", "mnist", "--epochs", "1", "--json"], needle,
               env={"COSIM_MNIST_DIR": str(directory)})


def test_environment_naming_a_missing_directory(work: Path) -> None:
    check_case(work, ["train", "--dataset", "fashion_mnist", "--epochs", "1"],
               "COSIM_FASHION_MNIST_DIR", env={"COSIM_FASHION_MNIST_DIR": str(work / "nope")})


def test_unwritable_gate_set_cache_is_one_warning_not_an_error(work: Path) -> None:
    blocked = work / "afile" / "cache"
    proc = run_capped(["train", "--dataset", "iris", "--epochs", "1", "--eval-bits", "2,3",
                       "--eval-gates", "--json"], work, env={"COSIM_CACHE_DIR": str(blocked)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"warning: cannot write the gate-set cache in {blocked}")


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
