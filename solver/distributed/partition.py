"""Contiguous vertex blocks, and what each rank holds of the graph.

Rank r owns the vertices ``bounds[r] .. bounds[r+1] - 1``. Blocks are cut so
that each holds about the same number of Laplacian entries (degree + 1 per
vertex): the work of every sharded phase is proportional to it.

A :class:`GraphShard` carries two views of rank r's part of the graph:

- **rows** (for the SDP and the bound): the rows of L of the owned vertices,
  so every edge with an end in the block; an edge between two blocks is in
  the rows of both (its two Laplacian entries). Columns are renumbered:
  owned vertices first, then the *ghosts* (vertices of other blocks with an
  edge into this one) in increasing order; the entries of each row keep the
  order of the whole Laplacian's row.
- **edges** (for the derandomization's edge sums): the edges whose lower end
  is owned, so each edge is counted by exactly one rank and the per-shard
  sums add up to the whole graph's.

The *boundary* of a block is the set of its vertices that some other block
has as a ghost; ghost rows are exchanged by gathering every block's boundary
rows (:class:`~solver.distributed.sdp.GhostExchange`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import check_option
from ..graph import Graph

__all__ = ["VertexPartition", "GraphShard", "partition_vertices", "shard_graph"]


@dataclass(frozen=True)
class VertexPartition:
    """Contiguous vertex blocks, one per rank.

    Attributes
    ----------
    bounds : numpy.ndarray
        ``(parts + 1,)`` increasing, ``bounds[0] = 0``, ``bounds[-1] = n``.
    """

    bounds: np.ndarray

    @property
    def parts(self) -> int:
        return len(self.bounds) - 1

    @property
    def n(self) -> int:
        return int(self.bounds[-1])

    @property
    def counts(self) -> list[int]:
        return [int(c) for c in np.diff(self.bounds)]

    def block(self, rank: int) -> tuple[int, int]:
        return int(self.bounds[rank]), int(self.bounds[rank + 1])

    def owner(self, vertices: np.ndarray) -> np.ndarray:
        """The rank that owns each vertex."""
        return np.searchsorted(self.bounds, np.asarray(vertices), side="right") - 1


def partition_vertices(degrees: np.ndarray, parts: int) -> VertexPartition:
    """Cut ``0..n-1`` into ``parts`` contiguous blocks of about equal work (degree + 1 each).

    Parameters
    ----------
    degrees : array (n,)
        Unweighted degrees (number of incident edges).
    parts : int
        Number of blocks; each gets at least one vertex.

    Examples
    --------
    >>> partition_vertices(np.array([3, 1, 1, 1, 1, 1]), 2).bounds.tolist()
    [0, 3, 6]
    """
    n = len(degrees)
    check_option(isinstance(parts, int) and 1 <= parts <= n, "parts", f"an integer in 1..{n} (the vertices)", parts)
    work = np.cumsum(np.asarray(degrees, dtype=np.float64) + 1.0)
    targets = work[-1] * np.arange(1, parts) / parts
    cuts = np.searchsorted(work, targets, side="left") + 1
    # at least one vertex per block, in order
    cuts = np.maximum(cuts, np.arange(1, parts))
    cuts = np.minimum(cuts, n - parts + np.arange(1, parts))
    cuts = np.maximum.accumulate(cuts) if parts > 1 else cuts
    bounds = np.concatenate([[0], cuts, [n]]).astype(np.int64)
    for i in range(1, len(bounds)):  # strictly increasing after the clamps
        bounds[i] = max(bounds[i], bounds[i - 1] + 1) if i < len(bounds) - 1 else n
    return VertexPartition(bounds)


@dataclass(frozen=True)
class GraphShard:
    """What rank ``rank`` holds of a graph: its Laplacian rows and its edges.

    Attributes
    ----------
    n, m : int
        The whole graph's vertices and edges.
    name : str
    rank : int
    partition : VertexPartition
    rows : scipy.sparse.csr_matrix
        ``(hi - lo, hi - lo + len(ghosts))``: rows ``lo..hi-1`` of L, columns
        renumbered (owned, then ghosts).
    ghosts : numpy.ndarray
        Global ids of the ghost vertices, increasing.
    boundary : numpy.ndarray
        Offsets (from ``lo``) of the owned vertices some other rank needs.
    ghost_slots : numpy.ndarray
        For each ghost, its row in the gathered boundary buffer
        (``owner * max_boundary + position in the owner's boundary``).
    max_boundary : int
        The largest boundary over all ranks (the padded block size).
    edges, weights : numpy.ndarray
        The edges whose lower end is owned (global ids, sorted as in
        :class:`~solver.graph.Graph`) and their weights.
    abs_weight : float
        sum |w| over the whole graph.
    max_abs_degree : float
        max |weighted degree| over the whole graph.
    """

    n: int
    m: int
    name: str
    rank: int
    partition: VertexPartition
    rows: sp.csr_matrix
    ghosts: np.ndarray
    boundary: np.ndarray
    ghost_slots: np.ndarray
    max_boundary: int
    edges: np.ndarray
    weights: np.ndarray
    abs_weight: float
    max_abs_degree: float

    @property
    def lo(self) -> int:
        return self.partition.block(self.rank)[0]

    @property
    def hi(self) -> int:
        return self.partition.block(self.rank)[1]

    @property
    def columns(self) -> np.ndarray:
        """Global id of each column of ``rows``."""
        return np.concatenate([np.arange(self.lo, self.hi), self.ghosts])

    def cut_value(self, sides: np.ndarray) -> float:
        """This shard's part of the cut weight of a whole assignment (its own edges)."""
        s = np.asarray(sides, dtype=bool)
        return float(np.sum(self.weights[s[self.edges[:, 0]] != s[self.edges[:, 1]]]))


def shard_graph(graph: Graph, partition: VertexPartition) -> list[GraphShard]:
    """Every rank's :class:`GraphShard` (built once, on the rank that read the graph)."""
    check_option(partition.n == graph.n, "partition", f"a partition of {graph.n} vertices", partition.n)
    L = graph.laplacian
    parts = partition.parts
    ghosts, local_rows = [], []
    for r in range(parts):
        lo, hi = partition.block(r)
        rows = L[lo:hi]
        cols = rows.indices
        outside = (cols < lo) | (cols >= hi)
        ghosts.append(np.unique(cols[outside]).astype(np.int64))
        local_rows.append(rows)
    # boundary of q: its vertices that are somebody's ghost
    needed = np.unique(np.concatenate(ghosts)) if parts > 1 else np.zeros(0, dtype=np.int64)
    owner = partition.owner(needed)
    boundaries = [needed[owner == q] for q in range(parts)]
    max_boundary = max([len(b) for b in boundaries] + [1])
    abs_weight = float(np.sum(np.abs(graph.weights)))
    max_abs_degree = float(np.abs(graph.degrees).max())
    heads = graph.edges[:, 0]
    shards = []
    for r in range(parts):
        lo, hi = partition.block(r)
        rows, gh = local_rows[r], ghosts[r]
        cols = rows.indices
        inside = (cols >= lo) & (cols < hi)
        new_cols = np.where(inside, cols - lo, (hi - lo) + np.searchsorted(gh, cols)).astype(np.int64)
        compact = sp.csr_matrix((rows.data.copy(), new_cols, rows.indptr.copy()), shape=(hi - lo, hi - lo + len(gh)))
        g_owner = partition.owner(gh)
        slots = np.empty(len(gh), dtype=np.int64)
        for q in np.unique(g_owner):
            sel = g_owner == q
            slots[sel] = q * max_boundary + np.searchsorted(boundaries[q], gh[sel])
        e0, e1 = np.searchsorted(heads, lo, side="left"), np.searchsorted(heads, hi, side="left")
        shards.append(GraphShard(
            n=graph.n, m=graph.m, name=graph.name, rank=r, partition=partition, rows=compact, ghosts=gh,
            boundary=(boundaries[r] - lo).astype(np.int64), ghost_slots=slots, max_boundary=max_boundary,
            edges=graph.edges[e0:e1].copy(), weights=graph.weights[e0:e1].copy(),
            abs_weight=abs_weight, max_abs_degree=max_abs_degree))
    return shards
