"""Static model of an N-bit current-steering DAC built from mismatched unit cells.

The transfer is assembled from element currents so that the familiar
architecture signatures emerge from the physics rather than being imposed:
a binary-weighted DAC shows its worst DNL at the MSB major carry, a unary
(thermometer) DAC is monotonic by construction and has no such spike.

Every architecture draws the same ``2**bits - 1`` unit cells, each with
current ``u ~ N(1, mismatch_sigma**2)`` (relative to the nominal unit); the
architectures only differ in how the cells are wired into switched elements:

* ``binary``: element ``i`` (``i = 0..N-1``) is ``2**i`` cells; code ``k``
  turns on the elements of its set bits.
* ``unary``: ``2**N - 1`` single-cell elements; code ``k`` turns on the first ``k``.
* ``segmented``: the ``K = unary_msbs`` MSBs drive ``2**K - 1`` unary elements
  of ``2**(N-K)`` cells each, the ``N-K`` LSBs drive binary elements.

The realized level of code ``k`` is
``L_k = (sum of on-cell currents) * lsb * (1 + gain_error) + offset`` in output
units. It is normalised to the nominal unit (not to the endpoint), so an ideal
DAC reproduces :attr:`DAC.ideal_levels` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hardware_models.validation import as_generator, check_finite

__all__ = ["ARCHITECTURES", "DAC", "DACSpec", "as_generator"]

ARCHITECTURES = ("binary", "unary", "segmented")
ROUNDINGS = ("nearest", "floor", "stochastic")
#: Inclusive range of resolutions, bit (``qnn.vocabulary`` re-exports it).
MIN_BITS = 1
MAX_BITS = 16




@dataclass(frozen=True)
class DACSpec:
    """Specification of an N-bit DAC.

    Parameters
    ----------
    bits : int, default=8
        Resolution N, 1..16.
    full_scale : float, default=1.0
        Full-scale range in output units (> 0); the ideal LSB is ``full_scale / 2**bits``.
    architecture : {"binary", "unary", "segmented"}, default="binary"
        How unit cells are wired into switched elements.
    unary_msbs : int, default=0
        Number K of MSBs decoded to thermometer code. Must be ``1..bits`` for
        ``segmented`` and 0 for the other architectures.
    mismatch_sigma : float, default=0.0
        Relative standard deviation of each unit cell current (dimensionless, >= 0).
    gain_error : float, default=0.0
        Relative gain error (dimensionless, > -1).
    offset : float, default=0.0
        Static output offset in output units.
    noise_rms : float, default=0.0
        RMS of additive white output noise in output units (>= 0), applied by
        :meth:`DAC.to_value` when it is given a generator.
    """

    bits: int = 8
    full_scale: float = 1.0
    architecture: str = "binary"
    unary_msbs: int = 0
    mismatch_sigma: float = 0.0
    gain_error: float = 0.0
    offset: float = 0.0
    noise_rms: float = 0.0

    def __post_init__(self) -> None:
        b = self.bits
        is_int = isinstance(b, (int, np.integer)) and not isinstance(b, bool)
        if not is_int or not MIN_BITS <= b <= MAX_BITS:
            raise ValueError(f"bits: must be an integer {MIN_BITS}..{MAX_BITS}, got {b!r}")
        if check_finite("full_scale", self.full_scale) <= 0:
            raise ValueError(f"full_scale: must be > 0, got {self.full_scale!r}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture: must be one of {', '.join(ARCHITECTURES)}, "
                f"got {self.architecture!r}"
            )
        k = self.unary_msbs
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError(f"unary_msbs: must be an integer, got {k!r}")
        if self.architecture == "segmented" and not 1 <= k <= b:
            raise ValueError(f"unary_msbs: must be an integer 1..{b} for segmented, got {k}")
        if self.architecture != "segmented" and k != 0:
            raise ValueError(
                f"unary_msbs: must be 0 unless architecture is segmented, got {k}"
            )
        if check_finite("mismatch_sigma", self.mismatch_sigma) < 0:
            raise ValueError(f"mismatch_sigma: must be >= 0, got {self.mismatch_sigma!r}")
        if check_finite("gain_error", self.gain_error) <= -1:
            raise ValueError(f"gain_error: must be > -1, got {self.gain_error!r}")
        check_finite("offset", self.offset)
        if check_finite("noise_rms", self.noise_rms) < 0:
            raise ValueError(f"noise_rms: must be >= 0, got {self.noise_rms!r}")


def _binary_weights(unit_currents: np.ndarray, n_bits: int) -> np.ndarray:
    """Group cells ``[2**i - 1, 2**(i+1) - 1)`` into binary element ``i``."""
    csum = np.concatenate(([0.0], np.cumsum(unit_currents)))
    edges = 2 ** np.arange(n_bits + 1) - 1
    return csum[edges[1:]] - csum[edges[:-1]]


def _binary_levels(element_currents: np.ndarray, n_bits: int) -> np.ndarray:
    """Sum the elements selected by each code's set bits (built bit by bit, no matrix)."""
    levels = np.zeros(1)
    for i in range(n_bits):
        # Codes with bit i set are the previous block shifted by element i.
        levels = np.concatenate((levels, levels + element_currents[i]))
    return levels


def _unit_sums(unit_currents: np.ndarray, spec: DACSpec) -> np.ndarray:
    """Sum of on-cell currents (in nominal units) for every code 0..2**N-1."""
    n = spec.bits
    if spec.architecture == "unary":
        return np.concatenate(([0.0], np.cumsum(unit_currents)))
    if spec.architecture == "binary":
        return _binary_levels(_binary_weights(unit_currents, n), n)
    k = spec.unary_msbs
    n_lsb = n - k
    n_lsb_cells = 2**n_lsb - 1
    lsb_levels = _binary_levels(_binary_weights(unit_currents[:n_lsb_cells], n_lsb), n_lsb)
    msb_cells = unit_currents[n_lsb_cells:].reshape(2**k - 1, 2**n_lsb)
    msb_levels = np.concatenate(([0.0], np.cumsum(msb_cells.sum(axis=1))))
    # code = msb * 2**n_lsb + lsb, so an outer sum laid out row-major is the level table.
    return (msb_levels[:, None] + lsb_levels[None, :]).ravel()


class DAC:
    """A DAC instance: one draw of the unit-cell mismatch for a :class:`DACSpec`.

    Parameters
    ----------
    spec : DACSpec
        The specification.
    rng : int or numpy.random.Generator, default=0
        Seed or generator for the mismatch draw, made once at construction.
        ``None`` is accepted only when ``spec.mismatch_sigma == 0``.

    Attributes
    ----------
    spec : DACSpec
    bits : int
    n_codes : int
        ``2**bits``.
    lsb : float
        Ideal LSB ``full_scale / 2**bits`` in output units.
    ideal_levels : numpy.ndarray of shape (n_codes,)
        ``k * lsb``, so the top code is ``full_scale - lsb``.
    levels : numpy.ndarray of shape (n_codes,)
        Realized static levels in output units.
    unit_currents : numpy.ndarray of shape (n_codes - 1,)
        Drawn unit-cell currents relative to the nominal unit.
    """

    def __init__(self, spec: DACSpec, rng: int | np.random.Generator | None = 0) -> None:
        if not isinstance(spec, DACSpec):
            raise ValueError(f"spec: must be a DACSpec, got {type(spec).__name__}")
        self.spec = spec
        self.bits = int(spec.bits)
        self.n_codes = 2**self.bits
        self.lsb = spec.full_scale / self.n_codes
        n_cells = self.n_codes - 1
        if spec.mismatch_sigma > 0:
            gen = as_generator(rng)
            cells = 1.0 + spec.mismatch_sigma * gen.standard_normal(n_cells)
        else:
            if rng is not None:
                as_generator(rng)  # still reject malformed seeds
            cells = np.ones(n_cells)
        self._unit_currents = cells
        self._unit_currents.flags.writeable = False
        self._ideal = np.arange(self.n_codes) * self.lsb
        self._ideal.flags.writeable = False
        sums = _unit_sums(cells, spec)
        self._levels = sums * self.lsb * (1.0 + spec.gain_error) + spec.offset
        self._levels.flags.writeable = False

    def __repr__(self) -> str:
        return f"DAC({self.spec!r})"

    @property
    def ideal_levels(self) -> np.ndarray:
        return self._ideal

    @property
    def levels(self) -> np.ndarray:
        return self._levels

    @property
    def unit_currents(self) -> np.ndarray:
        return self._unit_currents

    def to_code(
        self,
        values: float | np.ndarray,
        rounding: str = "nearest",
        rng: int | np.random.Generator | None = None,
        wrap: bool = False,
    ) -> np.ndarray:
        """Quantize values (output units) to codes on the IDEAL grid ``k * lsb``.

        The digital side does not know the mismatch, so quantization ignores
        :attr:`levels`.

        Parameters
        ----------
        values : float or array_like
            Finite target values in output units.
        rounding : {"nearest", "floor", "stochastic"}, default="nearest"
            ``nearest`` rounds half up; ``stochastic`` rounds up with
            probability equal to the fractional part in LSB, which makes the
            expected code equal to the value (unbiased) inside the range.
        rng : int or numpy.random.Generator, optional
            Required for ``stochastic`` rounding.
        wrap : bool, default=False
            ``False`` clips codes to ``[0, 2**N - 1]``; ``True`` takes codes modulo
            ``2**N`` (for periodic quantities, e.g. phase with ``full_scale = 2*pi``).

        Returns
        -------
        numpy.ndarray of int64, same shape as ``values``
        """
        if rounding not in ROUNDINGS:
            raise ValueError(f"rounding: must be one of {', '.join(ROUNDINGS)}, got {rounding!r}")
        x = np.asarray(values, dtype=float) / self.lsb
        if not np.all(np.isfinite(x)):
            raise ValueError("values: must be finite numbers, got NaN or inf")
        if rounding == "nearest":
            q = np.floor(x + 0.5)
        elif rounding == "floor":
            q = np.floor(x)
        else:
            if rng is None:
                raise ValueError("rng: must be given (seed or Generator) for stochastic rounding")
            gen = as_generator(rng)
            base = np.floor(x)
            q = base + (gen.random(x.shape) < (x - base))
        if wrap:
            q = np.mod(q, self.n_codes)
        else:
            q = np.clip(q, 0, self.n_codes - 1)
        return q.astype(np.int64)

    def to_value(
        self, codes: int | np.ndarray, rng: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """Realized output for codes, plus ``N(0, noise_rms)`` when ``rng`` is given.

        Parameters
        ----------
        codes : int or array_like of int
            Codes in ``[0, 2**N - 1]``.
        rng : int or numpy.random.Generator, optional
            Generator for the additive output noise; without it the static level is returned.

        Returns
        -------
        numpy.ndarray of float, same shape as ``codes``, output units
        """
        c = np.asarray(codes)
        if c.dtype.kind not in "iu":
            if c.dtype.kind not in "f" or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
                raise ValueError(f"codes: must be integers 0..{self.n_codes - 1}")
            c = c.astype(np.int64)
        if c.size and (c.min() < 0 or c.max() > self.n_codes - 1):
            raise ValueError(
                f"codes: must be integers 0..{self.n_codes - 1}, got range {c.min()}..{c.max()}"
            )
        out = self._levels[c]
        if rng is not None and self.spec.noise_rms > 0:
            out = out + self.spec.noise_rms * as_generator(rng).standard_normal(out.shape)
        return np.asarray(out, dtype=float)
