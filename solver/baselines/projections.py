"""JL baselines: random projections, PCA, and a direct deterministic minimax.

They share the problem's certificate (:mod:`solver.jl.distortion`) and never
import the derandomization.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..core.lbfgs import minimize_lbfgs
from ..jl.distortion import PairGeometry, SmoothedDistortion, certify_embedding

__all__ = ["gaussian_maps", "sparse_map", "pca_map", "minimax_map", "MinimaxResult"]


def gaussian_maps(d: int, k: int, draws: int, *, seed: int = 0) -> list[np.ndarray]:
    """``draws`` classical JL maps G / sqrt(k), G with i.i.d. N(0, 1) entries (k x d)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((k, d)) / math.sqrt(k) for _ in range(draws)]


def sparse_map(d: int, k: int, *, density: float | None = None, seed: int = 0) -> np.ndarray:
    """Very sparse random projection (Achlioptas 2003; Li, Hastie, Church 2006).

    Entries are +-sqrt(1/(density k)) with probability density/2 each, 0
    otherwise; density 1/sqrt(d) by default (Li et al.), 1/3 is Achlioptas'.
    """
    rng = np.random.default_rng(seed)
    density = 1.0 / math.sqrt(d) if density is None else density
    signs = rng.choice([-1.0, 0.0, 1.0], size=(k, d), p=[density / 2, 1 - density, density / 2])
    return signs / math.sqrt(density * k)


def pca_map(X: np.ndarray, k: int) -> np.ndarray:
    """Projection on the top-k principal directions (k x d, orthonormal rows)."""
    Xc = np.asarray(X, dtype=np.float64) - np.mean(X, axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    rows = Vt[: min(k, Vt.shape[0])]
    if rows.shape[0] < k:  # k > rank: pad with zero rows, distances are unchanged
        rows = np.vstack([rows, np.zeros((k - rows.shape[0], Xc.shape[1]))])
    return rows


@dataclass(frozen=True)
class MinimaxResult:
    """A map from the deterministic minimax, its certified distortion, and the time it took."""

    M: np.ndarray
    distortion: float
    start: str
    seconds: float
    history: tuple[tuple[float, float], ...]


def minimax_map(
    X: np.ndarray,
    M0: np.ndarray,
    *,
    betas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0),
    iters_per_beta: int = 100,
    time_limit: float | None = None,
    device: torch.device | str = "cpu",
    start: str = "given",
    progress: Callable[[int, int, float], None] | None = None,
) -> MinimaxResult:
    """Minimize the smoothed worst-case distortion directly, by L-BFGS.

    The objective is (LSE_beta(log r) + LSE_beta(-log r)) / beta over all
    pairs, the smooth max minus the smooth min of the log pair ratios; beta is
    raised in steps, each stage starting from the last, by L-BFGS
    (:func:`solver.core.lbfgs.minimize_lbfgs`). The best map by exact
    certified distortion is returned (so the result is never worse than M0).

    Parameters
    ----------
    X : array (n, d)
    M0 : array (k, d)
        Starting map (a Gaussian draw, PCA, or any other).
    betas : tuple of float
        The sharpness schedule.
    iters_per_beta : int
        L-BFGS iterations per stage.
    time_limit : float, optional
        Seconds; stops between L-BFGS iterations.
    """
    t0 = time.monotonic()
    Xc = torch.as_tensor(np.asarray(X, dtype=np.float64) - np.mean(X, axis=0), device=device)
    geometry = PairGeometry(Xc)
    M = torch.as_tensor(np.array(M0, dtype=np.float64), device=device).clone()
    best_M = np.array(M0, dtype=np.float64)
    best_D = certify_embedding(X, X @ best_M.T, device=device).distortion
    history = [(0.0, best_D)]
    deadline = None if time_limit is None else t0 + time_limit
    total = len(betas)
    for stage, beta in enumerate(betas):
        objective = SmoothedDistortion(geometry, M.shape[0], beta)
        res = minimize_lbfgs(objective.value_and_gradient, M.reshape(-1), max_iters=iters_per_beta,
                             deadline=deadline)
        M = res.x.view(M.shape)
        cand = M.detach().cpu().numpy().copy()
        if np.all(np.isfinite(cand)):
            D = certify_embedding(X, X @ cand.T, device=device).distortion
            if D < best_D:
                best_D, best_M = D, cand
        history.append((time.monotonic() - t0, best_D))
        if progress is not None:
            progress(stage + 1, total, best_D)
        if deadline is not None and time.monotonic() > deadline:
            break
    return MinimaxResult(best_M, best_D, start, time.monotonic() - t0, tuple(history))
