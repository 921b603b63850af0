"""The dual bound with the eigensolver's products sharded; the verification exactly as on one process.

Each rank computes its entries of the dual vector, y_i = (1/4)(L V V^T)_ii
for its own rows (bit for bit the single-process values: the same row
products), and rank 0 gathers y. Rank 0 then runs
:func:`~solver.maxcut.bound.dual_upper_bound` itself, with two differences
only: y is the gathered one, and the LOBPCG estimates (the rough bracket of
the sparse-LDL^T path, and the whole estimate of graphs whose factorization
does not fit) apply S = Diag(y) - L/4 through :class:`ShardedDualOperator`,
whose product every rank computes for its rows. The verifications (dense
Cholesky, sparse LDL^T inertia, Gershgorin) run on rank 0 on S itself, which
it holds because it read the graph; so ``method`` and ``verified`` mean what
they mean on one process, and the bound is exactly as valid.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from ..errors import DistributedError
from ..graph import Graph
from ..maxcut.bound import BoundResult, EigenGuess, dual_upper_bound, estimated_upper_bound
from .group import ProcessGroup
from .partition import GraphShard

__all__ = ["ShardedDualOperator", "sharded_dual_upper_bound", "sharded_estimated_upper_bound", "on_root"]


class ShardedDualOperator(spla.LinearOperator):
    """X -> S X for S = Diag(y) - L/4, every rank computing its rows.

    Rank 0 drives (it is the one inside the eigensolver): each product
    broadcasts the block X, every rank multiplies its rows, an all-gather
    assembles S X. The other ranks sit in :meth:`serve` until rank 0 calls
    :meth:`stop`.
    """

    def __init__(self, shard: GraphShard, group: ProcessGroup, y_local: np.ndarray):
        n_own = shard.hi - shard.lo
        diag = sp.csr_matrix((np.asarray(y_local, dtype=np.float64), (np.arange(n_own), np.arange(n_own))),
                             shape=shard.rows.shape)
        self.rows = (diag - 0.25 * shard.rows).tocsr()
        self.columns = shard.columns
        self.group = group
        self.counts = shard.partition.counts
        self.products = 0
        super().__init__(dtype=np.float64, shape=(shard.n, shard.n))

    def _command(self, k: int) -> int:
        return int(self.group.broadcast_tensor(torch.tensor([k], dtype=torch.int64))[0])

    def _apply(self, X: np.ndarray) -> np.ndarray:
        X = self.group.broadcast_tensor(torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64))).numpy()
        self.products += 1
        return self.group.all_gather_array(self.rows @ X[self.columns], self.counts)

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64).reshape(self.shape[0], -1)
        self._command(X.shape[1])
        return self._apply(X)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._matmat(np.asarray(x).reshape(-1, 1)).ravel()

    def _adjoint(self) -> "ShardedDualOperator":
        return self  # symmetric

    def stop(self) -> None:
        """Rank 0: release the serving ranks."""
        self._command(0)

    def serve(self) -> None:
        """Ranks other than 0: compute products until rank 0 stops."""
        n = self.shape[0]
        while (k := self._command(0)) > 0:
            self._apply(np.zeros((n, k)))


def on_root(group: ProcessGroup, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on rank 0, its result on every rank; its errors raised on every rank."""
    outcome, error = None, None
    if group.is_root:
        try:
            outcome = ("ok", fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - re-raised below, on every rank
            outcome, error = ("error", str(exc)), exc
    kind, value = group.broadcast_object(outcome)
    if kind == "error":
        if error is not None:
            raise error
        raise DistributedError(f"rank 0 failed: {value}")
    return value


def sharded_estimated_upper_bound(shard: GraphShard, group: ProcessGroup, V: np.ndarray, *, seed: int = 0,
                                  graph: Graph | None = None) -> tuple[float, EigenGuess | None]:
    """:func:`~solver.maxcut.bound.estimated_upper_bound` for a sharded graph (every rank calls it).

    The estimate that decides a rank doubling, made as on one process (the
    same LOBPCG run, its products through :class:`ShardedDualOperator`), so a
    sharded run doubles the rank exactly when a single process would. Returns
    the estimate on every rank, and on rank 0 the LOBPCG guess for
    :func:`sharded_dual_upper_bound` to go on from (``None`` elsewhere).
    """
    V = np.asarray(V, dtype=np.float64)
    y, operator = _dual_and_operator(shard, group, V)
    kept: dict = {}

    def estimate():
        try:
            value, _, kept["guess"] = estimated_upper_bound(graph, V, seed=seed, dual=y, operator=operator)
            return value
        finally:
            operator.stop()

    if not group.is_root:
        operator.serve()
    return on_root(group, estimate), kept.get("guess")


def _dual_and_operator(shard: GraphShard, group: ProcessGroup, V: np.ndarray):
    y_local = 0.25 * np.sum((shard.rows @ V[shard.columns]) * V[shard.lo:shard.hi], axis=1)
    y = group.all_gather_array(y_local, shard.partition.counts)
    return y, ShardedDualOperator(shard, group, y_local)


def sharded_dual_upper_bound(shard: GraphShard, group: ProcessGroup, V: np.ndarray, *, seed: int = 0,
                             graph: Graph | None = None, deadline: float | None = None,
                             eig_guess: EigenGuess | None = None) -> BoundResult:
    """:func:`~solver.maxcut.bound.dual_upper_bound` for a sharded graph (every rank calls it).

    Parameters
    ----------
    shard : GraphShard
        This rank's rows.
    group : ProcessGroup
    V : array (n, p)
        The whole factor (every rank holds it after the SDP).
    seed : int
    graph : Graph
        The whole graph, on rank 0 (ignored elsewhere).
    deadline : float, optional
        As in :func:`~solver.maxcut.bound.dual_upper_bound` (rank 0's clock decides).
    eig_guess : EigenGuess, optional
        Rank 0's guess from :func:`sharded_estimated_upper_bound` for this V.

    Returns
    -------
    BoundResult
        The same on every rank.
    """
    V = np.asarray(V, dtype=np.float64)
    y, operator = _dual_and_operator(shard, group, V)

    def certify():
        try:
            return dual_upper_bound(graph, V, seed=seed, dual=y, operator=operator, deadline=deadline,
                                    eig_guess=eig_guess)
        finally:
            operator.stop()

    if not group.is_root:
        operator.serve()
    return on_root(group, certify)
