"""numba's ``njit`` when it is importable, else the identity.

The compiled kernels are plain scalar loops over arrays: with numba they are
compiled once per machine (``cache=True``) and run without the GIL; without
it the very same functions run as Python, correct but slow, so callers that
have a vectorized torch path prefer that one (see :data:`HAVE_NUMBA`).
"""

from __future__ import annotations

__all__ = ["HAVE_NUMBA", "jit", "jit_fastmath"]

try:  # pragma: no cover - which branch runs depends on the environment
    from numba import njit as _njit

    HAVE_NUMBA = True
    jit = _njit(cache=True, nogil=True)
    #: For elementwise loops whose order of rounding does not matter (an
    #: optimizer's update): lets LLVM vectorize the sqrt and the division.
    jit_fastmath = _njit(cache=True, nogil=True, fastmath=True)
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

    def jit(f):
        return f

    jit_fastmath = jit

