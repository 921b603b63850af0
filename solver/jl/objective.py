"""The expectation objective of the derandomized JL map, in closed form.

Sampler: A = M + sigma G, G with i.i.d. N(0, 1) entries (W = sigma I on
vec G, b = vec M). For a unit pair direction u, G u ~ N(0, I_k) exactly, so
r(u) = ||A u||^2 = ||M u + sigma z||^2 is sigma^2 times a noncentral
chi-square with k degrees of freedom and noncentrality ||M u||^2 / sigma^2.
Its cumulants are polynomials:

    kappa_1 = s + k sigma^2,   kappa_j = 2^(j-1) (j-1)! sigma^(2j-2) (k sigma^2 + j s),   s = ||M u||^2.

The objective is the pessimistic estimator

    Phi(M, sigma) = sum_pairs E[((r(u) - 1) / eps)^(2q)]  >=  E[#pairs with |r - 1| > eps]

(Markov's inequality), exact for every (M, sigma). Its moments follow from
the cumulants (complete Bell polynomials); as a function of the pair's
delta = E[r] - 1 = s + k sigma^2 - 1 each moment is a polynomial of degree 2q
whose coefficients depend on sigma only, so a whole step costs power sums of
delta over the pairs plus a handful of scalar polynomial operations.

Descending Phi + lam k d sigma^2 to an SOSP drives sigma to 0 (the lemma);
there every pair has ((r - 1)/eps)^(2q) <= Phi, so if Phi stayed below 1, the
deterministic map M is an eps-JL map for all pairs.
"""

from __future__ import annotations

import math
from functools import lru_cache
from math import comb

import numpy as np
import torch

__all__ = ["moment_polynomial", "expected_moment", "best_moment_order", "start_bound"]


@lru_cache(maxsize=16)
def _binomials(order: int) -> np.ndarray:
    """Row n-1 holds C(n-1, i-1) for i = 1..n."""
    table = np.zeros((order, order))
    for nn in range(1, order + 1):
        table[nn - 1, :nn] = [comb(nn - 1, x) for x in range(nn)]
    return table


def moment_polynomial(sigma: float, k: int, eps: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (low to high) of E[((r - 1)/eps)^order] as a polynomial in delta = E r - 1,
    and of its partial derivative in sigma at fixed delta.

    Forward-mode recursion m_n = sum_i C(n-1, i-1) c_i m_(n-i) over polynomials,
    with c_1 = delta / eps and, for j >= 2, c_j = (alpha_j + beta_j delta) / eps^j,
    alpha_j = 2^(j-1) (j-1)! sigma^(2j-2) (k sigma^2 + j (1 - k sigma^2)),
    beta_j = 2^(j-1) (j-1)! j sigma^(2j-2).
    """
    if sigma == 0.0:  # deterministic map: the moment is (delta / eps)^order
        coef = np.zeros(order + 1)
        coef[order] = eps ** (-order)
        return coef, np.zeros(order + 1)  # d/dsigma vanishes at 0: sigma enters squared
    s2 = sigma * sigma
    j = np.arange(2, order + 1, dtype=np.float64)
    f = np.exp((j - 1) * math.log(2.0) + np.array([math.lgamma(x) for x in j]) - j * math.log(eps))
    p = s2 ** (j - 1)
    dp = 2 * (j - 1) * sigma ** (2 * j - 3)
    base = k * s2 + j * (1 - k * s2)
    dbase = 2 * k * sigma - 2 * j * k * sigma
    # c_i = alpha_i + beta_i delta (index i = 1..order; c_1 = delta / eps)
    alpha = np.concatenate([[0.0], f * p * base])
    beta = np.concatenate([[1.0 / eps], f * j * p])
    dalpha = np.concatenate([[0.0], f * (dp * base + p * dbase)])
    dbeta = np.concatenate([[0.0], f * j * dp])
    # m[n] holds the coefficients of m_n (degree n), zero-padded to order + 1.
    m = np.zeros((order + 1, order + 1))
    dm = np.zeros((order + 1, order + 1))
    m[0, 0] = 1.0
    for nn in range(1, order + 1):
        i = np.arange(1, nn + 1)
        w = _binomials(order)[nn - 1, :nn]
        prev = m[nn - i]          # rows m_{n-1}, ..., m_0
        dprev = dm[nn - i]
        a, b, da, db = w * alpha[i - 1], w * beta[i - 1], w * dalpha[i - 1], w * dbeta[i - 1]
        m[nn] = a @ prev
        m[nn, 1:] += (b @ prev)[:-1]
        dm[nn] = da @ prev + a @ dprev
        dm[nn, 1:] += (db @ prev + b @ dprev)[:-1]
    return m[order].copy(), dm[order].copy()


def expected_moment(delta: torch.Tensor, coef: np.ndarray) -> torch.Tensor:
    """Evaluate the moment polynomial at each pair's delta (Horner)."""
    out = torch.full_like(delta, float(coef[-1]))
    for a in coef[-2::-1]:
        out = out * delta + float(a)
    return out


@lru_cache(maxsize=64)
def _gaussian_central_moments(k: int, order: int) -> tuple[float, ...]:
    """E[(chi2_k / k - 1)^n] for n = 0..order: the moments at the classical map (delta = 0)."""
    m = [1.0]
    # cumulants of chi2_k / k: kappa_1 = 1 (cancelled by the shift), kappa_j = 2^(j-1) (j-1)! k / k^j
    kappa = [0.0, 0.0] + [2.0 ** (j - 1) * math.exp(math.lgamma(j)) * k / k ** j for j in range(2, order + 1)]
    for nn in range(1, order + 1):
        m.append(sum(comb(nn - 1, i - 1) * kappa[i] * m[nn - i] for i in range(1, nn + 1)))
    return tuple(m)


def start_bound(n_pairs: int, k: int, eps: float, order: int) -> float:
    """Phi at the classical Gaussian map (M = 0, sigma^2 = 1/k): n_pairs E[(chi2_k/k - 1)^order] / eps^order."""
    return n_pairs * _gaussian_central_moments(k, order)[order] / eps ** order


def best_moment_order(n_pairs: int, k: int, eps: float, orders=range(1, 33)) -> tuple[int, float]:
    """The half-order q (moment 2q) with the smallest start bound, and that bound."""
    return min(((q, start_bound(n_pairs, k, eps, 2 * q)) for q in orders), key=lambda t: t[1])


def guarantee_eps(n_pairs: int, k: int, target: float = 0.5, orders=range(1, 33)) -> tuple[float, int, float]:
    """The smallest eps whose start bound, at the best moment order, is at most ``target``.

    For each order 2q the bound n_pairs mu_2q / eps^2q equals ``target`` at
    eps_q = (n_pairs mu_2q / target)^(1/2q); the answer is the smallest eps_q.
    """
    best = None
    for q in orders:
        mu = _gaussian_central_moments(k, 2 * q)[2 * q]
        eps_q = math.exp((math.log(n_pairs * mu / target)) / (2 * q))
        if best is None or eps_q < best[0]:
            best = (eps_q, q)
    eps, q = best
    return eps, q, start_bound(n_pairs, k, eps, 2 * q)
