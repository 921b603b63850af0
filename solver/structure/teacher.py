"""The multiple-index teacher y = h(U x), x ~ N(0, I_d), U with r orthonormal rows.

References
----------
.. [1] D. Tsikouras, C. Pantis, I. Mitliagkas, C. Tzamos, "A Derandomization
   Framework for Structure Discovery: Applications in Neural Networks and
   Beyond", ICLR 2026, arXiv 2510.19382, section on structure discovery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import check_option, is_integer

__all__ = ["TEACHERS", "Teacher", "make_teacher"]

#: The link functions h a teacher can use.
TEACHERS = ("tanh-sum", "mlp")

#: Hidden units of the ``mlp`` teacher's fixed network.
MLP_TEACHER_WIDTH = 16


@dataclass(frozen=True)
class Teacher:
    """y = h(U x): a target that depends on x only through r directions.

    Attributes
    ----------
    kind : str
        ``tanh-sum``: h(z) = sum_i tanh(z_i). ``mlp``: a fixed random tanh
        network h(z) = a . tanh(B z + c) / sqrt(m), m = 16 hidden units.
    U : torch.Tensor
        (r, d), orthonormal rows: span(U) is the subspace the student should
        discover.
    B, c, a : torch.Tensor or None
        The ``mlp`` teacher's fixed weights (``None`` for ``tanh-sum``).
    """

    kind: str
    U: torch.Tensor
    B: torch.Tensor | None = None
    c: torch.Tensor | None = None
    a: torch.Tensor | None = None

    @property
    def dim(self) -> int:
        return int(self.U.shape[1])

    @property
    def rank(self) -> int:
        return int(self.U.shape[0])

    def link(self, Z: torch.Tensor) -> torch.Tensor:
        """h applied row-wise to ``Z`` (n, r)."""
        if self.kind == "tanh-sum":
            return torch.tanh(Z).sum(dim=1)
        return torch.tanh(Z @ self.B.T + self.c) @ self.a / math.sqrt(self.a.numel())

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Labels for inputs ``X`` (n, d)."""
        return self.link(X @ self.U.T)

    def sample(self, num: int, *, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``num`` pairs (x, y) with x ~ N(0, I_d), as an (n, d) matrix and an (n,) vector."""
        X = torch.randn((num, self.dim), generator=generator, device=self.U.device, dtype=self.U.dtype)
        return X, self(X)

    def orthogonal_projector(self) -> torch.Tensor:
        """I - U^T U, the projector onto the directions the target ignores."""
        return torch.eye(self.dim, device=self.U.device, dtype=self.U.dtype) - self.U.T @ self.U


def make_teacher(
    kind: str,
    dim: int,
    rank: int,
    *,
    generator: torch.Generator,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> Teacher:
    """A random teacher: U from the QR factorization of a Gaussian d x r matrix.

    Parameters
    ----------
    kind : {"tanh-sum", "mlp"}
    dim, rank : int
        d and r, 1 <= r < d.
    generator : torch.Generator
        Draws U (and the ``mlp`` teacher's weights).
    device, dtype
        Where the teacher's tensors live.

    Returns
    -------
    Teacher

    Examples
    --------
    >>> t = make_teacher("tanh-sum", 8, 2, generator=torch.Generator().manual_seed(0))
    >>> torch.allclose(t.U @ t.U.T, torch.eye(2, dtype=torch.float64))
    True
    """
    check_option(kind in TEACHERS, "teacher", f"one of {', '.join(TEACHERS)}", kind)
    check_option(is_integer(dim) and dim >= 2, "dim", "an integer >= 2", dim)
    check_option(is_integer(rank) and 1 <= rank < dim, "teacher_rank", f"an integer between 1 and dim - 1 = {dim - 1}",
                 rank)
    G = torch.randn((dim, rank), generator=generator, device=device, dtype=dtype)
    Q, R = torch.linalg.qr(G)
    # Fix the signs so U is a function of G alone (QR's signs are a convention).
    U = (Q * torch.sign(torch.diagonal(R))).T.contiguous()
    if kind == "tanh-sum":
        return Teacher(kind, U)
    m = MLP_TEACHER_WIDTH
    B = torch.randn((m, rank), generator=generator, device=device, dtype=dtype) / math.sqrt(rank)
    c = torch.randn(m, generator=generator, device=device, dtype=dtype)
    a = torch.randn(m, generator=generator, device=device, dtype=dtype)
    return Teacher(kind, U, B, c, a)
