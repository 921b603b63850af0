"""The MAX-CUT SDP by Burer-Monteiro factorization.

maximize (1/4) <L, X>  subject to diag(X) = 1, X PSD,  with X = V V^T,
V in R^(n x p) with unit rows (an oblique manifold). Riemannian gradient
ascent with Barzilai-Borwein step sizes and a non-monotone backtracking
line search: one sparse product L V per iteration, O(m p), never an n x n
matrix. (The mixing method's coordinate sweeps were measured too: as fast on
random graphs, several times slower on toroidal grids.)

References
----------
.. [1] S. Burer and R. D. C. Monteiro, "A nonlinear programming algorithm for
   solving semidefinite programs via low-rank factorization", Math. Program.
   95 (2003).
.. [2] J. Barzilai and J. M. Borwein, "Two-point step size gradient methods",
   IMA J. Numer. Anal. 8 (1988); Z. Wen and W. Yin, "A feasible method for
   optimization with orthogonality constraints", Math. Program. 142 (2013).
.. [3] N. Boumal, V. Voroninski, A. S. Bandeira, "Deterministic guarantees for
   Burer-Monteiro factorizations of smooth semidefinite programs", CPAM 73
   (2020): rank p with p(p+1)/2 > n suffices for almost every cost.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import DerandWarning, check_integer, check_option
from ..graph import Graph

__all__ = ["SDPResult", "LaplacianRows", "default_rank", "burer_monteiro", "burer_monteiro_rows", "sdp_value"]


@dataclass(frozen=True)
class SDPResult:
    """A feasible point of the MAX-CUT SDP and how well it is optimized.

    Attributes
    ----------
    V : numpy.ndarray
        ``(n, rank)`` float64, unit rows; X = V V^T is SDP-feasible.
    value : float
        Primal value (1/4) <L, V V^T> (a lower bound on the SDP optimum).
    rank : int
    iterations : int
    rel_grad_norm : float
        ||Riemannian gradient||_F / ||Euclidean gradient||_F at V.
    status, message : str
        ``converged``, ``max_iters``, ``time_limit`` or ``interrupted``.
    seconds : float
    """

    V: np.ndarray
    value: float
    rank: int
    iterations: int
    rel_grad_norm: float
    status: str
    message: str
    seconds: float

    @property
    def success(self) -> bool:
        return self.status == "converged"

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "rank": self.rank,
            "iterations": self.iterations,
            "rel_grad_norm": self.rel_grad_norm,
            "status": self.status,
            "message": self.message,
            "seconds": self.seconds,
        }


def default_rank(n: int) -> int:
    """ceil(sqrt(2n)) + 1, above the Barvinok-Pataki bound p(p+1)/2 > n."""
    return int(math.ceil(math.sqrt(2 * n))) + 1


#: Above this many vertices the rank starts at START_RANK and doubles while the
#: bound is looser than RANK_GAP relative to the SDP value (judged on one
#: process by a short eigensolver estimate, on a sharded run by its verified
#: bound): optima of sparse MAX-CUT SDPs have low rank in practice, and the
#: O(m p) iterations get p/16 times cheaper.
ADAPTIVE_RANK_ABOVE = 3000
#: From 500 vertices, graphs of average degree at most SPARSE_DEGREE start at
#: START_RANK too; 12 takes in Gset's planar-like graphs (average degree
#: 11.7-11.8), whose SDP is five times faster at rank 32 than at full rank
#: for a bound 0.07 % looser (measured on G39).
SPARSE_DEGREE = 12
START_RANK = 16
RANK_GAP = 1e-4
#: Default stopping tolerance on the relative Riemannian gradient. Any V gives
#: a valid bound; a looser tolerance only makes it (and the vectors) worse.
#: At 1e-4 the bound is within about 1e-4 of itself at convergence, far inside
#: the 4-10 % between the cut and the bound on Gset, for a third fewer iterations.
SDP_TOL = 1e-4
#: The tolerance floor in float32.
FLOAT32_TOL = 1e-3


def sdp_value(graph: Graph, V: np.ndarray) -> float:
    """(1/4) <L, V V^T> for any V (rows need not be unit), in float64."""
    V = np.asarray(V, dtype=np.float64)
    return float(0.25 * np.sum((graph.laplacian @ V) * V))


def _csr_tensor(a: sp.csr_matrix, device, dtype) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.sparse_csr_tensor(
            torch.as_tensor(a.indptr, dtype=torch.int64),
            torch.as_tensor(a.indices, dtype=torch.int64),
            torch.as_tensor(a.data),
            size=a.shape,
        ).to(device=device, dtype=dtype)


class LaplacianRows:
    """The rows of the Laplacian that one process owns, and sums over all processes.

    :func:`burer_monteiro_rows` touches L only through this object, so the
    same iteration runs on one process (this class: every row, sums are
    local) or with the rows sharded over a process group
    (:class:`solver.distributed.sdp.ShardedLaplacianRows`: ghost rows
    exchanged in :meth:`matmul`, sums all-reduced).
    """

    def __init__(self, graph: Graph, device: torch.device, dtype: torch.dtype):
        self.graph = graph
        self.n = graph.n
        self.L = _csr_tensor(graph.laplacian, device, dtype)

    def max_abs_degree(self) -> float:
        return float(np.abs(self.graph.degrees).max())

    def matmul(self, X: torch.Tensor) -> torch.Tensor:
        """(L X) on the owned rows, X holding the owned rows of the factor."""
        return self.L @ X

    def reduce(self, sums: Sequence[torch.Tensor] = (), norms: Sequence[torch.Tensor] = ()) -> list[float]:
        """Sums over all processes of per-process scalars ``sums``, then the Frobenius
        norms of the factor-shaped matrices whose owned rows are ``norms`` (one
        collective for all of them on a process group)."""
        return [float(t) for t in sums] + [float(X.norm()) for X in norms]

    def past(self, deadline: float) -> bool:
        """Whether the deadline has passed (on any process)."""
        return time.monotonic() > deadline

    def owned(self, A: torch.Tensor) -> torch.Tensor:
        """The owned rows of a full ``(n, q)`` matrix."""
        return A

    def gather(self, X: torch.Tensor) -> np.ndarray:
        """The full factor, float64 on the CPU, from the owned rows ``X``."""
        return X.detach().to(device="cpu", dtype=torch.float64).numpy()

    def value(self, V: np.ndarray) -> float:
        """(1/4) <L, V V^T> of the full factor ``V``, float64."""
        return sdp_value(self.graph, V)


def burer_monteiro(
    graph: Graph,
    *,
    rank: int | None = None,
    tol: float = SDP_TOL,
    max_iters: int = 20000,
    seed: int | torch.Generator | None = 0,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float64,
    deadline: float | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    check_every: int = 10,
    init: np.ndarray | None = None,
) -> SDPResult:
    """Solve the MAX-CUT SDP in factored form.

    Pseudocode::

        V = random unit rows;  G = rgrad f(V),  f(V) = (1/4) <L, V V^T>
        repeat:
            t = BB step (|<S, S>| / |<S, Y>|, from the last move S and gradient change Y)
            backtrack t until f(retract(V + t G)) >= max(last 10 f) + 1e-4 t ||G||^2
            V = retract(V + t G)           # retract: normalize rows
            stop when ||rgrad|| <= tol ||egrad||

    Parameters
    ----------
    graph : Graph
    rank : int, optional
        Columns of V; default :func:`default_rank`.
    tol : float
        Relative Riemannian gradient tolerance.
    max_iters : int
    seed, device, dtype
        The usual conventions (:mod:`solver.core.device`).
    deadline : float, optional
        :func:`time.monotonic` time to stop at; V is feasible at any time.
    progress : callable, optional
        ``progress(iteration, max_iters, value)``.
    init : array (n, q), optional
        Warm start (q <= rank): its columns come first, the rest are small
        random columns, rows renormalized.

    Returns
    -------
    SDPResult
        Always float64 on the CPU, whatever the working dtype and device.
    """
    device = torch.device(device)
    rank = default_rank(graph.n) if rank is None else rank
    check_integer("rank", rank, minimum=1)
    return burer_monteiro_rows(LaplacianRows(graph, device, dtype), rank=rank, tol=tol, max_iters=max_iters, seed=seed,
                               device=device, dtype=dtype, deadline=deadline, progress=progress,
                               check_every=check_every, init=init)


def burer_monteiro_rows(
    rows: LaplacianRows,
    *,
    rank: int,
    tol: float = SDP_TOL,
    max_iters: int = 20000,
    seed: int | torch.Generator | None = 0,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float64,
    deadline: float | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    check_every: int = 10,
    init: np.ndarray | None = None,
) -> SDPResult:
    """:func:`burer_monteiro` on the rows of L that ``rows`` owns (all of them on one process).

    Every process of a group calls this with the same arguments and its own
    ``rows``; the iteration is the same, with the reductions (values, norms,
    the Barzilai-Borwein inner products, the deadline) taken over the group.
    The random start is drawn in full from ``seed`` and each process keeps
    its rows, so the start is the one a single process draws.
    """
    start = time.monotonic()
    n = rows.n
    check_option(tol > 0, "tol", "a positive number", tol)
    if dtype == torch.float32:
        # float32 rounding puts a floor near 1e-4 under the relative gradient
        # (G22 at 3e-5 ran to max_iters); the bound is float64 whatever V is.
        tol = max(tol, FLOAT32_TOL)
    device = torch.device(device)
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator(device=device).manual_seed(int(seed or 0))
    tiny = torch.finfo(dtype).tiny ** 0.5

    def retract(X: torch.Tensor) -> torch.Tensor:
        return X / torch.clamp(X.norm(dim=1, keepdim=True), min=tiny)

    bundle = getattr(rows, "bundle_products", False)

    def products(X: torch.Tensor, rgrad: torch.Tensor, base: tuple[torch.Tensor, torch.Tensor]) -> list:
        S, Y = X - base[0], rgrad - base[1]
        return [(S * Y).sum(), (S * S).sum()]

    def evaluate(X: torch.Tensor, base: tuple[torch.Tensor, torch.Tensor] | None = None):
        """f(X), rgrad, ||egrad||, ||rgrad||^2, ||rgrad|| and, from ``base`` = (V, G), the
        Barzilai-Borwein products <S, Y>, <S, S>: all in one reduction (one
        collective per trial point on a process group). On one process the
        products wait until a trial point is accepted (the line search
        rejects about one trial per step: computing them for every trial made
        G81's SDP twice as slow)."""
        egrad = 0.5 * rows.matmul(X)
        dots = (egrad * X).sum(dim=1, keepdim=True)
        rgrad = egrad - dots * X
        sums = [dots.sum(), (rgrad * rgrad).sum()]
        if base is not None and bundle:
            sums += products(X, rgrad, base)
        inner, gg, *bb, enorm = rows.reduce(sums, [egrad])
        return 0.5 * inner, rgrad, max(enorm, tiny), gg, math.sqrt(max(gg, 0.0)), bb

    V = rows.owned(torch.randn((n, rank), generator=gen, device=device, dtype=dtype))
    if init is not None:
        # New columns large enough that the padded factor is no longer the
        # (saddle) critical point it was at the lower rank.
        q = min(rank, init.shape[1])
        V = 0.1 * V
        V[:, :q] = rows.owned(torch.as_tensor(np.asarray(init)[:, :q], device=device, dtype=dtype))
    V = retract(V)
    f, G, enorm, gg, gnorm, _ = evaluate(V)
    # Where the optimum has L V = 0 (every weight negative: a ferromagnet) the
    # Euclidean gradient vanishes with the Riemannian one and their ratio
    # stays near 1; measured against a millionth of the start's instead, such
    # a run converges, while any other keeps its gradient far above that.
    floor = 1e-6 * enorm
    recent = [f]
    step = 1.0 / max(rows.max_abs_degree(), tiny)
    rel = gnorm / max(enorm, floor)
    status, message = "max_iters", f"reached {max_iters} iterations before the gradient tolerance {tol:g}"
    it = 0
    try:
        while it < max_iters:
            if rel <= tol:
                status, message = "converged", f"relative gradient {rel:.2e} <= {tol:g} after {it} iterations"
                break
            reference = max(recent[-10:])
            for _ in range(60):
                V_new = retract(V + step * G)
                f_new, G_new, enorm, gg_new, gnorm, bb = evaluate(V_new, (V, G))
                if f_new >= reference + 1e-4 * step * gg:
                    break
                step *= 0.5
            sy, ss = bb if bundle else rows.reduce(products(V_new, G_new, (V, G)))
            sy = abs(sy)
            if sy > 0:
                step = ss / sy
            V, G, f, gg = V_new, G_new, f_new, gg_new
            recent.append(f)
            rel = gnorm / max(enorm, floor)
            it += 1
            if it % check_every == 0 and progress is not None:
                progress(it, max_iters, f)
            # every iteration: on 10^7 edges one takes seconds
            if deadline is not None and rows.past(deadline):
                status, message = "time_limit", f"stopped by the time limit after {it} iterations"
                break
    except KeyboardInterrupt:
        status, message = "interrupted", f"interrupted after {it} iterations"
    Vn = rows.gather(V)
    Vn = Vn / np.linalg.norm(Vn, axis=1, keepdims=True)
    if status != "converged":
        # stacklevel 3: past burer_monteiro (or the sharded engine) to the code that asked for the SDP
        warnings.warn(f"SDP: {message}; the bound stays valid but may be loose", DerandWarning, stacklevel=3)
    return SDPResult(Vn, rows.value(Vn), rank, it, rel, status, message, time.monotonic() - start)
