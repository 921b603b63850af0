"""Smallest Hessian eigenvalue from Hessian-vector products (Lanczos)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

__all__ = ["LanczosResult", "lanczos_min_eigenvalue", "finite_difference_hvp"]


@dataclass(frozen=True)
class LanczosResult:
    """Smallest Ritz value of a symmetric operator and its residual.

    ``eigenvalue`` is a Ritz value, so it over-estimates the true smallest
    eigenvalue; ``residual`` = ||H x - theta x|| says how far from an
    eigenpair it is.
    """

    eigenvalue: float
    vector: torch.Tensor
    residual: float
    steps: int


def lanczos_min_eigenvalue(
    matvec: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    *,
    max_steps: int = 40,
    tol: float = 1e-8,
) -> LanczosResult:
    """Lanczos with full reorthogonalization for the smallest eigenvalue.

    Pseudocode::

        q_1 = start / ||start||
        for k = 1..K:
            w = H q_k - beta_{k-1} q_{k-1};  alpha_k = <w, q_k>
            w -= alpha_k q_k;  reorthogonalize w against q_1..q_k
            beta_k = ||w||;  stop when beta_k is negligible
        theta, s = smallest eigenpair of the tridiagonal T_k
        x = Q s, residual = |beta_k s_k|

    Parameters
    ----------
    matvec : callable
        ``v -> H v`` for a symmetric H, on flat tensors.
    start : torch.Tensor
        Flat starting vector (random for a seeded, unbiased estimate).
    max_steps : int
        Krylov dimension.
    tol : float
        Stop early once the residual of the smallest Ritz pair is below this.
    """
    q = start / start.norm()
    basis = [q]
    alphas: list[float] = []
    betas: list[float] = []
    prev = torch.zeros_like(q)
    beta = 0.0
    theta, s = 0.0, np.ones(1)
    for k in range(max_steps):
        w = matvec(basis[-1]) - beta * prev
        alpha = float(torch.dot(w, basis[-1]))
        alphas.append(alpha)
        Q = torch.stack(basis, dim=1)
        w = w - Q @ (Q.T @ w)
        w = w - Q @ (Q.T @ w)
        beta = float(w.norm())
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        evals, evecs = np.linalg.eigh(T)
        theta, s = float(evals[0]), evecs[:, 0]
        residual = abs(beta * s[-1])
        if residual <= tol * max(1.0, abs(theta)) or beta <= 1e-14 * max(1.0, abs(alpha)):
            break
        betas.append(beta)
        prev = basis[-1]
        basis.append(w / beta)
    Q = torch.stack(basis[: len(s)], dim=1)
    x = Q @ torch.as_tensor(s, dtype=Q.dtype, device=Q.device)
    hx = matvec(x)
    return LanczosResult(theta, x, float((hx - theta * x).norm()), len(alphas))


def finite_difference_hvp(
    gradient: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, rel_step: float = 1e-5
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``v -> H v`` by central differences of an exact gradient.

    (g(x + h v) - g(x - h v)) / (2 h), accurate to O(h^2); used where the
    gradient is closed form but not itself differentiable by autograd.
    """
    scale = rel_step * max(1.0, float(x.norm()) / max(1.0, x.numel() ** 0.5))

    def hvp(v: torch.Tensor) -> torch.Tensor:
        h = scale / max(float(v.norm()), 1e-300)
        return (gradient(x + h * v) - gradient(x - h * v)) / (2.0 * h)

    return hvp
