"""A certified upper bound on the maximum cut from the SDP dual.

For any y with S = Diag(y) - L/4 PSD and any x in {-1, 1}^n,
x^T S x >= 0 gives sum_i y_i >= x^T L x / 4 = cut(x): sum(y) bounds every cut.

From any V take y_i = (1/4)(L V V^T)_ii (then sum y = the primal value) and
shift every y_i by delta >= -lambda_min(S). The shift is made safe, not
estimated: delta is checked by a floating-point Cholesky factorization of
S + (delta - alpha) I, where alpha bounds the factorization's rounding error
(Demmel 1989; Rump 2006): if it completes, S + delta I is PSD in exact
arithmetic. The sum is taken exactly (math.fsum) and rounded upwards.

References
----------
.. [1] J. Demmel, "On floating point errors in Cholesky", LAPACK Working Note
   14 (1989).
.. [2] S. M. Rump, "Verification of positive definiteness", BIT 46 (2006).
.. [3] M. X. Goemans and D. P. Williamson, "Improved approximation algorithms
   for maximum cut and satisfiability problems using semidefinite
   programming", J. ACM 42 (1995).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..graph import Graph

__all__ = ["BoundResult", "dual_upper_bound", "DENSE_LIMIT"]

# Up to this many vertices the shift is found and verified with dense LAPACK
# (O(n^3), about a second at 3000); above it with sparse methods.
DENSE_LIMIT = 3000
_U = np.finfo(np.float64).eps / 2


@dataclass(frozen=True)
class BoundResult:
    """The dual certificate.

    Attributes
    ----------
    upper_bound : float
        sum(y) + n * shift, a valid upper bound on every cut.
    dual_sum : float
        sum(y) before the shift (equals the primal value of V).
    shift : float
        The verified delta.
    min_eigenvalue_estimate : float
        Estimated lambda_min(Diag(y) - L/4) the shift started from.
    method : str
        How the shift was made safe: ``dense-cholesky``, ``sparse-ldl`` (all
        pivots of a sparse LDL^T positive) or ``gershgorin`` (diagonal
        dominance, no eigensolver).
    verified : bool
        Whether the PSD check succeeded (always true for ``gershgorin``).
    margin : float
        The rounding-error margin alpha included in the check.
    seconds : float
    """

    upper_bound: float
    dual_sum: float
    shift: float
    min_eigenvalue_estimate: float
    method: str
    verified: bool
    margin: float
    seconds: float

    def to_dict(self) -> dict:
        return {
            "upper_bound": self.upper_bound,
            "dual_sum": self.dual_sum,
            "shift": self.shift,
            "min_eigenvalue_estimate": self.min_eigenvalue_estimate,
            "method": self.method,
            "verified": self.verified,
            "rounding_margin": self.margin,
            "seconds": self.seconds,
        }


def _dual_vector(graph: Graph, V: np.ndarray) -> np.ndarray:
    V = np.asarray(V, dtype=np.float64)
    return 0.25 * np.sum((graph.laplacian @ V) * V, axis=1)


def _rounding_margin(n: int, diag: np.ndarray) -> float:
    """alpha = gamma_{n+1} / (1 - gamma_{n+1}) * trace, plus the rounding of the diagonal itself.

    gamma_k = k u / (1 - k u); doubled for safety.
    """
    gamma = (n + 1) * _U / (1 - (n + 1) * _U)
    trace = float(np.sum(np.abs(diag)))
    return 2.0 * (gamma / (1 - gamma) * trace + 4 * _U * float(np.max(np.abs(diag), initial=0.0)))


def _min_eig_dense(S: np.ndarray) -> float:
    return float(sla.eigh(S, eigvals_only=True, subset_by_index=[0, 0], driver="evr")[0])


def _min_eig_sparse(S: sp.csr_matrix, V: np.ndarray, seed: int) -> float:
    """lambda_min by LOBPCG, started from the range of V (near the null space of S at an optimum)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(np.hstack([V, rng.standard_normal((V.shape[0], 4))]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vals, _ = spla.lobpcg(S, Q, largest=False, tol=1e-9, maxiter=500)
    return float(np.min(vals))


def _cholesky_ok(S: np.ndarray, shift: float) -> bool:
    try:
        sla.cholesky(S + shift * np.eye(S.shape[0]), lower=True, check_finite=False)
        return True
    except np.linalg.LinAlgError:
        return False


def _ldl_ok(S: sp.csr_matrix, shift: float) -> bool:
    """Sparse LDL^T with diagonal pivots only; PSD iff every pivot is positive."""
    B = (S + shift * sp.eye(S.shape[0], format="csr")).tocsc()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lu = spla.splu(B, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                           options={"SymmetricMode": True})
    except RuntimeError:
        return False
    if not np.array_equal(lu.perm_r, lu.perm_c):  # an off-diagonal pivot was taken
        return False
    return bool(np.all(lu.U.diagonal() > 0))


def _gershgorin_shift(S: sp.csr_matrix) -> float:
    diag = S.diagonal()
    off = np.asarray(abs(S).sum(axis=1)).ravel() - np.abs(diag)
    return max(0.0, float(np.max(off - diag)))


def _upper_sum(y: np.ndarray, n: int, shift: float) -> float:
    total = math.fsum(y.tolist()) + n * shift
    return math.nextafter(math.nextafter(total, math.inf), math.inf)


def dual_upper_bound(graph: Graph, V: np.ndarray, *, seed: int = 0) -> BoundResult:
    """Certified upper bound on the maximum cut of ``graph`` from any factor ``V``.

    Parameters
    ----------
    graph : Graph
    V : array (n, p)
        Any matrix; the better it solves the SDP, the tighter the bound.
    seed : int
        For the eigensolver's random start vectors.

    Returns
    -------
    BoundResult

    Examples
    --------
    >>> import numpy as np
    >>> from solver.graph import Graph
    >>> triangle = Graph.from_edges(3, [0, 1, 0], [1, 2, 2])
    >>> V = np.array([[1, 0], [-0.5, 3**0.5 / 2], [-0.5, -3**0.5 / 2]])
    >>> round(dual_upper_bound(triangle, V).upper_bound, 6)  # SDP value 9/4 >= max cut 2
    2.25
    """
    start = time.monotonic()
    n = graph.n
    y = _dual_vector(graph, V)
    S = (sp.diags(y) - 0.25 * graph.laplacian).tocsr()
    dense = n <= DENSE_LIMIT
    if dense:
        Sd = S.toarray()
        estimate = _min_eig_dense(Sd)
        check = lambda shift: _cholesky_ok(Sd, shift)  # noqa: E731
        method = "dense-cholesky"
    else:
        estimate = _min_eig_sparse(S, np.asarray(V, dtype=np.float64), seed)
        check = lambda shift: _ldl_ok(S, shift)  # noqa: E731
        method = "sparse-ldl"
    alpha = _rounding_margin(n, S.diagonal() + max(0.0, -estimate))
    scale = max(1.0, float(np.max(np.abs(S.diagonal()), initial=0.0)))
    slack = 2 * alpha + 1e-12 * scale
    for _ in range(8):
        shift = max(0.0, -estimate) + slack
        if check(shift - alpha):
            return BoundResult(_upper_sum(y, n, shift), math.fsum(y.tolist()), shift, estimate, method, True,
                               alpha, time.monotonic() - start)
        slack *= 10.0
    shift = _gershgorin_shift(S) * (1 + 4 * n * _U) + alpha
    return BoundResult(_upper_sum(y, n, shift), math.fsum(y.tolist()), shift, estimate, "gershgorin", True,
                       alpha, time.monotonic() - start)
