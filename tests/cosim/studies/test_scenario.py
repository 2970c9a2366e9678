"""Scenario loading: defaults, sweeps, ids, round trip, and every class of bad input."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim.errors import CosimInputError
from cosim.studies.points import design_id, point_id
from cosim.studies.scenario import dump_scenario, load_scenario, parse_scenario
from cosim.studies.schema import SCHEMA, SECTIONS

ROOT = Path(__file__).resolve().parents[3]
QUICKSTART = ROOT / "studies" / "quickstart.yaml"


def error_of(data: object) -> str:
    with pytest.raises(CosimInputError) as info:
        parse_scenario(data)  # type: ignore[arg-type]
    return str(info.value)


def test_empty_mapping_takes_every_default() -> None:
    s = parse_scenario({})
    assert s.n_points == 1
    (config,) = list(s.points())
    for key in SCHEMA:
        if key.section in ("stack", "dac", "qubit", "workload") and key.default is not None:
            if key.path != "dac.unary_msbs":  # derived: 0 for a binary DAC
                assert config[key.section][key.name] == key.default, key.path
    assert config["dac"]["unary_msbs"] == 0
    assert config["stack"]["channels"] == 4 and config["stack"]["multiplexing"] == 1


@pytest.mark.parametrize("path", sorted(ROOT.glob("studies/*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_round_trip(path: Path) -> None:
    s = load_scenario(path)
    again = parse_scenario(yaml.safe_load(dump_scenario(s)))
    assert again == s
    assert [point_id(c) for c in again.points()] == [point_id(c) for c in s.points()]


def test_quickstart_round_trips_through_a_file(tmp_path: Path) -> None:
    s = load_scenario(QUICKSTART)
    out = tmp_path / "resolved.yaml"
    out.write_text(dump_scenario(s))
    assert load_scenario(out) == s


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"range": [1, 4]}, (1, 2, 3, 4)),
        ({"range": [2, 9, 3]}, (2, 5, 8)),
        ([8, 4], (8, 4)),
        (6, (6,)),
        ({"linspace": [4, 16, 4]}, (4, 8, 12, 16)),
    ],
)
def test_integer_sweep_forms(spec: object, expected: tuple[int, ...]) -> None:
    assert parse_scenario({"dac": {"bits": spec}}).values["dac.bits"] == expected


def test_float_sweeps_land_on_their_grid() -> None:
    s = parse_scenario({"dac": {"mismatch_sigma": {"range": [0.1, 0.5, 0.1]}},
                        "qubit": {"t1_s": {"geomspace": [1e-5, 1e-3, 3]}, "t2_s": 2e-5}})
    assert s.values["dac.mismatch_sigma"] == (0.1, 0.2, 0.3, 0.4, 0.5)
    assert s.values["qubit.t1_s"] == (1e-5, 1e-4, 1e-3)
    assert s.n_points == 15


def test_numeric_text_is_a_number_for_float_keys() -> None:
    # YAML 1.1 reads 100e-6 as a string.
    s = parse_scenario(yaml.safe_load("qubit: {t1_s: 100e-6, t2_s: 50e-6}"))
    assert s.values["qubit.t1_s"] == (1e-4,)


def test_point_ids_ignore_how_a_value_was_written() -> None:
    a = parse_scenario({"name": "a", "stack": {"qubits": 8, "channels": None, "multiplexing": 2},
                        "study": {"stages": ["cost", "dac"], "accuracy_target": 0.5}})
    b = parse_scenario({"name": "b", "stack": {"qubits": 8, "channels": 4, "multiplexing": 2},
                        "study": {"stages": ["dac", "cost"]}})
    assert [point_id(c) for c in a.points()] == [point_id(c) for c in b.points()]


def test_point_ids_are_distinct_and_designs_group_seeds() -> None:
    s = parse_scenario({"dac": {"bits": [4, 8], "seeds": [0, 1]}, "workload": {"seeds": [3, 4]}})
    configs = list(s.points())
    assert len({point_id(c) for c in configs}) == 8
    assert len({design_id(c) for c in configs}) == 2


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"dac": {"bits": 0}}, ["dac.bits:", "must be an integer 1..16, got 0"]),
        ({"workload": {"epochs": 0}}, ["workload.epochs:", "got 0"]),
        ({"dac": {"bits": [4, 6, 17]}}, ["dac.bits[2]:", "got 17"]),
        ({"dac": {"bits": 8.0}}, ["dac.bits:", "integer"]),
        ({"dac": {"bits": True}}, ["dac.bits:", "True"]),
        ({"dac": {"bitz": 8}}, ["dac.bitz:", "unknown key", "did you mean bits"]),
        ({"dacs": {}}, ["dacs:", "unknown key"]),
        ({"dac": [1, 2]}, ["dac:", "must be a mapping"]),
        ({"qubit": {"t1_s": "fast"}}, ["qubit.t1_s:", "a number"]),
        ({"qubit": {"t1_s": float("nan")}}, ["qubit.t1_s:"]),
        ({"qubit": {"anharmonicity_hz": 0}}, ["qubit.anharmonicity_hz:", "not 0"]),
        ({"qubit": {"t1_s": 1e-4, "t2_s": 3e-4}}, ["qubit.t2_s:", "2 * qubit.t1_s"]),
        ({"workload": {"dataset": "cifar"}}, ["workload.dataset:", "iris"]),
        ({"workload": {"eval_bits": [4, 0]}}, ["workload.eval_bits[1]:"]),
        ({"workload": {"eval_bits": []}}, ["workload.eval_bits:", "at least one"]),
        ({"study": {"stages": ["dac", "magic"]}}, ["study.stages[1]:", "gateset"]),
        ({"study": {"max_points": [1, 2]}}, ["study.max_points:", "cannot be swept"]),
        ({"dac": {"bits": {"range": [1, 16]}}, "study": {"max_points": 10}},
         ["dac.bits.range:", "16 values", "study.max_points = 10"]),
        ({"dac": {"bits": [1, 2, 3, 4]}, "workload": {"seeds": [0, 1, 2]},
          "study": {"max_points": 10}}, ["study.max_points:", "12 points"]),
        ({"dac": {"bits": {"range": [8, 4]}}}, ["dac.bits.range:", "stop >= start"]),
        ({"dac": {"bits": {"range": [1, 4, 0]}}}, ["dac.bits.range:", "step > 0"]),
        ({"dac": {"bits": {"linspace": [1, 4, 3]}}}, ["dac.bits.linspace:", "integer"]),
        ({"dac": {"bits": {"steps": [1, 4]}}}, ["dac.bits:", "range, linspace, geomspace"]),
        ({"dac": {"bits": []}}, ["dac.bits:", "empty list"]),
        ({"dac": {"bits": [4, 4]}}, ["dac.bits[1]:", "repeats"]),
        ({"dac": {"mismatch_sigma": {"range": [0, 1e300, 1e-300]}}},
         ["dac.mismatch_sigma.range:", "more than study.max_points"]),
        ({"stack": {"qubits": 8, "channels": 2, "multiplexing": 2}}, ["stack.channels:"]),
        ({"stack": {"fridge": "dr_pt405", "controller_stage": "nowhere"}},
         ["stack.controller_stage:"]),
        ({"workload": {"schedule": "exp", "temperature": 0}}, ["workload.temperature:", "exp"]),
    ],
)
def test_bad_values_name_their_key_path(data: dict, needles: list[str]) -> None:
    message = error_of(data)
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("dac: [unclosed", "not a valid scenario YAML"),
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
        ("- 1\n- 2\n", "top level must be a mapping"),
        ("just text", "top level must be a mapping"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(CosimInputError) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_missing_file_and_directory_and_binary(tmp_path: Path) -> None:
    for path, needle in ((tmp_path / "nope.yaml", "no such"), (tmp_path, "directory")):
        with pytest.raises(CosimInputError, match=needle):
            load_scenario(path)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(CosimInputError, match="UTF-8"):
        load_scenario(binary)


def test_python_tag_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CosimInputError, match="not a valid scenario YAML"):
        load_scenario(path)
    assert not marker.exists()


# --- fuzzing: mutations of the quickstart scenario -----------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["iris", "binary", "stochastic", "dac", "4K", "1e-6", "nan"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["range", "linspace", "geomspace", "x"]), inner,
                        max_size=2),
    ),
    max_leaves=8,
)
_KEYS = [(k.section, k.name) for k in SCHEMA]


@st.composite
def _mutated(draw: st.DrawFn) -> object:
    data = copy.deepcopy(yaml.safe_load(QUICKSTART.read_text()))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "delete", "unknown", "section"]))
        section, name = draw(st.sampled_from(_KEYS))
        target = data if section is None else data.setdefault(section, {})
        if not isinstance(target, dict):
            continue
        if kind == "set":
            target[name] = draw(_values)
        elif kind == "delete":
            target.pop(name, None)
        elif kind == "unknown":
            target[draw(st.text(min_size=1, max_size=6))] = draw(_values)
        else:
            data[draw(st.sampled_from(SECTIONS))] = draw(_values)
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_fuzzed_scenarios_validate_or_raise_input_errors(data: object) -> None:
    try:
        scenario = parse_scenario(data)  # type: ignore[arg-type]
    except CosimInputError as exc:
        assert exc.where and exc.message
        assert "\n" not in str(exc)
    else:
        assert scenario.n_points <= scenario.options["study.max_points"]
