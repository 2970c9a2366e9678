"""Dynamic figures of merit from a coherently sampled full-scale sine: SQNR and ENOB.

The test follows the sine-fit method of IEEE Std 1241 with a known frequency:
a sine of ``cycles`` periods over ``n_samples`` points (``cycles`` odd and
``n_samples`` a power of two, so they are coprime and every sample hits a
different phase) is quantized on the ideal grid, passed through the realized
levels, and the three-parameter least-squares fit ``a cos + b sin + c`` gives
the fundamental. Everything else (quantization error, harmonics from INL,
output noise) counts as noise, so the result is a SINAD; for a DAC without
noise it is the signal-to-quantization-noise ratio.

The full-scale sine has amplitude ``2**(N-1) * lsb`` about the mid-code
``(2**N - 1) / 2 * lsb``: this is the largest sine a mid-rise quantizer with
``2**N`` levels represents without overload, and it is the signal assumed by
``SQNR = 6.02 N + 1.76 dB``. The formula also assumes the error is uniform on
``[-lsb/2, lsb/2]`` and uncorrelated with the signal, which fails at very low
resolution (N <= 3) where the error is strongly correlated harmonics of the
input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware_models.dac import DAC, as_generator


def ideal_sqnr_db(bits: int) -> float:
    """Textbook SQNR of an ideal N-bit quantizer for a full-scale sine, in dB.

    ``10 log10(1.5 * 4**N) = 6.02 N + 1.76 dB``.
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or bits < 1:
        raise ValueError(f"bits: must be an integer >= 1, got {bits!r}")
    return 10.0 * math.log10(1.5) + 20.0 * bits * math.log10(2.0)


def enob_from_sinad(sinad_db: float) -> float:
    """Effective number of bits ``(SINAD - 1.76 dB) / 6.02 dB``."""
    return (sinad_db - 10.0 * math.log10(1.5)) / (20.0 * math.log10(2.0))


@dataclass(frozen=True)
class SineTestResult:
    """Result of :func:`sine_test`.

    Attributes
    ----------
    sinad_db : float
        Fundamental power over everything else, in dB (the SQNR for a noiseless DAC).
    enob : float
        ``(sinad_db - 1.76) / 6.02``, bits.
    amplitude : float
        Fitted fundamental amplitude, output units.
    noise_rms : float
        RMS of the fit residual, output units.
    n_samples : int
    cycles : int
    """

    sinad_db: float
    enob: float
    amplitude: float
    noise_rms: float
    n_samples: int
    cycles: int


def default_record(bits: int) -> tuple[int, int]:
    """Default ``(n_samples, cycles)``: ``2**clip(N+3, 12, 18)`` points, odd cycles near 1/16."""
    n = 2 ** int(np.clip(bits + 3, 12, 18))
    return n, n // 16 - 1


def sine_test(
    dac: DAC,
    *,
    n_samples: int | None = None,
    cycles: int | None = None,
    rng: int | np.random.Generator | None = None,
) -> SineTestResult:
    """Pass a coherently sampled full-scale sine through ``dac`` and measure SINAD.

    Parameters
    ----------
    dac : DAC
        The converter (its realized levels are used).
    n_samples : int, optional
        Record length, a power of two >= 64. Default from :func:`default_record`.
    cycles : int, optional
        Number of signal periods, odd and ``< n_samples / 2``. Default from
        :func:`default_record`.
    rng : int or numpy.random.Generator, optional
        When given, the DAC's ``noise_rms`` is added to the output.

    Returns
    -------
    SineTestResult
    """
    if not isinstance(dac, DAC):
        raise ValueError(f"dac: must be a DAC, got {type(dac).__name__}")
    n_def, j_def = default_record(dac.bits)
    n = n_def if n_samples is None else n_samples
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 64 or n & (n - 1):
        raise ValueError(f"n_samples: must be a power of two >= 64, got {n!r}")
    j = (n // 16 - 1 if n_samples is not None else j_def) if cycles is None else cycles
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or j < 1 or j % 2 == 0:
        raise ValueError(f"cycles: must be an odd integer >= 1, got {j!r}")
    if j >= n // 2:
        raise ValueError(f"cycles: must be < n_samples / 2 = {n // 2}, got {j}")
    if rng is not None:
        rng = as_generator(rng)

    lsb = dac.lsb
    phase = 2.0 * np.pi * j * np.arange(n) / n
    # A small fixed phase offset keeps samples off the exact peaks, where the
    # half-LSB overload would otherwise clip one sample per period.
    target = (dac.n_codes - 1) / 2 * lsb + dac.n_codes / 2 * lsb * np.sin(phase + 0.1)
    out = dac.to_value(dac.to_code(target), rng=rng)

    design = np.column_stack((np.cos(phase), np.sin(phase), np.ones(n)))
    coef, *_ = np.linalg.lstsq(design, out, rcond=None)
    residual = out - design @ coef
    amplitude = float(math.hypot(coef[0], coef[1]))
    noise_rms = float(np.sqrt(np.mean(residual**2)))
    if noise_rms == 0.0:
        sinad = math.inf
    else:
        sinad = 10.0 * math.log10((amplitude**2 / 2.0) / noise_rms**2)
    return SineTestResult(
        sinad_db=sinad,
        enob=enob_from_sinad(sinad),
        amplitude=amplitude,
        noise_rms=noise_rms,
        n_samples=int(n),
        cycles=int(j),
    )


def sqnr_db(dac: DAC, **kwargs: object) -> float:
    """SINAD of :func:`sine_test` in dB (the SQNR for a noiseless DAC)."""
    return sine_test(dac, **kwargs).sinad_db  # type: ignore[arg-type]


def enob(dac: DAC, **kwargs: object) -> float:
    """ENOB of :func:`sine_test`, bits."""
    return sine_test(dac, **kwargs).enob  # type: ignore[arg-type]
