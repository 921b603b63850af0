"""The weighted undirected graph every MAX-CUT routine works on."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import DerandWarning, InputError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = ["Graph", "check_labels", "merge_pairs"]


@dataclass(frozen=True, eq=False)
class Graph:
    """An undirected weighted graph with its vertices' own labels.

    Vertices are ``0 .. n-1`` internally; ``labels[i]`` is the name vertex
    ``i`` had in the input, used for every output. Each unordered pair
    appears at most once in ``edges`` (``i < j``), parallel input edges
    having been added up and self-loops dropped (they never cross a cut).

    Build one with :meth:`from_edges`, :meth:`from_networkx` or the readers in
    :mod:`solver.io`.

    Attributes
    ----------
    n : int
        Number of vertices.
    edges : numpy.ndarray
        ``(m, 2)`` int64 array, ``edges[:, 0] < edges[:, 1]``.
    weights : numpy.ndarray
        ``(m,)`` float64 edge weights (any sign).
    labels : tuple of str
        The input's vertex names.
    name : str
        Where the graph came from (a file name), for messages and reports.
    """

    n: int
    edges: np.ndarray
    weights: np.ndarray
    labels: tuple[str, ...]
    name: str = ""
    dropped_self_loops: int = field(default=0)
    merged_parallel_edges: int = field(default=0)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_edges(
        cls,
        n: int,
        heads: Sequence[int] | np.ndarray,
        tails: Sequence[int] | np.ndarray,
        weights: Sequence[float] | np.ndarray | None = None,
        *,
        labels: Sequence[str] | None = None,
        name: str = "",
    ) -> "Graph":
        """Build a graph from endpoint arrays (0-based vertex ids).

        Parallel edges are added up; self-loops are dropped with a
        :class:`~solver.errors.DerandWarning`.

        Raises
        ------
        InputError
            Ids outside ``0 .. n-1``, non-finite weights, mismatched lengths,
            or a graph without edges.
        """
        heads = np.asarray(heads)
        tails = np.asarray(tails)
        where = name or None
        if heads.shape != tails.shape or heads.ndim != 1:
            raise InputError("edge endpoint arrays must be 1-D and of equal length", path=where)
        w = np.ones(heads.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != heads.shape:
            raise InputError("weights must have one entry per edge", path=where)
        if not np.all(np.isfinite(w)):
            raise InputError("edge weights must be finite numbers", path=where)
        if heads.size and not (np.issubdtype(heads.dtype, np.integer) and np.issubdtype(tails.dtype, np.integer)):
            raise InputError("vertex ids must be integers", path=where)
        heads = heads.astype(np.int64, copy=False)
        tails = tails.astype(np.int64, copy=False)
        if n < 1:
            raise InputError("the graph has no vertices", path=where)
        if heads.size and (min(heads.min(), tails.min()) < 0 or max(heads.max(), tails.max()) >= n):
            raise InputError(f"vertex ids must lie in 0..{n - 1}", path=where)
        loops = heads == tails
        n_loops = int(loops.sum())
        if n_loops:
            warnings.warn(
                f"{name or 'graph'}: dropped {n_loops} self-loop(s); they never cross a cut",
                DerandWarning,
                stacklevel=2,
            )
            keep = ~loops
            heads, tails, w = heads[keep], tails[keep], w[keep]
        edges, summed = merge_pairs(n, heads, tails, w)
        merged = int(heads.size - edges.shape[0])
        if edges.shape[0] == 0:
            raise InputError("the graph has no edges", path=where)
        return cls(n, edges, summed, check_labels(n, labels, "vertex", where), name, n_loops, merged)

    @classmethod
    def from_networkx(cls, graph: "nx.Graph", *, weight: str = "weight", name: str = "") -> "Graph":
        """Build from a :class:`networkx.Graph` (edge attribute ``weight``, default 1).

        Vertex labels are ``str(node)``, in the graph's node order.
        """
        nodes = list(graph.nodes())
        index = {v: i for i, v in enumerate(nodes)}
        triples = [(index[u], index[v], d.get(weight, 1.0)) for u, v, d in graph.edges(data=True)]
        if not triples:
            raise InputError("the graph has no edges", path=name or None)
        heads, tails, w = zip(*triples)
        try:
            w = np.asarray(w, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"edge attribute '{weight}' must be numeric", path=name or None) from None
        return cls.from_edges(len(nodes), np.asarray(heads), np.asarray(tails), w, labels=[str(v) for v in nodes], name=name)

    # ------------------------------------------------------------- derived
    @property
    def m(self) -> int:
        """Number of (merged) edges."""
        return int(self.edges.shape[0])

    @property
    def total_weight(self) -> float:
        """Sum of all edge weights."""
        return float(np.sum(self.weights))

    @property
    def has_negative_weights(self) -> bool:
        return bool(np.any(self.weights < 0))

    @cached_property
    def adjacency(self) -> sp.csr_matrix:
        """Symmetric weighted adjacency matrix (CSR, float64)."""
        i, j = self.edges[:, 0], self.edges[:, 1]
        a = sp.coo_matrix(
            (np.concatenate([self.weights, self.weights]), (np.concatenate([i, j]), np.concatenate([j, i]))),
            shape=(self.n, self.n),
        )
        return a.tocsr()

    @cached_property
    def degrees(self) -> np.ndarray:
        """Weighted degrees (row sums of the adjacency)."""
        return np.asarray(self.adjacency.sum(axis=1)).ravel()

    @cached_property
    def laplacian(self) -> sp.csr_matrix:
        """Weighted Laplacian ``L = Diag(degrees) - A``; ``cut(x) = x^T L x / 4``."""
        return (sp.diags(self.degrees) - self.adjacency).tocsr()

    def cut_value(self, sides: np.ndarray) -> float:
        """Weight of the edges whose endpoints lie on different sides.

        Parameters
        ----------
        sides : array of shape (n,)
            Any two-valued labelling: 0/1, +-1 or booleans.
        """
        s = np.asarray(sides)
        if s.shape != (self.n,):
            raise InputError(f"an assignment needs one side per vertex ({self.n}), got shape {s.shape}")
        s = s > 0 if s.dtype != bool else s
        crossing = s[self.edges[:, 0]] != s[self.edges[:, 1]]
        return float(np.sum(self.weights[crossing]))

    def __repr__(self) -> str:
        return f"Graph(name={self.name!r}, n={self.n}, m={self.m}, total_weight={self.total_weight:g})"


def merge_pairs(n: int, heads: np.ndarray, tails: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unordered pair once, ``(k, 2)`` with ``i < j`` in sorted order, its weights added up."""
    lo, hi = np.minimum(heads, tails), np.maximum(heads, tails)
    key, inverse = np.unique(lo * max(n, 1) + hi, return_inverse=True)
    summed = np.zeros(key.size)
    np.add.at(summed, inverse, weights)
    return np.stack([key // max(n, 1), key % max(n, 1)], axis=1).astype(np.int64).reshape(-1, 2), summed


def check_labels(n: int, labels: Sequence[str] | None, what: str, where: str | None) -> tuple[str, ...]:
    """``n`` labels as strings (``0 .. n-1`` when None); a wrong count or a repeated label is an InputError."""
    if labels is None:
        return tuple(str(i) for i in range(n))
    labels = tuple(str(x) for x in labels)
    if len(labels) != n:
        raise InputError(f"expected {n} {what} labels, got {len(labels)}", path=where)
    if len(set(labels)) != n:
        raise InputError(f"{what} labels must be distinct", path=where)
    return labels
