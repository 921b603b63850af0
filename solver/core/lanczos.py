"""A lower bound on lambda_min of a symmetric matrix that needs only products, with a stated failure probability.

For a PSD matrix A and a start vector b drawn uniformly from the unit sphere,
k steps of Lanczos give a Ritz value theta <= lambda_max(A) with

    P[ theta < (1 - eps) lambda_max(A) ] <= 1.648 sqrt(n) exp(-sqrt(eps) (2k - 1))

for every eps in (0, 1) (Kuczynski & Wozniakowski 1992, Theorem 4.2), whatever
the spectrum. Applied to A = c I - S with c >= lambda_max(S) (Gershgorin), it
says: except with probability delta over b,

    lambda_min(S) >= c - theta / (1 - eps),   eps = (ln(1.648 sqrt(n) / delta) / (2k - 1))^2.

No factorization, O(n) memory, one product per step: the bound for graphs
whose sparse factorization does not fit. The Lanczos recurrence runs without
reorthogonalization; in floating point its Ritz values obey the same
polynomial bounds as in exact arithmetic up to O(k u ||A||) (Paige 1980;
Druskin & Knizhnerman 1991; Musco, Musco & Sidford 2018), which the returned
margin covers with a wide factor. The statement is probabilistic, not a
proof: the certificate says so and carries delta.

References
----------
.. [1] J. Kuczynski and H. Wozniakowski, "Estimating the largest eigenvalue by
   the power and Lanczos algorithms with a random start", SIAM J. Matrix Anal.
   Appl. 13 (1992).
.. [2] C. C. Paige, "Accuracy and effectiveness of the Lanczos algorithm for
   the symmetric eigenproblem", Linear Algebra Appl. 34 (1980).
.. [3] C. Musco, C. Musco and A. Sidford, "Stability of the Lanczos method for
   matrix function approximation", SODA 2018.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.linalg as sla

__all__ = ["ProbableBound", "lanczos_min_bound", "lanczos_eps"]

KW_CONSTANT = 1.648
_U = np.finfo(np.float64).eps / 2


@dataclass(frozen=True)
class ProbableBound:
    """lambda_min(S) >= ``lower``, except with probability ``failure_probability`` over the start vector.

    Attributes
    ----------
    lower : float
        The bound on lambda_min(S).
    ritz : float
        The smallest Ritz value of S reached (an estimate of lambda_min, from above).
    ceiling : float
        c >= lambda_max(S) used to make c I - S positive semidefinite.
    eps : float
        The relative error on lambda_max(c I - S) that the probability covers.
    steps : int
        Lanczos steps (matrix-vector products).
    margin : float
        Floating-point allowance added to the Ritz value of c I - S.
    failure_probability : float
    seconds : float
    residual : float
        ||S z - ritz z|| for the Ritz vector z (unit), from the recurrence.
    """

    lower: float
    ritz: float
    ceiling: float
    eps: float
    steps: int
    margin: float
    failure_probability: float
    seconds: float
    residual: float = float("nan")


def lanczos_eps(n: int, steps: int, failure_probability: float) -> float:
    """The eps of Kuczynski-Wozniakowski's bound after ``steps`` Lanczos steps.

    One step fewer than taken enters the formula (the Krylov space of k
    products has dimension k, its polynomials degree k - 1), which can only
    make eps larger. Returns 1.0 when the steps cannot yet say anything.
    """
    k = steps - 1
    if k < 1:
        return 1.0
    eps = (math.log(KW_CONSTANT * math.sqrt(n) / failure_probability) / (2 * k - 1)) ** 2
    return min(eps, 1.0)


def lanczos_min_bound(
    matvec: Callable[[np.ndarray], np.ndarray],
    n: int,
    ceiling: float,
    *,
    failure_probability: float = 1e-9,
    seed: int = 0,
    max_steps: int = 20000,
    check_every: int = 50,
    tolerance: float = 0.0,
    deadline: float | None = None,
    row_nnz: int = 1,
    min_steps: int = 0,
) -> ProbableBound:
    """A probable lower bound on lambda_min(S), S symmetric n x n given by its product.

    Parameters
    ----------
    matvec : callable
        x -> S x.
    n : int
    ceiling : float
        Any c >= lambda_max(S) (e.g. the Gershgorin bound, rounded up).
    failure_probability : float
        delta: the chance, over the random start, that the bound is wrong.
    seed : int
        Seeds the start vector (drawn uniformly from the sphere).
    max_steps : int
    check_every : int
        Steps between evaluations of the bound (an eigenvalue of the tridiagonal).
    tolerance : float
        Stop once the bound has risen by less than this over the last
        ``4 check_every`` steps (0: run ``max_steps`` or to the deadline).
    deadline : float, optional
        :func:`time.monotonic` time after which the current bound is returned
        (after at least ``min_steps`` steps).
    row_nnz : int
        Most nonzeros in a row of S, for the rounding allowance.

    Returns
    -------
    ProbableBound

    Examples
    --------
    >>> import numpy as np
    >>> S = np.diag(np.linspace(-1.0, 2.0, 400))
    >>> b = lanczos_min_bound(lambda x: S @ x, 400, 2.0, max_steps=400)
    >>> bool(-1.01 < b.lower <= -1.0)
    True
    """
    if not 0 < failure_probability < 1:
        raise ValueError("failure_probability must lie in (0, 1)")
    start = time.monotonic()
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(n)
    v /= np.linalg.norm(v)
    v_prev = np.zeros(n)
    alphas: list[float] = []
    betas: list[float] = []
    beta = 0.0
    history: list[tuple[int, float]] = []
    best = (-math.inf, 0.0, 1.0, 0.0)  # (lower, ritz, eps, margin)
    steps = 0
    limit = min(max_steps, n)
    while steps < limit:
        w = matvec(v)
        w -= beta * v_prev
        alpha = float(v @ w)
        w -= alpha * v
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        steps += 1
        invariant = beta <= 1e-12 * max(abs(ceiling), 1.0)
        done = (steps == limit or invariant
                or (steps >= min_steps and deadline is not None and time.monotonic() > deadline))
        if steps % check_every == 0 or done:
            best = max(best, _bound_at(alphas, betas, n, ceiling, failure_probability, row_nnz))
            history.append((steps, best[0]))
            stalled = (tolerance > 0 and len(history) > 4 and best[0] - history[-5][1] <= tolerance)
            if done or stalled:
                break
        betas.append(beta)
        v_prev, v = v, w / beta
    lower, ritz, eps, margin = best
    return ProbableBound(lower, ritz, ceiling, eps, steps, margin, failure_probability, time.monotonic() - start,
                         _residual(alphas, betas, beta))


def _residual(alphas, betas, beta) -> float:
    """beta_k |s_k|: the residual of the lowest Ritz pair, s its eigenvector of T_k."""
    k = len(alphas)
    if k == 1:
        return abs(beta)
    _, s = sla.eigh_tridiagonal(np.asarray(alphas), np.asarray(betas[: k - 1]), select="i", select_range=(0, 0))
    return abs(beta * float(s[-1, 0]))


def _bound_at(alphas, betas, n, ceiling, delta, row_nnz) -> tuple[float, float, float, float]:
    """(lower bound, smallest Ritz value, eps, margin) from the tridiagonal T_k of S."""
    k = len(alphas)
    d = np.asarray(alphas)
    e = np.asarray(betas[: k - 1])
    if k == 1:
        ritz = float(d[0])
    else:
        ritz = float(sla.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(0, 0))[0])
    # Ritz value of c I - S, and a wide allowance for the rounding of k steps
    # and of the tridiagonal eigensolver.
    top = ceiling - ritz
    margin = 64 * (k + row_nnz) * _U * (abs(ceiling) + float(np.max(np.abs(d))) + float(np.max(e, initial=0.0)))
    eps = lanczos_eps(n, k, delta)
    if eps >= 1.0:
        return -math.inf, ritz, eps, margin
    return ceiling - (top + margin) / (1 - eps), ritz, eps, margin
