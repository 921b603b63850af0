"""The Burer-Monteiro SDP with the vertices' rows sharded over a process group.

Rank r holds the rows of V of its block and the matching rows of L
(:class:`~solver.distributed.partition.GraphShard`). One product L V needs,
besides the owned rows, the rows of the ghost vertices: before every product
each rank contributes the rows of its boundary vertices to one all-gather
(padded to the largest boundary), and picks its ghosts out of the result.
Communication per product is ``world_size * max_boundary * p`` numbers per
rank: far below the ``n * p`` of gathering all of V when the blocks have
small boundaries (meshes, grids, locality-ordered graphs), about the same
on expanders, where almost every vertex is on a boundary.

Everything else of the iteration is row-local (the retraction, the
Riemannian projection) or a scalar all-reduce (values, norms, the
Barzilai-Borwein inner products, the deadline), so
:func:`~solver.maxcut.sdp.burer_monteiro_rows` runs unchanged.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch

from ..maxcut.sdp import _csr_tensor
from .group import ProcessGroup
from .partition import GraphShard

__all__ = ["GhostExchange", "ShardedLaplacianRows"]


class GhostExchange:
    """Rows of the ghost vertices from their owners, by one all-gather of the boundary rows."""

    def __init__(self, shard: GraphShard, group: ProcessGroup, device: torch.device):
        self.group = group
        self.boundary = torch.as_tensor(shard.boundary, device=device)
        self.slots = torch.as_tensor(shard.ghost_slots, device=device)
        self.size = shard.max_boundary
        self.rows = [shard.max_boundary] * group.world_size

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        if self.group.world_size == 1:
            return X[:0]
        gathered = self.group.all_gather_rows(X.index_select(0, self.boundary), self.rows)
        return gathered.index_select(0, self.slots)


class ShardedLaplacianRows:
    """:class:`~solver.maxcut.sdp.LaplacianRows` for one shard: ghosts exchanged, sums all-reduced."""

    #: The Barzilai-Borwein products ride on every trial point's reduction:
    #: one collective per trial instead of a second one per step.
    bundle_products = True

    def __init__(self, shard: GraphShard, group: ProcessGroup, device: torch.device, dtype: torch.dtype):
        self.shard = shard
        self.group = group
        self.n = shard.n
        self.lo, self.hi = shard.lo, shard.hi
        self.L = _csr_tensor(shard.rows, device, dtype)
        self.exchange = GhostExchange(shard, group, device)
        self.counts = shard.partition.counts

    def max_abs_degree(self) -> float:
        return self.shard.max_abs_degree

    def matmul(self, X: torch.Tensor) -> torch.Tensor:
        if self.group.world_size == 1:
            return self.L @ X
        return self.L @ torch.cat([X, self.exchange(X)])

    def reduce(self, sums: Sequence[torch.Tensor] = (), norms: Sequence[torch.Tensor] = ()) -> list[float]:
        parts = [t.reshape(()) for t in sums] + [(X * X).sum() for X in norms]
        values = self.group.total(torch.stack(parts)).tolist()
        return values[:len(sums)] + [v ** 0.5 for v in values[len(sums):]]

    def past(self, deadline: float) -> bool:
        return self.group.any(time.monotonic() > deadline)

    def owned(self, A: torch.Tensor) -> torch.Tensor:
        return A[self.lo:self.hi].clone()

    def gather(self, X: torch.Tensor) -> np.ndarray:
        full = self.group.all_gather_rows(X.detach(), self.counts)
        return full.to(device="cpu", dtype=torch.float64).numpy()

    def value(self, V: np.ndarray) -> float:
        """(1/4) <L, V V^T>: each rank sums its rows, float64."""
        V = np.asarray(V, dtype=np.float64)
        mine = float(np.sum((self.shard.rows @ V[self.shard.columns]) * V[self.lo:self.hi]))
        return 0.25 * self.group.total_float(mine)
