"""A tighter MAX-CUT bound: the SDP over the elliptope cut by odd-clique inequalities.

The relaxation (Barahona, Mahjoub; Helmberg, Rendl; Rendl, Rinaldi, Wiegele)::

    max <L/4, X>   s.t.  diag X = 1,  X PSD,
                         (k - 1) / 2 + sum_{a<b in S} s_a s_b X_ab >= 0
                         for every odd set S of k vertices (k = 3, 5, 7) and signs s in {-1, 1}^S.

k = 3 gives the triangle inequalities (the metric polytope), k = 5 and 7
the pentagonal and heptagonal (hypermetric) ones. Every cut x in {-1, 1}^n
meets them: sum_a s_a x_a is odd, so (sum_a s_a x_a)^2 >= 1. Write B_t for
the symmetric matrix with s_a s_b / 2 at the pairs of cut t and r_t for
(k_t - 1) / 2. For any multipliers gamma >= 0 and any y with Diag(y) - C(gamma)
PSD, where C(gamma) = L/4 + sum_t gamma_t B_t::

    cut(x) <= cut(x) + sum_t gamma_t (r_t + x^T B_t x)
            = sum(gamma r) + x^T C(gamma) x  <=  sum(gamma r) + sum(y).

So the bound is valid for *every* gamma >= 0: optimization only tightens it,
and the proof is the same dense Cholesky check that verifies the basic SDP
bound (:func:`~solver.maxcut.bound.verified_psd_shift`), applied to
Diag(y) - C(gamma), plus a bound on the rounding of C(gamma) itself.

The multipliers come from an augmented Lagrangian on the Burer-Monteiro
factor X = V V^T (rows of V on the unit sphere): for fixed gamma and penalty
rho, maximize over V::

    <L/4, V V^T> - (1 / 2 rho) sum_t (max(0, gamma_t - rho h_t(V))^2 - gamma_t^2),

h_t(V) = r_t + <B_t, V V^T>, then gamma_t <- max(0, gamma_t - rho h_t(V)).
Its gradient in V is 2 C(theta) V with theta the updated multipliers, so at
an inner optimum V also solves the elliptope SDP of the cost C(theta), and
y_i = (C(theta) V V^T)_ii is the matching dual vector. Violated triangles
are separated exactly from V V^T (all triples, compiled), pentagonal and
heptagonal ones greedily on V; the most violated are kept in a working set,
inactive ones dropped.

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
import scipy.sparse
import torch

from ..core.jit import jit
from ..errors import OptionError
from ..graph import Graph
from .bound import verified_psd_shift

__all__ = ["TIGHTEN_LIMIT", "CliqueCuts", "TightenedBound", "clique_bound", "dense_weights", "dense_work",
           "separate_cliques", "separate_triangles", "tightened_upper_bound"]

#: Largest graph the tightening takes: it works on dense n x n matrices
#: (X = V V^T, the cost, its Cholesky factor) and separates over all triples.
TIGHTEN_LIMIT = 3000

#: Largest odd clique inequality (heptagonal); triangles are separated exactly, the larger ones by a greedy
#: search on the factor.
K_MAX = 7
_U = np.finfo(np.float64).eps / 2
#: L-BFGS iterations per multiplier step, and multiplier steps per separation round.
INNER_ITERS = 300
ALM_STEPS = 3
#: L-BFGS iterations of the fixed-multiplier solve a bound is read at (warm-started, it needs few).
EVAL_ITERS = 100
#: Greedy clique searches start from about this many (vertex, partner) pairs (every pair on small graphs).
CLIQUE_STARTS = 20000
#: Penalty: RHO times the mean |weighted degree| / sqrt(n) at first, doubled while the worst violation
#: shrinks by less than RHO_STEP per step, up to RHO_MAX times the start.
RHO = 2.0
RHO_STEP = 0.5
RHO_MAX = 16.0
#: A triangle violated by less than this counts as met (the round loop ends when none is violated more).
VIOLATION_TOL = 1e-4


@dataclass(frozen=True)
class CliqueCuts:
    """A working set of odd-clique inequalities with their multipliers.

    Cut t has k_t in {3, 5, 7} vertices ``verts[t, :k_t]`` (ascending) with
    signs ``signs[t, :k_t]`` in {-1, 1} (the first +1); the other slots
    repeat ``verts[t, 0]`` with sign 0. It says::

        h_t(X) = (k_t - 1) / 2 + sum_{a<b} s_a s_b X_ab >= 0,

    i.e. ||sum_a s_a v_a||^2 >= 1 for X = V V^T. Every cut x x^T meets it
    (sum_a s_a x_a is odd). k = 3 gives the four triangle inequalities of a
    triple, k = 5 and 7 the pentagonal and heptagonal (hypermetric) ones.
    """

    verts: np.ndarray
    signs: np.ndarray
    gamma: np.ndarray

    @classmethod
    def empty(cls) -> "CliqueCuts":
        return cls(np.zeros((0, K_MAX), dtype=np.int64), np.zeros((0, K_MAX)), np.zeros(0))

    @classmethod
    def triangles(cls, i, j, k, kind, gamma=None) -> "CliqueCuts":
        """Triangle inequalities 1 + a X_ij + b X_ik + c X_jk >= 0 of triples i < j < k, pattern (a, b, c) =
        row ``kind`` of (1,1,1), (1,-1,-1), (-1,1,-1), (-1,-1,1)."""
        i, j, k, kind = (np.asarray(a, dtype=np.int64) for a in (i, j, k, kind))
        verts = np.repeat(i[:, None], K_MAX, axis=1)
        verts[:, 1], verts[:, 2] = j, k
        signs = np.zeros((len(i), K_MAX))
        signs[:, :3] = np.array([[1, 1, 1], [1, 1, -1], [1, -1, 1], [1, -1, -1]], dtype=np.float64)[kind]
        return cls(verts, signs, np.zeros(len(i)) if gamma is None else np.asarray(gamma, dtype=np.float64))

    @classmethod
    def from_sets(cls, members: np.ndarray, signs: np.ndarray, gamma: np.ndarray | None = None) -> "CliqueCuts":
        """Cuts from rows of vertices and signs (any order, k columns, k odd), put in canonical form."""
        order = np.argsort(members, axis=1, kind="stable")
        members = np.take_along_axis(members, order, 1)
        signs = np.take_along_axis(signs, order, 1) * np.take_along_axis(signs, order, 1)[:, :1]
        T, k = members.shape
        verts = np.repeat(members[:, :1], K_MAX, axis=1)
        verts[:, :k] = members
        s = np.zeros((T, K_MAX))
        s[:, :k] = signs
        return cls(verts.astype(np.int64), s, np.zeros(T) if gamma is None else np.asarray(gamma, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.gamma)

    @property
    def sizes(self) -> np.ndarray:
        return np.count_nonzero(self.signs, axis=1)

    @property
    def rhs(self) -> np.ndarray:
        """(k_t - 1) / 2 per cut."""
        return (self.sizes - 1) / 2.0

    def keys(self) -> list[bytes]:
        return [r.tobytes() for r in np.hstack([self.verts, self.signs.astype(np.int64)])]

    def take(self, mask: np.ndarray) -> "CliqueCuts":
        return CliqueCuts(self.verts[mask], self.signs[mask], self.gamma[mask])

    def joined(self, other: "CliqueCuts") -> "CliqueCuts":
        return CliqueCuts(np.concatenate([self.verts, other.verts]), np.concatenate([self.signs, other.signs]),
                          np.concatenate([self.gamma, other.gamma]))

    def contracted(self, drop: int, into: int, sign: int | None = None) -> "CliqueCuts":
        """The cuts on the graph where vertex ``drop`` was merged into ``into`` (x_drop = sign x_into),
        renumbered (the vertices above ``drop`` move down by one).

        Without ``sign`` the cuts touching ``drop`` are dropped. With it, a cut
        on ``drop`` but not on ``into`` becomes the same inequality on
        ``into`` with its sign times ``sign`` (X_drop,b = sign X_into,b on the
        child's face), multiplier kept: the child starts from its parent's
        multipliers.
        """
        on_drop = np.any(self.verts == drop, axis=1)
        if sign is None:
            keep = ~on_drop
        else:
            keep = ~(on_drop & np.any(self.verts == into, axis=1))
        c = self.take(keep)
        verts, signs = c.verts.copy(), c.signs.copy()
        on = verts == drop  # empty without a sign: no kept cut touches drop
        signs[on] *= 1 if sign is None else sign
        verts[on] = into
        k = np.count_nonzero(signs, axis=1)
        out = CliqueCuts.empty()
        for size in np.unique(k):
            rows = k == size
            out = out.joined(CliqueCuts.from_sets(verts[rows, :size], signs[rows, :size], c.gamma[rows]))
        return CliqueCuts(out.verts - (out.verts > drop), out.signs, out.gamma)

    def pairs(self, n: int) -> "_Pairs":
        """The cuts as sparse rows over the entries of an n x n matrix."""
        T = len(self)
        a, b = np.triu_indices(K_MAX, 1)
        coef = self.signs[:, a] * self.signs[:, b]  # (T, 21)
        real = coef != 0
        cut = np.broadcast_to(np.arange(T)[:, None], coef.shape)[real]
        va, vb = self.verts[:, a][real], self.verts[:, b][real]
        return _Pairs(va * n + vb, vb * n + va, coef[real], cut, self.rhs, T)

    def violation(self, V: np.ndarray) -> np.ndarray:
        """-h_t(V V^T) per cut: positive where V violates it."""
        s = np.einsum("tk,tkp->tp", self.signs, V[self.verts]) if len(self) else np.zeros((0, V.shape[1]))
        return 0.5 * (1.0 - np.sum(s * s, axis=1))

    def to_dict(self) -> dict:
        active = self.gamma > 0
        return {"count": len(self), "active": int(np.sum(active)),
                "active_by_size": {str(k): int(np.sum(active & (self.sizes == k))) for k in (3, 5, 7)}}


@dataclass(frozen=True)
class _Pairs:
    """The cuts' pair entries: flat indices (both triangles of the matrix), coefficient s_a s_b and cut index
    per pair, and each cut's right-hand side."""

    upper: np.ndarray
    lower: np.ndarray
    coef: np.ndarray
    cut: np.ndarray
    rhs: np.ndarray
    count: int

    def matrix(self, n: int, gamma: np.ndarray) -> np.ndarray:
        """sum_t gamma_t B_t (coef / 2 at both entries of every pair)."""
        w = 0.5 * self.coef * gamma[self.cut]
        return np.bincount(np.concatenate([self.upper, self.lower]), weights=np.concatenate([w, w]),
                           minlength=n * n).reshape(n, n)

    def entry_terms(self, n: int, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the number of terms summed into it, and the sum of their magnitudes."""
        flat = np.concatenate([self.upper, self.lower])
        w = np.abs(0.5 * self.coef * gamma[self.cut])
        return (np.bincount(flat, minlength=n * n).reshape(n, n),
                np.bincount(flat, weights=np.concatenate([w, w]), minlength=n * n).reshape(n, n))


@dataclass(frozen=True)
class TightenedBound:
    """The clique-tightened upper bound and how it was reached.

    Attributes
    ----------
    upper_bound : float
        sum(gamma r) + sum(y) + n * shift, with the shift verified: an upper
        bound on every cut of the graph.
    start_bound : float
        The bound it started from (the basic SDP bound, when given).
    cuts : CliqueCuts
        The working set at the end, with its multipliers (for a warm start).
    V : numpy.ndarray
        The last Burer-Monteiro factor (unit rows).
    rounds, separated : int
        Separation rounds, and cuts added over all of them.
    shift, margin : float
        The verified eigenvalue shift, and the rounding margin inside it.
    seconds : float
    stop : str
        ``converged`` (the round budget), ``no_violation`` (no cut is
        violated and the bound stopped moving), ``target`` (below the
        caller's target: a node can be pruned), ``stalled``, ``time_limit``
        or ``interrupted`` (Ctrl-C: the best verified bound by then).
    """

    upper_bound: float
    start_bound: float
    cuts: CliqueCuts
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
            "active_by_size": self.cuts.to_dict()["active_by_size"],
            "separated": self.separated,
            "rounds": self.rounds,
            "rank": int(self.V.shape[1]),
            "shift": self.shift,
            "rounding_margin": self.margin,
            "method": "odd-clique-lagrangian+dense-cholesky",
            "verified": True,
            "statement": "cut <= sum(gamma_t r_t) + sum(y) + n*shift, gamma >= 0, Diag(y) - L/4 - sum gamma_t B_t + "
                         "shift*I PSD (Cholesky with rounding margin); r_t + x^T B_t x >= 0 for every cut x "
                         "(triangle, pentagonal, heptagonal)",
            "seconds": self.seconds,
            "stop": self.stop,
        }


def dense_work(n: int) -> float:
    """Flops of one n x n x p product at the rank the tightening reaches (about sqrt(20 n)): the size
    :func:`~solver.core.device.thread_budget` weighs to decide whether torch may use every core."""
    return float(n) * n * math.sqrt(20.0 * n)


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


def separate_triangles(X: np.ndarray, count: int, *, tol: float = 1e-4) -> tuple[CliqueCuts, np.ndarray]:
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
        return CliqueCuts.empty(), np.zeros(0)
    over = np.nonzero(counts > cap)[0]
    above = tol if len(over) == 0 else thresholds[over[-1] + 1] if over[-1] + 1 < len(thresholds) else thresholds[-1]
    stored = _triangle_scan(X, tol, thresholds, np.zeros_like(counts), cap, *buf, max(above, tol))
    i, j, k, t, v = (b[:stored] for b in buf)
    order = np.argsort(-v, kind="stable")[:count]
    return CliqueCuts.triangles(i[order], j[order], k[order], t[order]), v[order]


def separate_cliques(V: np.ndarray, size: int, count: int, *, tol: float = 1e-4,
                     branches: int | None = None) -> tuple[CliqueCuts, np.ndarray]:
    """Violated odd-clique inequalities ||sum_a s_a v_a||^2 >= 1 on ``size`` vertices, found greedily on V.

    From every vertex and each of its ``branches`` (default: about
    CLIQUE_STARTS / n) partners of largest
    |<v_i, v_j>| (signed to shrink the sum), add the vertex and sign that
    shrink ||s||^2 most, until ``size`` vertices. A heuristic: it finds
    violated cuts, not all of them. Returns at most ``count``, most violated
    first, with their violations (1 - ||s||^2) / 2.
    """
    n, p = V.shape
    if size < 3 or size % 2 == 0 or size > min(K_MAX, n):
        return CliqueCuts.empty(), np.zeros(0)
    G = _mm(V, V.T)
    np.fill_diagonal(G, 0.0)
    b = min(branches or max(4, CLIQUE_STARTS // n), n - 1)
    partner = np.argsort(-np.abs(G), axis=1, kind="stable")[:, :b]
    first = np.repeat(np.arange(n), b)
    second = partner.ravel()
    members = [first, second]
    signs = [np.ones(len(first)), np.where(G[first, second] > 0, -1.0, 1.0)]
    S = V[first] + signs[1][:, None] * V[second]
    rows = np.arange(len(first))
    for _ in range(size - 2):
        scores = _mm(S, V.T)
        gain = np.abs(scores)
        for m in members:
            gain[rows, m] = -1.0
        j = np.argmax(gain, axis=1)
        s = np.where(scores[rows, j] > 0, -1.0, 1.0)
        S += s[:, None] * V[j]
        members.append(j)
        signs.append(s)
    viol = 0.5 * (1.0 - np.sum(S * S, axis=1))
    ok = viol > tol
    if not np.any(ok):
        return CliqueCuts.empty(), np.zeros(0)
    found = CliqueCuts.from_sets(np.stack(members, 1)[ok], np.stack(signs, 1)[ok])
    _, first_seen = np.unique(np.hstack([found.verts, found.signs]), axis=0, return_index=True)
    found, viol = found.take(first_seen), viol[ok][first_seen]
    order = np.argsort(-viol, kind="stable")[:count]
    return found.take(order), viol[order]


# ------------------------------------------------------------ the bound itself
def _cost(Q: np.ndarray, pairs: _Pairs | None, gamma: np.ndarray) -> np.ndarray:
    if pairs is None or len(gamma) == 0:
        return Q.copy()
    return Q + pairs.matrix(Q.shape[0], gamma)


def _cost_error(Q: np.ndarray, pairs: _Pairs, gamma: np.ndarray) -> np.ndarray:
    """Entrywise bound on the rounding of the computed C(gamma) (sequential sums, Higham's gamma_k)."""
    if len(gamma) == 0:
        return np.zeros_like(Q)
    terms, mags = pairs.entry_terms(Q.shape[0], gamma)
    k = terms + 2.0
    return (k * _U / (1 - k * _U)) * (mags + np.abs(Q)) * (1 + 4 * _U)


def clique_bound(W: np.ndarray, V: np.ndarray, cuts: CliqueCuts) -> tuple[float, float, float, float]:
    """Verified sum(gamma r) + sum(y) + n * shift for the cost L/4 + sum gamma_t B_t and the factor V.

    Returns (upper bound, shift, rounding margin, lambda_min estimate). Valid
    for any V and any gamma >= 0: V only chooses y, the shift makes
    Diag(y) - C(gamma) PSD, verified by Cholesky; the rounding of C(gamma)
    is added to the shift through its Frobenius norm.
    """
    if np.any(cuts.gamma < 0) or not np.all(np.isfinite(cuts.gamma)):
        raise ValueError("clique multipliers must be finite and >= 0")
    n = W.shape[0]
    Q = _quarter_laplacian(W)
    pairs = cuts.pairs(n)
    C = _cost(Q, pairs, cuts.gamma)
    y = np.sum(_mm(C, V) * V, axis=1)
    S = -C
    S[np.diag_indices_from(S)] += y
    err = _cost_error(Q, pairs, cuts.gamma)
    err[np.diag_indices_from(err)] += _U * np.abs(np.diag(S))  # the subtraction y_i - C_ii
    verified = verified_psd_shift(S)
    if verified is None:  # Gershgorin: S + t I is diagonally dominant, so PSD, with t rounded up
        off = np.sum(np.abs(S), axis=1) - np.abs(np.diag(S))
        t = max(0.0, float(np.max(off - np.diag(S)))) * (1 + 4 * n * _U)
        verified = t + 1e-300, 0.0, float("nan")
    shift, margin, estimate = verified
    shift += float(np.sqrt(np.sum(err * err))) * (1 + 1e-6)
    gr = (cuts.gamma * cuts.rhs).tolist()  # rhs in {1, 2, 3}: each product rounds by at most one unit
    total = math.fsum(gr) * (1 + 2 * _U) + math.fsum(y.tolist()) + n * shift
    return math.nextafter(math.nextafter(total, math.inf), math.inf), shift, margin, estimate


def _inner_solve(Q: np.ndarray, V: np.ndarray, pairs: _Pairs, gamma: np.ndarray, rho: float, *, max_iter: int,
                 gtol: float, deadline: float | None = None) -> np.ndarray:
    """Maximize the augmented Lagrangian over unit-row V (L-BFGS on U, V = rows of U normalized).

    ``rho = 0``: the Lagrangian itself, <C(gamma), V V^T>, multipliers fixed; its maximizer gives the dual
    vector y that makes the bound of these multipliers tight.
    """
    n, p = V.shape
    fixed = _cost(Q, pairs, gamma) if rho == 0 else None
    if fixed is None and len(gamma):
        # the cuts as sparse operators: h(X) = rhs + A vec(X), sum_t theta_t B_t = unvec(M theta)
        A = scipy.sparse.csr_matrix((pairs.coef, (pairs.cut, pairs.upper)), shape=(pairs.count, n * n))
        half = 0.5 * np.concatenate([pairs.coef, pairs.coef])
        M = scipy.sparse.csr_matrix((half, (np.concatenate([pairs.upper, pairs.lower]),
                                            np.concatenate([pairs.cut, pairs.cut]))), shape=(n * n, pairs.count))

    def fun(u):
        U = u.reshape(n, p)
        norms = np.sqrt(np.sum(U * U, axis=1))
        Vn = U / norms[:, None]
        if fixed is not None:
            CV = _mm(fixed, Vn)
            f = float(np.sum(CV * Vn))
        else:
            X = _mm(Vn, Vn.T)
            if len(gamma):
                theta = np.maximum(0.0, gamma - rho * (pairs.rhs + A @ X.ravel()))
                C = Q + (M @ theta).reshape(n, n)
            else:
                theta, C = gamma, Q
            CV = _mm(C, Vn)
            f = float(np.sum(Q * X)) - float(np.sum(theta * theta - gamma * gamma)) / (2 * rho)
        G = 2.0 * CV
        G -= np.sum(G * Vn, axis=1)[:, None] * Vn
        G /= norms[:, None]
        return -f, -G.ravel()

    U = _lbfgs(fun, V.ravel(), max_iter=max_iter, gtol=gtol, deadline=deadline).reshape(n, p)
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def _lbfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, *, max_iter: int, gtol: float,
           memory: int = 8, ftol: float = 1e-13, deadline: float | None = None) -> np.ndarray:
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
        if deadline is not None and time.monotonic() > deadline:
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


def _updated_gamma(V: np.ndarray, cuts: CliqueCuts, rho: float) -> np.ndarray:
    if len(cuts) == 0:
        return cuts.gamma
    return np.maximum(0.0, cuts.gamma + rho * cuts.violation(V))


def tightened_upper_bound(
    graph: Graph | np.ndarray,
    V: np.ndarray,
    *,
    time_limit: float = 10.0,
    start_bound: float | None = None,
    target: float | None = None,
    cuts: CliqueCuts | None = None,
    rank: int | None = None,
    per_round: int | None = None,
    sizes: tuple[int, ...] = (3, 5, 7),
    per_clique: int | None = None,
    max_rounds: int = 100,
    stall: float = 0.0,
    patience: int = 1,
    inner_iters: int = INNER_ITERS,
    seed: int = 0,
    progress: Callable[[str, float, float], None] | None = None,
) -> TightenedBound:
    """Tighten the SDP bound of a MAX-CUT instance with odd-clique inequalities, within ``time_limit`` seconds.

    Pseudocode::

        gamma = 0, working set = cuts (a warm start) or empty
        repeat
            add the per_round most violated triangles of V V^T, and per_clique pentagonal and heptagonal ones
            for 3 multiplier steps: V = argmax augmented Lagrangian; gamma = max(0, gamma - rho h(V))
            drop cuts with gamma = 0 that V satisfies with slack
            V' = argmax of the Lagrangian <C(gamma), V V^T> from V
            bound = verified sum(gamma r) + sum(y(V')) + n shift   (valid for every gamma >= 0)
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
    cuts : CliqueCuts, optional
        A warm start: the working set and multipliers of a related run.
    rank : int, optional
        Factor rank (default: ceil(sqrt(2 (n + active cuts))) + 1, at least
        V's, at most n).
    per_round : int, optional
        Triangles added per separation round (default 4n, at least 200).
    sizes : tuple of int
        The odd cliques separated: 3 (triangles, exactly), 5 and 7
        (pentagonal and heptagonal, greedily).
    per_clique : int, optional
        Pentagonal and heptagonal cuts added per round, each (default n, at
        least 50).
    max_rounds : int
    stall : float
        With a ``target``: stop once ``patience`` rounds lowered the best
        bound by less than ``stall`` times its distance to the target.
    patience : int
    inner_iters : int
        L-BFGS iterations per multiplier step.
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
    # the multiplier steps stop a twentieth early: the last round's bound is evaluated in what is left
    solve_by = deadline - time_limit / 20
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
    cuts = CliqueCuts.empty() if cuts is None else cuts
    per_clique = per_clique or max(50, n)
    sizes = tuple(sizes)
    if not set(sizes) <= {3, 5, 7} or 3 not in sizes:
        raise OptionError(f"The 'sizes' parameter must hold 3 and may hold 5 and 7. Got {sizes!r} instead.")
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

    def evaluate(V, cuts):
        """The bound of these multipliers, with y from the Lagrangian's maximizer near V (any V gives a valid
        bound, so at the deadline it stops where it is)."""
        if len(cuts):
            V = _inner_solve(Q, V, cuts.pairs(n), cuts.gamma, 0.0, max_iter=EVAL_ITERS, gtol=1e-7 * scale,
                             deadline=max(deadline, time.monotonic() + time_limit / 100))
        return (*clique_bound(W, V, cuts)[:3], V)

    best, shift, margin, V = evaluate(V, cuts)
    best_cuts, best_V, best_shift, best_margin = cuts, V, shift, margin
    begin = best if start_bound is None else min(start_bound, best)
    history = [best]
    bests = [best]
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
            if time.monotonic() > solve_by:
                stop = "time_limit"
                break
            new, _ = separate_triangles(V @ V.T, per_round)
            for size in sizes:
                if size > 3:
                    new = new.joined(separate_cliques(V, size, per_clique)[0])
            if len(new):
                have = set(cuts.keys())
                new = new.take(np.array([key not in have for key in new.keys()], dtype=bool))
            if len(new) == 0 and worst < VIOLATION_TOL:
                stop = "no_violation"
                break
            cuts = cuts.joined(new)
            separated += len(new)
            rounds += 1
            V = raise_rank(V, rank or int(math.ceil(math.sqrt(2 * (n + np.sum(cuts.gamma > 0) + len(new))))) + 1)
            pairs = cuts.pairs(n)
            worst = math.inf
            for _ in range(ALM_STEPS):
                V = _inner_solve(Q, V, pairs, cuts.gamma, rho, max_iter=inner_iters, gtol=1e-7 * scale,
                                 deadline=solve_by)
                cuts = replace(cuts, gamma=_updated_gamma(V, cuts, rho))
                before, worst = worst, float(np.max(cuts.violation(V), initial=0.0))
                if worst > RHO_STEP * before and rho < RHO_MAX * rho0:
                    rho *= 2.0  # the multipliers alone are not closing the violations fast enough
                if time.monotonic() > solve_by:
                    break
            keep = (cuts.gamma > 0) | (cuts.violation(V) > -1e-3)
            cuts = cuts.take(keep)
            ub, shift, margin, V_eval = evaluate(V, cuts)
            history.append(ub)
            if ub < best:
                best, best_cuts, best_V, best_shift, best_margin = ub, cuts, V_eval, shift, margin
            if progress is not None:
                progress("tighten", time.monotonic() - start, time_limit)
            bests.append(best)
            if (target is not None and stall and len(bests) > patience
                    and bests[-1 - patience] - best < stall * (best - target)):
                stop = "stalled"  # far from the target and slow to approach it: a branch-and-bound node branches
                break
    except KeyboardInterrupt:  # the best bound so far is verified: hand it back
        stop = "interrupted"
    return TightenedBound(best, begin, best_cuts, best_V, rounds, separated, best_shift, best_margin,
                          time.monotonic() - start, stop, tuple(history))
