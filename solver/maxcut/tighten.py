"""A tighter MAX-CUT bound: the SDP over the elliptope and the metric polytope.

The relaxation (Barahona, Mahjoub; Helmberg, Rendl; Rendl, Rinaldi, Wiegele)::

    max <L/4, X>   s.t.  diag X = 1,  X PSD,
                         1 + a X_ij + b X_ik + c X_jk >= 0   for all i < j < k,
                         (a, b, c) in {(1,1,1), (1,-1,-1), (-1,1,-1), (-1,-1,1)}.

Every cut x in {-1, 1}^n meets the triangle inequalities (``x x^T`` is a
feasible X). Write B_t for the symmetric matrix with a/2, b/2, c/2 at the
triple's three pairs, so that x^T B_t x = a x_i x_j + b x_i x_k + c x_j x_k.
For any multipliers gamma >= 0 and any y with Diag(y) - C(gamma) PSD, where
C(gamma) = L/4 + sum_t gamma_t B_t::

    cut(x) <= cut(x) + sum_t gamma_t (1 + x^T B_t x)
            = sum(gamma) + x^T C(gamma) x  <=  sum(gamma) + sum(y).

So the bound is valid for *every* gamma >= 0: optimization only tightens it,
and the proof is the same dense Cholesky check that verifies the basic SDP
bound (:func:`~solver.maxcut.bound.verified_psd_shift`), applied to
Diag(y) - C(gamma), plus a bound on the rounding of C(gamma) itself.

The multipliers come from an augmented Lagrangian on the Burer-Monteiro
factor X = V V^T (rows of V on the unit sphere): for fixed gamma and penalty
rho, maximize over V::

    <L/4, V V^T> - (1 / 2 rho) sum_t (max(0, gamma_t - rho h_t(V))^2 - gamma_t^2),

h_t(V) = 1 + <B_t, V V^T>, then gamma_t <- max(0, gamma_t - rho h_t(V)). Its
gradient in V is 2 C(theta) V with theta the updated multipliers, so at an
inner optimum V also solves the elliptope SDP of the cost C(theta), and
y_i = (C(theta) V V^T)_ii is the matching dual vector. Violated triangles
are separated from V V^T (all triples, compiled), the most violated kept in a
working set, inactive ones dropped.

References
----------
.. [1] F. Rendl, G. Rinaldi, A. Wiegele, "Solving Max-Cut to optimality by
   intersecting semidefinite and polyhedral relaxations", Math. Program. 121
   (2010) (BiqMac).
.. [2] N. Krislock, J. Malick, F. Roupin, "Improved semidefinite bounding
   procedure for solving Max-Cut problems to optimality", Math. Program. 143
   (2014) (BiqCrunch).
.. [3] S. Burer, R. D. C. Monteiro, "A nonlinear programming algorithm for
   solving semidefinite programs via low-rank factorization", Math.
   Program. 95 (2003).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import torch

from ..core.device import thread_budget
from ..core.jit import jit
from ..errors import OptionError
from ..graph import Graph
from .bound import verified_psd_shift

__all__ = ["TIGHTEN_LIMIT", "TightenedBound", "TriangleCuts", "dense_weights", "separate_triangles",
           "tightened_upper_bound", "triangle_bound"]

#: Largest graph the tightening takes: it works on dense n x n matrices
#: (X = V V^T, the cost, its Cholesky factor) and separates over all triples.
TIGHTEN_LIMIT = 3000

#: Sign patterns (a, b, c) of the four triangle inequalities of a triple.
_SIGNS = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
_U = np.finfo(np.float64).eps / 2
INNER_ITERS = 300
ALM_STEPS = 3
RHO = 2.0
RHO_STEP = 0.5
RHO_MAX = 16.0
VIOLATION_TOL = 1e-4


@dataclass(frozen=True)
class TriangleCuts:
    """A working set of triangle inequalities with their multipliers.

    Triple ``(i[t], j[t], k[t])``, ``i < j < k``, sign pattern ``kind[t]``
    (a row of the four patterns (1,1,1), (1,-1,-1), (-1,1,-1), (-1,-1,1)),
    multiplier ``gamma[t] >= 0``.
    """

    i: np.ndarray
    j: np.ndarray
    k: np.ndarray
    kind: np.ndarray
    gamma: np.ndarray

    @classmethod
    def empty(cls) -> "TriangleCuts":
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, np.zeros(0))

    def __len__(self) -> int:
        return len(self.gamma)

    def keys(self, n: int) -> np.ndarray:
        return ((self.i * n + self.j) * n + self.k) * 4 + self.kind

    def take(self, mask: np.ndarray) -> "TriangleCuts":
        return TriangleCuts(self.i[mask], self.j[mask], self.k[mask], self.kind[mask], self.gamma[mask])

    def joined(self, other: "TriangleCuts") -> "TriangleCuts":
        return TriangleCuts(*(np.concatenate([a, b]) for a, b in
                              zip((self.i, self.j, self.k, self.kind, self.gamma),
                                  (other.i, other.j, other.k, other.kind, other.gamma))))

    def contracted(self, drop: int, into: int) -> "TriangleCuts":
        """The cuts on the graph where vertex ``drop`` was merged into ``into``: those not touching ``drop``,
        renumbered (the vertices above ``drop`` move down by one)."""
        keep = (self.i != drop) & (self.j != drop) & (self.k != drop)
        c = self.take(keep)

        def shift(a):
            return a - (a > drop)
        return TriangleCuts(shift(c.i), shift(c.j), shift(c.k), c.kind, c.gamma)

    def pairs(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices into an n x n matrix (both triangles) and the coefficient of each, per cut:
        arrays of shape (6, T)."""
        a = _SIGNS[self.kind]
        flat = np.stack([self.i * n + self.j, self.j * n + self.i, self.i * n + self.k, self.k * n + self.i,
                         self.j * n + self.k, self.k * n + self.j])
        coef = 0.5 * np.stack([a[:, 0], a[:, 0], a[:, 1], a[:, 1], a[:, 2], a[:, 2]])
        return flat, coef

    def to_dict(self) -> dict:
        return {"count": len(self), "active": int(np.sum(self.gamma > 0))}


@dataclass(frozen=True)
class TightenedBound:
    """The triangle-tightened upper bound and how it was reached.

    Attributes
    ----------
    upper_bound : float
        sum(gamma) + sum(y) + n * shift, with the shift verified: an upper
        bound on every cut of the graph (plus ``offset``).
    start_bound : float
        The bound it started from (the basic SDP bound, when given).
    cuts : TriangleCuts
        The working set at the end, with its multipliers (for a warm start).
    V : numpy.ndarray
        The last Burer-Monteiro factor (unit rows).
    rounds, separated : int
        Separation rounds, and triangles added over all of them.
    shift, margin : float
        The verified eigenvalue shift, and the rounding margin inside it.
    seconds : float
    stop : str
        ``converged`` (the round budget), ``no_violation`` (no triangle is
        violated and the bound stopped moving), ``target`` (below the
        caller's target: a node can be pruned), ``stalled``, ``time_limit``
        or ``interrupted`` (Ctrl-C: the best verified bound by then).
    """

    upper_bound: float
    start_bound: float
    cuts: TriangleCuts
    V: np.ndarray
    rounds: int
    separated: int
    shift: float
    margin: float
    seconds: float
    stop: str
    history: tuple[float, ...] = field(default=())

    def to_dict(self, cut_value: float | None = None) -> dict:
        gap0 = None if cut_value is None else self.start_bound - cut_value
        closed = None
        if gap0 is not None and gap0 > 0:
            closed = (self.start_bound - self.upper_bound) / gap0
        return {
            "upper_bound": self.upper_bound,
            "start_bound": self.start_bound,
            "gap_closed": closed,
            "cuts": len(self.cuts),
            "active_cuts": int(np.sum(self.cuts.gamma > 0)),
            "separated": self.separated,
            "rounds": self.rounds,
            "rank": int(self.V.shape[1]),
            "shift": self.shift,
            "rounding_margin": self.margin,
            "method": "triangle-lagrangian+dense-cholesky",
            "verified": True,
            "statement": "cut <= sum(gamma) + sum(y) + n*shift, gamma >= 0, Diag(y) - L/4 - sum gamma_t B_t + "
                         "shift*I PSD (Cholesky with rounding margin)",
            "seconds": self.seconds,
            "stop": self.stop,
        }


def dense_weights(graph: Graph) -> np.ndarray:
    """The symmetric n x n weight matrix of ``graph`` (zero diagonal)."""
    W = np.zeros((graph.n, graph.n))
    if graph.m:
        np.add.at(W, (graph.edges[:, 0], graph.edges[:, 1]), graph.weights)
        W = W + W.T
    return W


def _mm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A @ B on torch's threads: numpy's BLAS would start its own pool, which on small matrices beside a busy
    core costs more than it saves."""
    return (torch.from_numpy(np.ascontiguousarray(A)) @ torch.from_numpy(np.ascontiguousarray(B))).numpy()


def _quarter_laplacian(W: np.ndarray) -> np.ndarray:
    Q = -0.25 * W
    Q[np.diag_indices_from(Q)] = 0.25 * W.sum(axis=1)
    return Q


# --------------------------------------------------------------- separation
@jit
def _triangle_scan(X, tol, thresholds, counts, cap, out_i, out_j, out_k, out_t, out_v, collect_above):
    """One pass over all triples i < j < k: per triple the most violated of its four inequalities
    (at most one can be violated when |X| <= 1). Counts violations above each threshold and, when
    ``collect_above`` >= 0, stores those above it (up to ``cap``). Returns the number stored."""
    n = X.shape[0]
    nt = thresholds.shape[0]
    stored = 0
    for i in range(n):
        for j in range(i + 1, n):
            xij = X[i, j]
            for k in range(j + 1, n):
                xik = X[i, k]
                xjk = X[j, k]
                h0 = 1.0 + xij + xik + xjk
                h1 = 1.0 + xij - xik - xjk
                h2 = 1.0 - xij + xik - xjk
                h3 = 1.0 - xij - xik + xjk
                h = h0
                t = 0
                if h1 < h:
                    h = h1
                    t = 1
                if h2 < h:
                    h = h2
                    t = 2
                if h3 < h:
                    h = h3
                    t = 3
                v = -h
                if v <= tol:
                    continue
                for b in range(nt):
                    if v > thresholds[b]:
                        counts[b] += 1
                    else:
                        break
                if collect_above >= 0.0 and v > collect_above and stored < cap:
                    out_i[stored] = i
                    out_j[stored] = j
                    out_k[stored] = k
                    out_t[stored] = t
                    out_v[stored] = v
                    stored += 1
    return stored


def separate_triangles(X: np.ndarray, count: int, *, tol: float = 1e-4) -> tuple[TriangleCuts, np.ndarray]:
    """The ``count`` most violated triangle inequalities of X (violation > ``tol``), most violated first.

    Two compiled passes over the n^3/6 triples: the first counts violations
    above a ladder of thresholds, the second stores those above the one that
    keeps at most about 4 ``count`` (then sorted), so memory stays O(count).
    Returns the cuts (gamma = 0) and their violations.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    thresholds = tol * np.geomspace(1.0, 2.0 / tol, 48)
    counts = np.zeros(len(thresholds), dtype=np.int64)
    cap = max(4 * count, 16)
    buf = [np.zeros(cap, dtype=np.int64) for _ in range(4)] + [np.zeros(cap)]
    _triangle_scan(X, tol, thresholds, counts, 0, *buf, -1.0)
    if counts[0] == 0:
        return TriangleCuts.empty(), np.zeros(0)
    over = np.nonzero(counts > cap)[0]
    above = tol if len(over) == 0 else thresholds[over[-1] + 1] if over[-1] + 1 < len(thresholds) else thresholds[-1]
    stored = _triangle_scan(X, tol, thresholds, np.zeros_like(counts), cap, *buf, max(above, tol))
    i, j, k, t, v = (b[:stored] for b in buf)
    order = np.argsort(-v, kind="stable")[:count]
    return TriangleCuts(i[order], j[order], k[order], t[order], np.zeros(len(order))), v[order]


# ------------------------------------------------------------ the bound itself
def _cost(Q: np.ndarray, cuts: TriangleCuts, flat: np.ndarray, coef: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    n = Q.shape[0]
    if len(gamma) == 0:
        return Q.copy()
    return Q + np.bincount(flat.ravel(), weights=(coef * gamma).ravel(), minlength=n * n).reshape(n, n)


def _cost_error(Q: np.ndarray, flat: np.ndarray, coef: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Entrywise bound on the rounding of the computed C(gamma) (sequential sums, Higham's gamma_k)."""
    n = Q.shape[0]
    if len(gamma) == 0:
        return np.zeros_like(Q)
    terms = np.bincount(flat.ravel(), minlength=n * n).reshape(n, n)
    mags = np.bincount(flat.ravel(), weights=np.abs(coef * gamma).ravel(), minlength=n * n).reshape(n, n)
    k = terms + 2.0
    return (k * _U / (1 - k * _U)) * (mags + np.abs(Q)) * (1 + 4 * _U)


def triangle_bound(W: np.ndarray, V: np.ndarray, cuts: TriangleCuts) -> tuple[float, float, float, float]:
    """Verified sum(gamma) + sum(y) + n * shift for the cost L/4 + sum gamma_t B_t and the factor V.

    Returns (upper bound, shift, rounding margin, lambda_min estimate). Valid
    for any V and any gamma >= 0: V only chooses y, the shift makes
    Diag(y) - C(gamma) PSD, verified by Cholesky; the rounding of C(gamma)
    is added to the shift through its Frobenius norm.
    """
    if np.any(cuts.gamma < 0) or not np.all(np.isfinite(cuts.gamma)):
        raise ValueError("triangle multipliers must be finite and >= 0")
    n = W.shape[0]
    Q = _quarter_laplacian(W)
    flat, coef = cuts.pairs(n)
    C = _cost(Q, cuts, flat, coef, cuts.gamma)
    y = np.sum(_mm(C, V) * V, axis=1)
    S = -C
    S[np.diag_indices_from(S)] += y
    err = _cost_error(Q, flat, coef, cuts.gamma)
    err[np.diag_indices_from(err)] += _U * np.abs(np.diag(S))  # the subtraction y_i - C_ii
    verified = verified_psd_shift(S)
    if verified is None:  # Gershgorin: S + t I is diagonally dominant, so PSD, with t rounded up
        off = np.sum(np.abs(S), axis=1) - np.abs(np.diag(S))
        t = max(0.0, float(np.max(off - np.diag(S)))) * (1 + 4 * n * _U)
        verified = t + 1e-300, 0.0, float("nan")
    shift, margin, estimate = verified
    shift += float(np.sqrt(np.sum(err * err))) * (1 + 1e-6)
    total = math.fsum(cuts.gamma.tolist()) + math.fsum(y.tolist()) + n * shift
    return math.nextafter(math.nextafter(total, math.inf), math.inf), shift, margin, estimate


def _inner_solve(Q: np.ndarray, V: np.ndarray, flat: np.ndarray, coef: np.ndarray, gamma: np.ndarray,
                 rho: float, *, max_iter: int, gtol: float) -> np.ndarray:
    """Maximize the augmented Lagrangian over unit-row V (L-BFGS on U, V = rows of U normalized)."""
    n, p = V.shape
    rows = flat[0] // n, flat[0] % n, flat[2] % n  # (i, j) and (i, k) pairs give i, j, k

    def h_of(X):
        return 1.0 + 2.0 * (coef[0] * X[rows[0], rows[1]] + coef[2] * X[rows[0], rows[2]]
                            + coef[4] * X[rows[1], rows[2]])

    def fun(u):
        U = u.reshape(n, p)
        norms = np.sqrt(np.sum(U * U, axis=1))
        Vn = U / norms[:, None]
        X = _mm(Vn, Vn.T)
        theta = np.maximum(0.0, gamma - rho * h_of(X)) if len(gamma) else gamma
        C = _cost(Q, None, flat, coef, theta)
        CV = _mm(C, Vn)
        f = float(np.sum(Q * X)) - float(np.sum(theta * theta - gamma * gamma)) / (2 * rho)
        G = 2.0 * CV
        G -= np.sum(G * Vn, axis=1)[:, None] * Vn
        G /= norms[:, None]
        return -f, -G.ravel()

    U = _lbfgs(fun, V.ravel(), max_iter=max_iter, gtol=gtol).reshape(n, p)
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def _lbfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, *, max_iter: int, gtol: float,
           memory: int = 8, ftol: float = 1e-13) -> np.ndarray:
    """Minimize a smooth function by L-BFGS (two-loop recursion) with Armijo backtracking.

    The unconstrained problems here are small (n p variables) and solved
    thousands of times per proof; scipy's L-BFGS-B spends more per iteration
    in its bound-constrained core than the function itself costs.
    """
    f, g = fun(x)
    pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
    for _ in range(max_iter):
        if float(np.max(np.abs(g), initial=0.0)) <= gtol:
            break
        d = -g
        alphas = []
        for s, y, r in reversed(pairs):
            a = r * float(s @ d)
            alphas.append(a)
            d -= a * y
        if pairs:
            s, y, r = pairs[-1]
            d *= 1.0 / (r * float(y @ y))
        else:
            d /= max(float(np.linalg.norm(g)), 1e-300)
        for (s, y, r), a in zip(pairs, reversed(alphas)):
            d += (a - r * float(y @ d)) * s
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction: restart from the gradient
            pairs.clear()
            d = -g / max(float(np.linalg.norm(g)), 1e-300)
            slope = float(g @ d)
        t = 1.0
        for _ in range(30):
            x_new = x + t * d
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            break
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            pairs.append((s, y, 1.0 / sy))
            if len(pairs) > memory:
                pairs.pop(0)
        done = f - f_new <= ftol * max(abs(f), abs(f_new), 1.0)
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x


def _updated_gamma(V: np.ndarray, flat: np.ndarray, coef: np.ndarray, gamma: np.ndarray, rho: float) -> np.ndarray:
    if len(gamma) == 0:
        return gamma
    n = V.shape[0]
    i, j, k = flat[0] // n, flat[0] % n, flat[2] % n
    h = 1.0 + 2.0 * (coef[0] * np.sum(V[i] * V[j], 1) + coef[2] * np.sum(V[i] * V[k], 1)
                     + coef[4] * np.sum(V[j] * V[k], 1))
    return np.maximum(0.0, gamma - rho * h)


def _violation(V: np.ndarray, cuts: TriangleCuts) -> np.ndarray:
    a = _SIGNS[cuts.kind]
    h = 1.0 + (a[:, 0] * np.sum(V[cuts.i] * V[cuts.j], 1) + a[:, 1] * np.sum(V[cuts.i] * V[cuts.k], 1)
               + a[:, 2] * np.sum(V[cuts.j] * V[cuts.k], 1))
    return -h


def tightened_upper_bound(
    graph: Graph | np.ndarray,
    V: np.ndarray,
    *,
    time_limit: float = 10.0,
    start_bound: float | None = None,
    target: float | None = None,
    cuts: TriangleCuts | None = None,
    rank: int | None = None,
    per_round: int | None = None,
    max_rounds: int = 100,
    stall: float = 0.0,
    seed: int = 0,
    progress: Callable[[str, float, float], None] | None = None,
) -> TightenedBound:
    """Tighten the SDP bound of a MAX-CUT instance with triangle inequalities, within ``time_limit`` seconds.

    Pseudocode::

        gamma = 0, working set = cuts (a warm start) or empty
        repeat
            add the per_round most violated triangles of V V^T
            for 3 multiplier steps: V = argmax augmented Lagrangian; gamma = max(0, gamma - rho h(V))
            drop cuts with gamma = 0 that V satisfies with slack
            bound = verified sum(gamma) + sum(y) + n shift   (valid for every gamma >= 0)
        until the time is up, the bound is below ``target``, or it stalls

    Parameters
    ----------
    graph : Graph or array (n, n)
        The instance (signed weights allowed), or its symmetric weight
        matrix with zero diagonal.
    V : array (n, p)
        A starting factor (the basic SDP's); its rank is raised to ``rank``.
    time_limit : float
        Seconds; the bound is valid whenever it stops.
    start_bound : float, optional
        The basic SDP bound, for the record (``gap_closed``); it is also
        returned when nothing better was found.
    target : float, optional
        Stop as soon as the bound is below it (a branch-and-bound node
        whose bound falls below the incumbent + 1 is pruned).
    cuts : TriangleCuts, optional
        A warm start: the working set and multipliers of a related run.
    rank : int, optional
        Factor rank (default: ceil(sqrt(2 (n + active cuts))) + 1, at least
        V's, at most n).
    per_round : int, optional
        Triangles added per separation round (default 4n, at least 200).
    max_rounds : int
    stall : float
        With a ``target``: stop once a round lowers the bound by less than
        ``stall`` times its distance to the target.
    seed : int
        For the columns added to V when its rank is raised.
    progress : callable, optional
        ``progress("tighten", seconds, time_limit)``.

    Returns
    -------
    TightenedBound
    """
    start = time.monotonic()
    deadline = start + time_limit
    W = dense_weights(graph) if isinstance(graph, Graph) else np.asarray(graph, dtype=np.float64)
    n = W.shape[0]
    if n > TIGHTEN_LIMIT:
        raise OptionError(f"tightening works on dense matrices and takes at most {TIGHTEN_LIMIT} vertices; "
                          f"this graph has {n}")
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise OptionError(f"The 'tighten' time must be a positive number of seconds. Got {time_limit!r} instead.")
    Q = _quarter_laplacian(W)
    scale = max(float(np.sum(np.abs(W))) / max(n, 1), 1e-12)  # mean |weighted degree|
    rho = rho0 = RHO * scale / n ** 0.5
    per_round = per_round or max(200, 4 * n)
    cuts = TriangleCuts.empty() if cuts is None else cuts
    V = np.asarray(V, dtype=np.float64)
    V = V / np.linalg.norm(V, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)

    def raise_rank(V, want):
        want = min(n, want)
        if V.shape[1] >= want:
            return V
        extra = 1e-3 * rng.standard_normal((n, want - V.shape[1]))
        U = np.hstack([V, extra])
        return U / np.linalg.norm(U, axis=1, keepdims=True)

    best, shift, margin, _ = triangle_bound(W, V, cuts)
    best_cuts, best_V, best_shift, best_margin = cuts, V, shift, margin
    begin = best if start_bound is None else min(start_bound, best)
    history = [best]
    rounds = separated = 0
    worst = math.inf
    stop = "converged"
    try:
        while True:
            if target is not None and best < target:
                stop = "target"
                break
            if rounds >= max_rounds:
                break
            if time.monotonic() > deadline:
                stop = "time_limit"
                break
            new, _ = separate_triangles(V @ V.T, per_round)
            if len(new):
                fresh = ~np.isin(new.keys(n), cuts.keys(n))
                new = new.take(fresh)
            if len(new) == 0 and worst < VIOLATION_TOL:
                stop = "no_violation"
                break
            cuts = cuts.joined(new)
            separated += len(new)
            rounds += 1
            V = raise_rank(V, rank or int(math.ceil(math.sqrt(2 * (n + np.sum(cuts.gamma > 0) + len(new))))) + 1)
            flat, coef = cuts.pairs(n)
            gamma = cuts.gamma
            worst = math.inf
            for _ in range(ALM_STEPS):
                V = _inner_solve(Q, V, flat, coef, gamma, rho, max_iter=INNER_ITERS, gtol=1e-7 * scale)
                gamma = _updated_gamma(V, flat, coef, gamma, rho)
                cuts = replace(cuts, gamma=gamma)
                before, worst = worst, float(np.max(_violation(V, cuts), initial=0.0))
                if worst > RHO_STEP * before and rho < RHO_MAX * rho0:
                    rho *= 2.0  # the multipliers alone are not closing the violations fast enough
                if time.monotonic() > deadline:
                    break
            keep = (cuts.gamma > 0) | (_violation(V, cuts) > -1e-3)
            cuts = cuts.take(keep)
            ub, shift, margin, _ = triangle_bound(W, V, cuts)
            history.append(ub)
            if ub < best:
                best, best_cuts, best_V, best_shift, best_margin = ub, cuts, V, shift, margin
            if progress is not None:
                progress("tighten", time.monotonic() - start, time_limit)
            if target is not None and stall and best >= target and history[-2] - ub < stall * (ub - target):
                stop = "stalled"  # far from the target and slow to approach it: a branch-and-bound node branches
                break
    except KeyboardInterrupt:  # the best bound so far is verified: hand it back
        stop = "interrupted"
    return TightenedBound(best, begin, best_cuts, best_V, rounds, separated, best_shift, best_margin,
                          time.monotonic() - start, stop, tuple(history))
