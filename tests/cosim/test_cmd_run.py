"""``cosim run`` and ``cosim validate`` end to end: outputs, resume, and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cosim.cli import main
from cosim.studies import evaluate
from cosim.studies.store import DB_NAME

SMALL = {
    "name": "small",
    "dac": {"bits": [4, 6], "architecture": "segmented", "unary_msbs": 2, "seeds": [0, 1]},
    "study": {"stages": ["dac", "cost"]},
}

# (file text, words the one error line must contain); {path} is the file itself.
BAD_FILES = {
    "not_yaml": ("dac: {bits: [4, 6\n", ["{path}", "not a valid scenario YAML"]),
    "empty": ("", ["{path}", "is empty"]),
    "wrong_top_level": ("- dac\n- cost\n", ["{path}", "top level must be a mapping"]),
    "unknown_key": ("dac: {bitz: 4}\n", ["dac.bitz", "unknown key", "bits"]),
    "wrong_type": ("workload: {epochs: many}\n", ["workload.epochs", "integer", "'many'"]),
    "out_of_range": ("dac: {bits: [4, 6, 0]}\n", ["dac.bits[2]", "1..16", "got 0"]),
    "list_item_type": ("qubit: {t1_s: [1.0e-4, fast]}\n", ["qubit.t1_s[1]", "number"]),
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return int(code or 0), out, err


def assert_one_error_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def write(tmp_path: Path, data: object, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenarios_give_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           command: str, case: str) -> None:
    text, needles = BAD_FILES[case]
    path = write(tmp_path, text)
    code, out, err = cli(capsys, command, str(path), *(["--out", str(tmp_path / "o")]
                                                       if command == "run" else []))
    assert_one_error_line(code, err, *(n.format(path=path) for n in needles))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["run", "validate"])
def test_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               command: str) -> None:
    missing = tmp_path / "nope.yaml"
    assert_one_error_line(*cli(capsys, command, str(missing))[::2], str(missing), "no such")


def test_python_tag_never_runs_through_the_cli(tmp_path: Path) -> None:
    marker = tmp_path / "created-by-yaml"
    path = write(tmp_path, f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    for command in ("validate", "run"):
        proc = subprocess.run([sys.executable, "-m", "cosim", command, str(path)],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert_one_error_line(proc.returncode, proc.stderr, str(path), "python/object")
        assert not marker.exists()


def test_a_stage_this_build_lacks_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(evaluate.STAGES, "cost")
    path = write(tmp_path, SMALL)
    for command in ("validate", "run"):
        code, _, err = cli(capsys, command, str(path), *(["--out", str(tmp_path / "o")]
                                                         if command == "run" else []))
        assert_one_error_line(code, err, "study.stages", "'cost'", "available: dac")
    assert not (tmp_path / "o").exists()


def test_run_writes_results_and_resumes(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cosim", "run", str(path), "--out", str(out), "--workers", "1"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    assert "small: 4 points, 4 computed now, 4 ok, 0 failed" in first.stdout
    assert {p.name for p in out.iterdir()} >= {DB_NAME, "results.csv", "report.md"}
    assert "No Pareto plot" in (out / "report.md").read_text()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 computed now" in again.stdout


def test_failed_points_exit_1_and_fresh_waits_for_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_dac(config: dict, shared: dict) -> dict:
        if config["dac"]["bits"] == 6:
            raise ArithmeticError("6 bits is unlucky")
        return {"dac_monotonic": 1}

    monkeypatch.setitem(evaluate.STAGES, "dac", broken_dac)
    path, out = write(tmp_path, SMALL), tmp_path / "out"
    code, stdout, err = cli(capsys, "run", str(path), "--out", str(out), "--workers", "1")
    assert code == 1 and "2 ok, 2 failed" in stdout
    assert "2 of 4 points failed" in err and "Traceback" not in err
    assert "ArithmeticError: 6 bits is unlucky" in (out / "report.md").read_text()
    # --fresh with a bad argument must not delete what is there.
    code, _, err = cli(capsys, "run", str(path), "--out", str(out), "--fresh", "--workers", "0")
    assert_one_error_line(code, err, "--workers", "got 0")
    assert (out / DB_NAME).exists()
    code, _, err = cli(capsys, "run", str(write(tmp_path, "dac: {bits: 99}\n", "bad.yaml")),
                       "--out", str(out), "--fresh")
    assert_one_error_line(code, err, "dac.bits")
    code, stdout, _ = cli(capsys, "run", str(path), "--out", str(out), "--retry-failed",
                          "--workers", "1")
    assert code == 1 and "2 computed now" in stdout


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, SMALL)
    (tmp_path / "file").write_text("x")
    code, _, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "file"))
    assert_one_error_line(code, err, "--out", "is a file")


def test_validate_prints_the_point_count(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, SMALL)
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 0
    assert "valid scenario 'small' with 4 points" in out
    assert "axis dac.bits: 4, 6" in out
    code, out, _ = cli(capsys, "validate", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and out.count("\n") == 1
    assert report["points"] == 4 and report["axes"] == {"dac.bits": [4, 6], "dac.seeds": [0, 1]}
    assert report["resolved"]["dac"]["unary_msbs"] == 2


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parents[2].glob("studies/*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_scenarios_validate_in_this_build(path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 0, err
    assert f"valid scenario '{path.stem}'" in out
