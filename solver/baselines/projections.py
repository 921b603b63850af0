"""JL baselines: random projections, PCA, and a direct deterministic minimax.

They share the problem's pair machinery and certificate
(:mod:`solver.jl.pairs`, :mod:`solver.jl.distortion`, :mod:`solver.jl.minimax`)
and never import the derandomization.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..jl.distortion import gaussian_maps, pca_map
from ..jl.minimax import BULK_BETAS, ITERS_PER_BETA, SHARP_BETAS, minimax

__all__ = ["gaussian_maps", "sparse_map", "pca_map", "minimax_map", "MinimaxResult"]


def sparse_map(d: int, k: int, *, density: float | None = None, seed: int = 0) -> np.ndarray:
    """Very sparse random projection (Achlioptas 2003; Li, Hastie, Church 2006).

    Entries are +-sqrt(1/(density k)) with probability density/2 each, 0
    otherwise; density 1/sqrt(d) by default (Li et al.), 1/3 is Achlioptas'.
    """
    rng = np.random.default_rng(seed)
    density = 1.0 / math.sqrt(d) if density is None else density
    signs = rng.choice([-1.0, 0.0, 1.0], size=(k, d), p=[density / 2, 1 - density, density / 2])
    return signs / math.sqrt(density * k)


@dataclass(frozen=True)
class MinimaxResult:
    """A map from the deterministic minimax, its certified distortion, and the time it took."""

    M: np.ndarray
    distortion: float
    start: str
    seconds: float
    history: tuple[tuple[float, float], ...]
    status: str = "converged"


def minimax_map(
    X: np.ndarray,
    M0: np.ndarray,
    *,
    bulk_betas: tuple[float, ...] = BULK_BETAS,
    betas: tuple[float, ...] = SHARP_BETAS,
    iters_per_beta: int = ITERS_PER_BETA,
    time_limit: float | None = None,
    device: torch.device | str = "cpu",
    start: str = "given",
    progress: Callable[[int, int, float], None] | None = None,
) -> MinimaxResult:
    """Minimize the smoothed worst-case distortion directly, by L-BFGS, from ``M0``.

    The objective is (LSE_beta(log r) + LSE_beta(-log r)) / beta, the smooth
    max minus the smooth min of the log pair ratios, over a working set of
    the extreme pairs that all-pairs scans keep enlarging; beta is raised in
    steps (:func:`solver.jl.minimax.minimax`, the same machinery as derand's
    polish). The best map by exact certified distortion is returned, so the
    result is never worse than M0.

    Parameters
    ----------
    X : array (n, d)
    M0 : array (k, d)
        Starting map (a Gaussian draw, PCA, or any other).
    bulk_betas, betas : tuple of float
        The sharpness schedule: over the bulk of the pairs, then over the working set.
    iters_per_beta : int
        L-BFGS iterations per round.
    time_limit : float, optional
        Seconds; a round starts only when its certifying scan should end in time.
    """
    t0 = time.monotonic()
    deadline = None if time_limit is None else t0 + time_limit
    run = minimax(np.asarray(X, dtype=np.float64), M0, bulk_betas=bulk_betas, betas=betas,
                  iters_per_beta=iters_per_beta, deadline=deadline, device=device, progress=progress)
    return MinimaxResult(run.M, run.certificate.distortion, start, time.monotonic() - t0, run.history, run.status)
