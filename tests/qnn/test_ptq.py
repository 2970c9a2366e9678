"""Post-training quantization (qnn.ptq) and the encoding DAC hook.

Each deployment path is checked against an independent computation of the
same thing: the ideal grid against ideal gate sets (built two ways), the
mismatched DAC against evaluating the circuit directly at the DAC's realized
angles, and the encoding hook against training on pre-quantized data.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from qnn.architectures import PRESETS
from qnn.circuits import expectation_z
from qnn.datasets import load_dataset
from qnn.device import DACConfig
from qnn.executor import Executor
from qnn.gateset import IdealGateSet, TableGateSet, lsb_rad, rotation
from qnn.model import Readout
from qnn.ptq import (
    EncodingDAC,
    PTQResult,
    deployed_expectation_z,
    encoding_hook,
    post_training_quantization,
)
from qnn.quantizers import AngleGrid, quantize_parameters
from qnn.training import train
from qnn.vocabulary import nearest_codes


def evaluate(arch: str, x: np.ndarray, y: np.ndarray, theta: np.ndarray,
             readout: Readout) -> tuple[float, float]:
    return Executor(arch).evaluate(x, y, theta, readout)


def encode_angles(x: np.ndarray, bits: int) -> np.ndarray:
    """Data angles through an ideal encoding DAC, computed without the hook."""
    return nearest_codes(x, bits) * lsb_rad(bits)

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module", params=SEEDS)
def model(request: pytest.FixtureRequest) -> tuple:
    """A float-trained compact model on Iris: (test x, test y, theta, readout)."""
    data = load_dataset("iris", seed=request.param)
    result = train("compact", data.X_train, data.y_train, epochs=30, seed=request.param)
    return data.X_test, data.y_test, result.theta, Readout(data.n_classes)


def _predictions(z: np.ndarray, readout: Readout) -> np.ndarray:
    return np.argmax(readout.proba(z), axis=1)


def ideal_tables(bits: int) -> TableGateSet:
    angles = np.arange(1 << bits) * lsb_rad(bits)
    return TableGateSet(bits, {axis: rotation(axis, angles) for axis in "xyz"})


def test_sixteen_bits_reproduces_the_float_model(model: tuple) -> None:
    x, y, theta, readout = model
    result = post_training_quantization("compact", x, y, theta, [16], readout=readout)
    assert result.path == "grid"
    assert result.accuracy == (result.float_accuracy,)
    # |error| <= LSB/2 = 4.8e-5 rad per angle moves the loss by far less than 1e-3 nats.
    assert result.loss[0] == pytest.approx(result.float_loss, abs=1e-3)
    z16 = deployed_expectation_z("compact", x, theta, 16)
    np.testing.assert_array_equal(_predictions(z16, readout),
                                  _predictions(expectation_z("compact", x, theta), readout))


def test_float_figures_are_those_of_evaluate(model: tuple) -> None:
    x, y, theta, readout = model
    result = post_training_quantization("compact", x, y, theta, [4], readout=readout)
    assert (result.float_loss, result.float_accuracy) == evaluate("compact", x, y, theta,
                                                                 readout)


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 6, 8])
def test_ideal_gate_set_equals_the_ideal_grid(model: tuple, bits: int) -> None:
    x, y, theta, readout = model
    grid = deployed_expectation_z("compact", x, theta, bits)
    gates = deployed_expectation_z("compact", x, theta, bits, gates=IdealGateSet(bits))
    np.testing.assert_allclose(gates, grid, atol=1e-12)
    np.testing.assert_array_equal(_predictions(gates, readout), _predictions(grid, readout))
    a = post_training_quantization("compact", x, y, theta, [bits], readout=readout)
    b = post_training_quantization("compact", x, y, theta, [bits], readout=readout,
                                   gates=IdealGateSet)
    assert b.path == "gates" and a.accuracy == b.accuracy
    assert a.loss[0] == pytest.approx(b.loss[0], abs=1e-12)


@pytest.mark.parametrize("bits", [2, 5, 7])
def test_table_gate_set_with_ideal_rotations_matches(model: tuple, bits: int) -> None:
    x, y, theta, readout = model
    grid = post_training_quantization("compact", x, y, theta, [bits], readout=readout)
    table = post_training_quantization("compact", x, y, theta, [bits], readout=readout,
                                       gates=ideal_tables(bits))
    assert table.accuracy == grid.accuracy
    assert table.loss[0] == pytest.approx(grid.loss[0], abs=1e-12)


def test_angles_on_a_finer_grid_pick_the_same_codes_on_every_path() -> None:
    # Every angle of a 6-bit grid lies on a rounding tie of the 3-bit grid; the
    # paths must still agree, because they share one code choice.
    rng = np.random.default_rng(5)
    theta = AngleGrid(6).realized_angles[rng.integers(0, 64, 16)]
    x = rng.uniform(0, np.pi, (40, 4))
    grid = deployed_expectation_z("compact", x, theta, 3)
    gates = deployed_expectation_z("compact", x, theta, 3, gates=IdealGateSet(3))
    np.testing.assert_allclose(gates, grid, atol=1e-12)
    nominal = nearest_codes(theta, 3) * lsb_rad(3)
    np.testing.assert_allclose(grid, expectation_z("compact", x, nominal), atol=1e-12)


@pytest.mark.parametrize("bits", [3, 4, 6])
def test_inl_acts_only_through_the_realized_angles(model: tuple, bits: int) -> None:
    x, y, theta, readout = model
    sigma, seed = 0.05, 7
    dac = DACConfig(bits=bits, mismatch_sigma=sigma, chip_seed=seed)
    result = post_training_quantization("compact", x, y, theta, [bits], readout=readout,
                                        dac=dac)
    assert result.path == "dac"
    virtual = np.array(PRESETS["compact"].virtual_params())
    realized = AngleGrid(dac).to_angle(nearest_codes(theta, bits))
    nominal = nearest_codes(theta, bits) * lsb_rad(bits)
    assert np.max(np.abs(realized - nominal)) > 1e-4  # the chip really has INL
    # RZ is a virtual phase update: the chip's mismatch never reaches it.
    realized = np.where(virtual, nominal, realized)
    loss, accuracy = evaluate("compact", x, y, realized, readout)
    assert result.accuracy == (accuracy,)
    assert result.loss[0] == pytest.approx(loss, abs=1e-12)
    # For float-trained angles (no rounding ties) this is quantize_parameters.
    np.testing.assert_allclose(
        realized, quantize_parameters(theta, dac, virtual=virtual), atol=1e-15
    )


def test_several_widths_and_the_result_record(model: tuple) -> None:
    x, y, theta, readout = model
    result = post_training_quantization("compact", x, y, theta, (2, 4, 8), readout=readout)
    assert result.bits == (2, 4, 8)
    for b, acc, loss in zip(result.bits, result.accuracy, result.loss, strict=True):
        assert (loss, acc) == pytest.approx(
            evaluate("compact", x, y, quantize_parameters(theta, b), readout), abs=1e-12
        )
    assert list(result.accuracy_by_bits()) == ["2", "4", "8"]
    assert result.loss_by_bits()["8"] == result.loss[2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.bits = (3,)  # type: ignore[misc]
    assert isinstance(result, PTQResult)


def test_gate_set_arguments_are_checked(model: tuple) -> None:
    x, y, theta, readout = model
    with pytest.raises(ValueError, match="^gates: must give a GateSet of 3 bits, got 4"):
        post_training_quantization("compact", x, y, theta, [3], gates=IdealGateSet(4))
    with pytest.raises(ValueError, match="^dac: must be ideal with a gate set"):
        post_training_quantization("compact", x, y, theta, [4], gates=IdealGateSet(4),
                                   dac=DACConfig(mismatch_sigma=0.01))
    with pytest.raises(ValueError, match="^bits: must list at least one width"):
        post_training_quantization("compact", x, y, theta, [])
    with pytest.raises(ValueError, match="^bits: must be an integer 1..16"):
        post_training_quantization("compact", x, y, theta, [17])


def test_a_factory_is_called_once_per_width(model: tuple) -> None:
    x, y, theta, readout = model
    calls: list[int] = []

    def factory(bits: int) -> IdealGateSet:
        calls.append(bits)
        return IdealGateSet(bits)

    post_training_quantization("compact", x, y, theta, [2, 5], readout=readout, gates=factory)
    assert calls == [2, 5]


# -- the encoding DAC --------------------------------------------------------------------------


def test_encoding_dac_is_the_chip_grid_then_ideal_ry() -> None:
    x = np.random.default_rng(0).uniform(0, np.pi, (30, 4))
    dac = DACConfig(bits=4, mismatch_sigma=0.03, chip_seed=2, stream=1)
    hook = EncodingDAC(dac)
    levels = AngleGrid(dac).realized_angles
    expected = levels[nearest_codes(x, 4)]
    np.testing.assert_array_equal(hook.angles(x), expected)
    np.testing.assert_allclose(hook(x), rotation("y", expected), atol=0)
    again = pickle.loads(pickle.dumps(hook))
    assert again == hook
    np.testing.assert_array_equal(again.angles(x), expected)


def test_encoding_hook_inf_is_ideal() -> None:
    assert encoding_hook(DACConfig()) is None
    assert encoding_hook(DACConfig(bits=5)) == EncodingDAC(DACConfig(bits=5))
    with pytest.raises(ValueError, match="^encode_bits: must be an integer 1..16"):
        EncodingDAC(DACConfig())


def test_training_through_the_encoding_dac_equals_training_on_quantized_data() -> None:
    data = load_dataset("iris", seed=0)
    hook = EncodingDAC(DACConfig(bits=3))
    xq = encode_angles(data.X_train, 3)
    assert not np.allclose(xq, data.X_train)  # 3 bits really moves the data
    a = train(Executor("compact", encode=hook), data.X_train, data.y_train, epochs=5, seed=0,
              x_val=data.X_val, y_val=data.y_val)
    b = train("compact", xq, data.y_train, epochs=5, seed=0,
              x_val=encode_angles(data.X_val, 3), y_val=data.y_val)
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-12)
    np.testing.assert_allclose(a.val_loss_history, b.val_loss_history, atol=1e-12)
    readout = Readout(3)
    assert Executor("compact", hook).evaluate(data.X_test, data.y_test, a.theta, readout) == (
        pytest.approx(evaluate("compact", encode_angles(data.X_test, 3), data.y_test, a.theta,
                               readout), abs=1e-12)
    )


def test_ptq_uses_the_encoding_hook_for_every_figure(model: tuple) -> None:
    x, y, theta, readout = model
    hook = EncodingDAC(DACConfig(bits=4))
    with_hook = post_training_quantization(Executor("compact", hook), x, y, theta, [5],
                                           readout=readout)
    on_data = post_training_quantization("compact", encode_angles(x, 4), y, theta, [5],
                                         readout=readout)
    assert with_hook.accuracy == on_data.accuracy
    assert with_hook.float_accuracy == on_data.float_accuracy
    assert with_hook.loss[0] == pytest.approx(on_data.loss[0], abs=1e-12)
