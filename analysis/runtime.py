"""Process-level settings the suite applies to the processes it owns (CLI, feature workers, notebook kernels).

Why the memory allocator is tuned
---------------------------------
Processing one trial allocates and frees a few arrays of a few MB each (the recording, its filtered copies,
the envelope). With glibc's default policy, arrays of that size are either ``mmap``-ed or carved from the
heap top and handed back to the kernel as soon as they are freed, so the next trial's arrays are fresh
pages again and every page is a minor page fault. Measured here on the study benchmark's trial (10 s x 8
channels at 2 kHz; ``resource.getrusage`` minor faults, CPU time): 2,458 page faults per trial by default,
0 with the settings below, and about 20 % less CPU per trial (on a virtual machine, where a page fault
is expensive). The cost is that a process keeps up to ``TRIM_THRESHOLD_BYTES`` of freed memory for reuse
instead of returning it at once; arrays above ``MMAP_THRESHOLD_BYTES`` (a long recording) still get their
own mapping and go back to the kernel when freed.

:func:`tune_allocator` is called by ``anklelab`` itself, by every local feature worker and by
:func:`analysis.notebook.setup`; a script of your own can call it. Set ``ANKLELAB_MALLOC_TUNING=0`` to turn
it off (the default glibc behaviour then applies everywhere). On a system without glibc's ``mallopt``
(macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["tune_allocator", "allocator_tuning", "MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES"]

# mallopt(3) parameter numbers (glibc malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: arrays below this come from the heap and are reused (glibc default: 128 KiB, raised dynamically to at
#: most 32 MiB; fixing it at that maximum keeps the per-trial arrays on the heap) [glibc mallopt(3)]
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
#: freed heap memory kept for reuse before it is returned to the kernel (glibc default: 128 KiB, dynamic)
#: [glibc mallopt(3); 4x the mmap threshold, our choice]
TRIM_THRESHOLD_BYTES = 128 * 1024 * 1024

_state: dict[int, str] = {}  # pid -> what tune_allocator did in that process


def allocator_tuning() -> str:
    """What :func:`tune_allocator` did in this process, in words (for benchmark and report footers)."""
    return _state.get(os.getpid(), "not applied (glibc default)")


def tune_allocator() -> bool:
    """Keep freed memory for reuse (see the module docstring). Idempotent; returns True when applied."""
    pid = os.getpid()
    if pid in _state:
        return _state[pid].startswith("applied")
    if os.environ.get("ANKLELAB_MALLOC_TUNING", "1").strip().lower() in ("0", "false", "no", "off"):
        _state[pid] = "off (ANKLELAB_MALLOC_TUNING=0)"
        return False
    if not sys.platform.startswith("linux"):
        _state[pid] = f"not available on {sys.platform}"
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        _state[pid] = "not available (no mallopt in this C library)"
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    _state[pid] = (
        f"applied (glibc mmap threshold {MMAP_THRESHOLD_BYTES >> 20} MiB, trim threshold "
        f"{TRIM_THRESHOLD_BYTES >> 20} MiB)"
        if ok
        else "mallopt refused the settings"
    )
    return ok
