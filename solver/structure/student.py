"""The student: a fully connected network whose parameters live in one flat vector.

PGD (``solver.core.pgd``) sees only that vector; :class:`Student` knows how
to read the layers out of it. The first layer comes first, so
``x[:width * dim]`` is W_1 (row-major, one row per hidden unit).

References
----------
.. [1] D. Tsikouras, C. Pantis, I. Mitliagkas, C. Tzamos, "A Derandomization
   Framework for Structure Discovery: Applications in Neural Networks and
   Beyond", ICLR 2026, arXiv 2510.19382.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["Student", "smooth_relu"]


def smooth_relu(t: torch.Tensor, sharpness: float = 1.0) -> torch.Tensor:
    """softplus(beta t) / beta: a smooth ReLU (beta -> infinity gives ReLU).

    The derandomization lemma needs a twice-differentiable network, so the
    paper's experiments replace ReLU by this softplus-type activation.
    """
    return F.softplus(t, beta=sharpness)


@dataclass(frozen=True)
class Student:
    """f(x) = a . s(W_L s(... s(W_1 x + b_1) ...) + b_L) + c, s = :func:`smooth_relu`.

    Attributes
    ----------
    dim : int
        Input dimension d.
    width : int
        Hidden units per layer.
    depth : int
        Number of hidden layers L (1 is a two-layer network).
    freeze_bias : bool
        Every bias (b_1..b_L and c) fixed at 0 and left out of the parameter
        vector: the control in which the lemma's hypothesis fails.
    sharpness : float
        beta of the activation.

    Examples
    --------
    >>> s = Student(dim=4, width=3, depth=2)
    >>> s.num_params  # 4*3 + 3 + 3*3 + 3 + 3 + 1
    31
    """

    dim: int
    width: int
    depth: int = 1
    freeze_bias: bool = False
    sharpness: float = 1.0

    @property
    def shapes(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(name, shape) of each trainable block, in the flat vector's order."""
        out: list[tuple[str, tuple[int, ...]]] = []
        fan_in = self.dim
        for layer in range(1, self.depth + 1):
            out.append((f"W{layer}", (self.width, fan_in)))
            if not self.freeze_bias:
                out.append((f"b{layer}", (self.width,)))
            fan_in = self.width
        out.append(("a", (self.width,)))
        if not self.freeze_bias:
            out.append(("c", ()))
        return tuple(out)

    @property
    def num_params(self) -> int:
        return sum(math.prod(shape) for _, shape in self.shapes)

    def blocks(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of ``x`` by name (``W1``, ``b1``, ..., ``a``, ``c``); frozen biases are absent."""
        out, offset = {}, 0
        for name, shape in self.shapes:
            size = math.prod(shape)
            out[name] = x[offset:offset + size].view(shape)
            offset += size
        return out

    def first_layer(self, x: torch.Tensor) -> torch.Tensor:
        """W_1 as a (width, dim) view of ``x``."""
        return x[: self.width * self.dim].view(self.width, self.dim)

    def init(self, *, generator: torch.Generator, device: torch.device | str = "cpu",
             dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """LeCun-normal weights (entries N(0, 1/fan_in)), zero biases, as one flat vector."""
        parts = []
        for name, shape in self.shapes:
            if name.startswith("W") or name == "a":
                fan_in = shape[1] if len(shape) == 2 else shape[0]
                parts.append(torch.randn(shape, generator=generator, device=device, dtype=dtype).reshape(-1)
                             / math.sqrt(fan_in))
            else:
                parts.append(torch.zeros(math.prod(shape), device=device, dtype=dtype))
        return torch.cat(parts)

    def forward(self, x: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        """Outputs (n,) of the network with parameters ``x`` on inputs ``X`` (n, dim)."""
        p = self.blocks(x)
        H = X
        for layer in range(1, self.depth + 1):
            H = H @ p[f"W{layer}"].T
            if not self.freeze_bias:
                H = H + p[f"b{layer}"]
            H = smooth_relu(H, self.sharpness)
        out = H @ p["a"]
        return out if self.freeze_bias else out + p["c"]

    def weight_norm_sq(self, x: torch.Tensor) -> torch.Tensor:
        """Sum of squared weights (every W_l and a; biases are not penalized)."""
        return sum((v * v).sum() for name, v in self.blocks(x).items() if name.startswith("W") or name == "a")
