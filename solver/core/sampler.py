"""The Gaussian sampler y = W z + b, z ~ N(0, I), every derandomization starts from."""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["GaussianSampler"]


@dataclass(frozen=True)
class GaussianSampler:
    """y = W z + b with z ~ N(0, I_k): mean ``b`` (shape (d,)), covariance W W^T.

    The derandomization lemma is about exactly this family: optimizing
    E[g(W z + b)] + lam ||W||_F^2 to an SOSP drives W to 0.

    Examples
    --------
    >>> import torch
    >>> s = GaussianSampler(torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64))
    >>> s.sample(5, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([5, 2])
    """

    W: torch.Tensor
    b: torch.Tensor

    def sample(self, num: int, *, generator: torch.Generator) -> torch.Tensor:
        """``num`` independent draws, one per row (reparameterized: differentiable in W and b)."""
        z = torch.randn((num, self.W.shape[1]), generator=generator, device=self.W.device, dtype=self.W.dtype)
        return z @ self.W.T + self.b
