"""Goemans-Williamson: random-hyperplane rounding of given SDP vectors, and the textbook SDP by cvxpy."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import DerandError, check_option
from ..graph import Graph

__all__ = ["HyperplaneResult", "hyperplane_rounding", "best_of_sampled_cuts", "gw_expected_value",
           "CvxpySDPResult", "cvxpy_available", "cvxpy_sdp"]


@dataclass(frozen=True)
class HyperplaneResult:
    """Best and mean cut over independent random cuts (hyperplanes, or coin flips)."""

    sides: np.ndarray
    best_cut: float
    mean_cut: float
    trials: int
    cuts: np.ndarray

    def to_dict(self) -> dict:
        return {"best_cut": self.best_cut, "mean_cut": self.mean_cut, "trials": self.trials}


def best_of_sampled_cuts(graph: Graph, sample: Callable[[int], np.ndarray], *, trials: int, batch: int = 256,
                         deadline: float | None = None) -> HyperplaneResult:
    """Evaluate ``trials`` cuts drawn ``batch`` at a time by ``sample(b) -> (n, b)`` +-1 array; keep the best.

    Each batch is one sparse product: cut(x) = x^T L x / 4. No batch is
    started after ``deadline`` (the first always runs); ``trials`` in the
    result is the number actually evaluated.
    """
    L = graph.laplacian
    cuts = np.empty(trials)
    best, best_sides = -np.inf, None
    done = 0
    while done < trials:
        if done and deadline is not None and time.monotonic() > deadline:
            break
        b = min(batch, trials - done)
        X = sample(b)
        c = 0.25 * np.sum((L @ X) * X, axis=0)
        cuts[done:done + b] = c
        k = int(np.argmax(c))
        if c[k] > best:
            best, best_sides = float(c[k]), X[:, k] > 0
        done += b
    cuts = cuts[:done]
    return HyperplaneResult(best_sides, best, float(cuts.mean()), done, cuts)


def hyperplane_rounding(graph: Graph, V: np.ndarray, *, trials: int = 1000, seed: int = 0,
                        batch: int = 256, deadline: float | None = None) -> HyperplaneResult:
    """Round the rows of ``V`` by ``trials`` random hyperplanes: x = sign(V r), r ~ N(0, I).

    The textbook Goemans-Williamson algorithm; its expected cut is
    sum w_ij arccos(<v_i, v_j>) / pi >= 0.878 SDP for non-negative weights
    (:func:`gw_expected_value`). With ``deadline`` (a :func:`time.monotonic`
    time) no batch starts after it and ``trials`` in the result says how many ran.
    """
    rng = np.random.default_rng(seed)
    V = np.asarray(V, dtype=np.float64)
    return best_of_sampled_cuts(graph, lambda b: np.where(V @ rng.standard_normal((V.shape[1], b)) >= 0, 1.0, -1.0),
                                trials=trials, batch=batch, deadline=deadline)


def gw_expected_value(graph: Graph, V: np.ndarray) -> float:
    """Expected cut of a random hyperplane on the rows of V: sum w_ij arccos(rho_ij) / pi.

    rho_ij = <v_i, v_j> / (||v_i|| ||v_j||); exact (no sampling), float64.
    """
    V = np.asarray(V, dtype=np.float64)
    norms = np.maximum(np.linalg.norm(V, axis=1), 1e-300)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    rho = np.clip(np.einsum("ij,ij->i", V[i], V[j]) / (norms[i] * norms[j]), -1.0, 1.0)
    return float(np.dot(graph.weights, np.arccos(rho)) / math.pi)


@dataclass(frozen=True)
class CvxpySDPResult:
    """The Goemans-Williamson SDP solved by a generic conic solver through cvxpy.

    ``V`` (n x r) factors the solution X = V V^T (eigenvalues clipped at 0,
    rows renormalized to unit length); ``value`` is the solver's optimal value
    (not a certified bound: it is only as accurate as the solver's tolerance).
    """

    V: np.ndarray
    value: float
    solver: str
    status: str
    iterations: int | None
    seconds: float

    def to_dict(self) -> dict:
        return {"value": self.value, "solver": self.solver, "status": self.status,
                "iterations": self.iterations, "seconds": self.seconds}


def cvxpy_available() -> bool:
    """Whether the optional ``gw`` extra (cvxpy) is importable."""
    try:
        import cvxpy  # noqa: F401
    except ImportError:
        return False
    return True


def cvxpy_sdp(graph: Graph, *, solver: str = "SCS", eps: float = 1e-3,
              time_limit: float | None = None) -> CvxpySDPResult:
    """Solve max 1/4 <L, X> s.t. diag(X) = 1, X PSD with cvxpy (the textbook GW relaxation).

    A dense n x n PSD variable: memory O(n^2), a conic solver step O(n^3).
    Use only on small graphs; :func:`solver.maxcut.burer_monteiro` is the scalable route.

    Parameters
    ----------
    graph : Graph
    solver : {"SCS", "CLARABEL"}
        SCS (first-order, default) or Clarabel (interior point; exact but slow above ~100 vertices).
    eps : float
        SCS's absolute and relative tolerance. 1e-3 moves the SDP value by about
        0.1 % and the rounding not at all; SCS's own default 1e-4 takes tens of times longer.
    time_limit : float, optional
        Seconds handed to the solver; a solution stopped there is still rounded.

    Raises
    ------
    DerandError
        If cvxpy is missing (install the ``gw`` extra) or the solver fails.
    """
    try:
        import cvxpy as cp
    except ImportError:
        raise DerandError("gw-cvxpy needs cvxpy: pip install 'derand[gw]'") from None
    solver = solver.upper()
    check_option(solver in ("SCS", "CLARABEL"), "solver", "'SCS' or 'CLARABEL'", solver)
    check_option(eps > 0, "eps", "a positive number", eps)
    start = time.monotonic()
    n = graph.n
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    X = cp.Variable((n, n), PSD=True)
    # sum over edges of w (1 - X_ij) / 2 == <L, X> / 4 when diag(X) = 1; indexing by
    # edges keeps the canonicalization O(m) (a sparse L @ X expression is O(n^3)).
    objective = cp.Maximize(0.5 * cp.sum(cp.multiply(graph.weights, 1 - X[i, j])))
    problem = cp.Problem(objective, [cp.diag(X) == 1])
    opts: dict = {}
    if solver == "SCS":
        opts = {"eps_abs": eps, "eps_rel": eps}
        if time_limit is not None:
            opts["time_limit_secs"] = float(time_limit)
    elif time_limit is not None:
        opts["time_limit"] = float(time_limit)
    try:
        problem.solve(solver=solver, **opts)
    except cp.error.SolverError as exc:
        raise DerandError(f"cvxpy/{solver} failed: {exc}") from None
    if X.value is None:
        raise DerandError(f"cvxpy/{solver} returned no solution (status {problem.status})")
    lam, U = np.linalg.eigh((X.value + X.value.T) / 2)
    keep = lam > 1e-9 * max(lam.max(), 1e-300)
    V = U[:, keep] * np.sqrt(lam[keep])
    V /= np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-300)
    stats = problem.solver_stats
    return CvxpySDPResult(V, float(problem.value), solver, str(problem.status),
                          None if stats is None else stats.num_iters, time.monotonic() - start)
