"""Deterministic smooth minimization by L-BFGS (SciPy's L-BFGS-B), on torch objectives.

Used where no randomness is left to remove (the sigma = 0 face of a
derandomization, the deterministic baselines). SciPy's implementation is
used rather than torch.optim.LBFGS: same algorithm, no torch compiler
imports on first use (seconds of start-up), and a well-tested line search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.optimize as so
import torch

__all__ = ["LBFGSResult", "minimize_lbfgs"]


@dataclass(frozen=True)
class LBFGSResult:
    x: torch.Tensor
    value: float
    iterations: int
    status: str
    message: str


def minimize_lbfgs(
    fun_and_grad: Callable[[torch.Tensor], tuple[float, torch.Tensor]],
    x0: torch.Tensor,
    *,
    max_iters: int = 100,
    history: int = 20,
    deadline: float | None = None,
) -> LBFGSResult:
    """Minimize ``f`` from ``x0``; ``fun_and_grad(x) -> (f(x), grad f(x))`` on flat tensors.

    Stops at ``max_iters`` iterations, SciPy's convergence tests (relative
    decrease below machine precision, projected gradient 0), or the
    :func:`time.monotonic` ``deadline``. A non-finite value is reported to
    the line search as +inf, so it backs off instead of failing.
    """
    like = x0.detach()

    def wrapped(z: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = fun_and_grad(torch.as_tensor(z, dtype=like.dtype, device=like.device))
        g = g.detach().cpu().numpy().astype(np.float64)
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(g)
        return float(f), g

    def stop_at_deadline(intermediate_result=None):  # noqa: ARG001 - SciPy's callback signature
        if deadline is not None and time.monotonic() > deadline:
            raise StopIteration

    res = so.minimize(wrapped, like.cpu().numpy().astype(np.float64), jac=True, method="L-BFGS-B",
                      callback=stop_at_deadline,
                      options={"maxiter": max_iters, "maxcor": history, "ftol": 1e-15, "gtol": 1e-12})
    x = torch.as_tensor(res.x, dtype=like.dtype, device=like.device)
    status = "converged" if res.success else ("time_limit" if deadline is not None and time.monotonic() > deadline
                                              else "max_iters")
    return LBFGSResult(x, float(res.fun), int(res.nit), status, str(res.message))
