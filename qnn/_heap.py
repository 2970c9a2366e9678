"""Keep freed memory in the process during training, so that it is not faulted in again.

A batched training step or a per-epoch evaluation of many models allocates and
frees arrays of 0.1-5 MB many thousands of times. With glibc's defaults an array
above the mmap threshold (128 KiB, raised only to the largest array freed so far)
gets its own mapping, and free memory at the top of the heap beyond the trim
threshold (twice that) goes back to the kernel; every reuse then page-faults the
memory in again. How often depends on the order of earlier allocations: one
process spent 1.4 million minor faults building the layer matrices of 16 and 48
models (``qnn._statevector.layer_matrices``, 247 us instead of 61 us for 16
models), and batched training times varied by tens of percent from run to run.
Raising both thresholds keeps that memory in the process. It changes when memory
returns to the kernel, never a computed value.
"""

from __future__ import annotations

import ctypes
import platform

#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Arrays up to this size come from the heap instead of their own mapping.
MMAP_THRESHOLD_BYTES = 16 << 20
#: Free memory at the top of the heap kept for reuse before any goes back.
TRIM_THRESHOLD_BYTES = 128 << 20

_done = False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds, once per process.

    Returns
    -------
    bool
        Whether the thresholds are set (False where the C library is not glibc).
    """
    global _done
    if _done:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    return _done
