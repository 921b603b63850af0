"""A certified upper bound on the maximum cut from the SDP dual.

For any y with S = Diag(y) - L/4 PSD and any x in {-1, 1}^n,
x^T S x >= 0 gives sum_i y_i >= x^T L x / 4 = cut(x): sum(y) bounds every cut.

From any V take y_i = (1/4)(L V V^T)_ii (then sum y = the primal value) and
shift every y_i by delta >= -lambda_min(S). The shift is made safe, not
estimated: delta is checked by a floating-point Cholesky factorization of
S + (delta - alpha) I, where alpha bounds the factorization's rounding error
(Demmel 1989; Rump 2006): if it completes, S + delta I is PSD in exact
arithmetic. The sum is taken exactly (math.fsum) and rounded upwards.

Where no factorization fits (random expanders of 10^6 edges), the shift
comes from random-start Lanczos instead (:mod:`solver.core.lanczos`): a
bound that holds except with probability FAILURE_PROBABILITY, stated as
such in the certificate (``verified: false``, ``failure_probability``).

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

from ..core.lanczos import ProbableBound, lanczos_min_bound
from ..graph import Graph

__all__ = ["BoundResult", "EigenGuess", "dual_upper_bound", "estimated_upper_bound", "verified_psd_shift",
           "DENSE_LIMIT"]

# Up to this many vertices the shift is found and verified with dense LAPACK
# (O(n^3), about a second at 3000); above it by sparse LDL^T inertia where the
# factor fits (at most FILL_BUDGET entries by a banded estimate).
DENSE_LIMIT = 3000
SPARSE_BAND = 8
FILL_BUDGET = 60_000_000
_U = np.finfo(np.float64).eps / 2
# Above the factorization's reach the bound is probabilistic: it fails with at
# most this probability over the eigensolver's random start. Lanczos stops
# when LANCZOS_STALL_STEPS steps raise the bound by under LANCZOS_STALL of it
# (benchmarks/results/bound_lanczos.md: 10^6 edges, about 4000 steps).
FAILURE_PROBABILITY = 1e-9
LANCZOS_STALL = 1e-6
LANCZOS_STALL_STEPS = 200
# Lanczos steps of the guess that brackets a factorization's shift.
LANCZOS_GUESS_STEPS = 1000
# Steps the probabilistic bound takes even past its deadline: fewer leave an eps
# so large that Gershgorin's bound is the better one (300: eps ~ 2e-3 at n = 2e6).
LANCZOS_MIN_STEPS = 300


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
        How the shift was found and made safe: ``dense-cholesky`` (dense
        eigensolver, then a Cholesky factorization with a rounding margin),
        ``sparse-ldl`` (the smallest shift with all pivots of a sparse LDL^T
        positive, found by Sylvester-inertia bisection), ``gershgorin``
        (diagonal dominance, no eigensolver, valid but loose),
        ``lanczos-probabilistic`` (graphs whose factorization does not fit:
        a Kuczynski-Wozniakowski bound from random-start Lanczos, which holds
        except with probability ``failure_probability`` over the start), or
        ``positive-weights`` (sum of the positive weights, when the bound's
        computation was interrupted).
    verified : bool
        Whether positive semidefiniteness was checked by a factorization
        (or holds by construction); false only for ``lanczos-probabilistic``.
    margin : float
        The rounding-error margin alpha included in the check.
    seconds : float
    failure_probability : float
        0 for a verified shift; for ``lanczos-probabilistic``, the chance
        over the eigensolver's random start that the bound does not hold.
    steps : int
        Lanczos steps taken (0 for the other methods).
    """

    upper_bound: float
    dual_sum: float
    shift: float
    min_eigenvalue_estimate: float
    method: str
    verified: bool
    margin: float
    seconds: float
    failure_probability: float = 0.0
    steps: int = 0

    @property
    def statement(self) -> str:
        """In words, what kind of bound this is."""
        if self.verified:
            return "proof: S + shift I is positive semidefinite, checked in floating point with a rounding margin"
        return (f"probabilistic: holds except with probability {self.failure_probability:.0e} over the "
                f"random start of {self.steps} Lanczos steps (Kuczynski-Wozniakowski)")

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
            "failure_probability": self.failure_probability,
            "lanczos_steps": self.steps,
            "statement": self.statement,
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


def probable_min_eigenvalue(S: sp.csr_matrix, matvec, *, seed: int, dual_sum: float,
                            deadline: float | None = None) -> ProbableBound:
    """lambda_min(S) >= the returned ``lower`` except with probability FAILURE_PROBABILITY (random-start Lanczos).

    ``matvec`` is S's product (S itself, or a distributed operator); S's
    rows give the Gershgorin ceiling c >= lambda_max(S), rounded up. Lanczos
    stops once LANCZOS_STALL_STEPS more steps raise n lambda by less than
    LANCZOS_STALL of the bound, or at the deadline (the bound then holds
    with the eps of the steps taken).
    """
    n = S.shape[0]
    diag = S.diagonal()
    rows = np.asarray(abs(S).sum(axis=1)).ravel()
    row_nnz = int(np.max(np.diff(S.indptr), initial=1))
    ceiling = float(np.max(diag + rows - np.abs(diag))) + 4 * (row_nnz + 2) * _U * float(np.max(rows))
    ceiling = math.nextafter(ceiling, math.inf)
    tolerance = LANCZOS_STALL * max(abs(dual_sum), 1.0) / n
    return lanczos_min_bound(matvec, n, ceiling, failure_probability=FAILURE_PROBABILITY, seed=seed,
                             tolerance=tolerance, check_every=LANCZOS_STALL_STEPS // 4, deadline=deadline,
                             row_nnz=row_nnz, min_steps=LANCZOS_MIN_STEPS)


@dataclass(frozen=True)
class EigenGuess:
    """A guess of lambda_min(S): Ritz value, residual norm, and (LOBPCG) the Ritz block to go on from."""

    value: float
    residual: float
    block: np.ndarray | None


def _lanczos_guess(S: sp.csr_matrix | spla.LinearOperator, n: int, seed: int) -> EigenGuess:
    """The lowest Ritz value of LANCZOS_GUESS_STEPS Lanczos steps from a random start.

    On G81 it is within 0.1 % of lambda_min in 0.14 s where a LOBPCG guess
    is 27 % off after 2.4 s (benchmarks/results/bound_lanczos.md).
    """
    found = lanczos_min_bound(S.dot, n, 0.0, seed=seed, max_steps=LANCZOS_GUESS_STEPS,
                              check_every=LANCZOS_GUESS_STEPS)
    return EigenGuess(found.ritz, found.residual, None)


def _min_eig_guess(S: sp.csr_matrix | spla.LinearOperator, V: np.ndarray, seed: int, *,
                   start: EigenGuess | None = None, rounds: int = 1, block: int = 16, maxiter: int = 40,
                   rel: float = 0.02, atol: float = 0.0) -> EigenGuess:
    """A quick lambda_min guess by LOBPCG on V's ``block`` leading left singular vectors
    plus two random ones (or from ``start``'s Ritz block), restarted from its own
    Ritz vectors, at most ``rounds`` runs of ``maxiter`` iterations, until the
    residual is below ``rel`` |Ritz value| or ``atol``.

    A block of V's leading directions, not all of V: as close after two
    runs at a fraction of the cost.
    """
    guess, X = start, None
    if start is None:
        rng = np.random.default_rng(seed)
        U = np.linalg.svd(np.asarray(V, dtype=np.float64), full_matrices=False)[0][:, :block]
        X, _ = np.linalg.qr(np.hstack([U, rng.standard_normal((S.shape[0], 2))]))
    for _ in range(rounds):
        if guess is not None and guess.residual <= max(rel * abs(guess.value), atol):
            break
        guess = _lobpcg_min(S, guess.block if guess is not None else X, tol=1e-9, maxiter=maxiter)
    return guess


def _lobpcg_min(S: sp.csr_matrix | spla.LinearOperator, X: np.ndarray, *, tol: float, maxiter: int) -> EigenGuess:
    """One LOBPCG run for the smallest eigenvalues from the block X: the lowest Ritz value,
    its residual norm ||S x - theta x|| / ||x||, and the Ritz block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vals, X = spla.lobpcg(S, X, largest=False, tol=tol, maxiter=maxiter)
    i = int(np.argmin(vals))
    x = X[:, i]
    residual = float(np.linalg.norm(S @ x - vals[i] * x) / max(np.linalg.norm(x), 1e-300))
    return EigenGuess(float(vals[i]), residual, X)


def _rcm_bandwidth(S: sp.csr_matrix) -> int:
    """Bandwidth of S after reverse Cuthill-McKee: n (bandwidth + 1) bounds the fill of
    a banded factorization (SuperLU's own ordering does no worse on grids and meshes)."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    perm = reverse_cuthill_mckee(S.tocsr(), symmetric_mode=True)
    P = S[perm][:, perm].tocoo()
    return int(np.max(np.abs(P.row - P.col), initial=0))


def _factorization_fits(S: sp.csr_matrix, bandwidth: int) -> bool:
    """Whether a sparse LDL^T of S is affordable; random expanders fail this and take
    the LOBPCG path."""
    return S.shape[0] * (bandwidth + 1) <= FILL_BUDGET


def _cholesky_ok(S: np.ndarray, shift: float) -> bool:
    try:
        sla.cholesky(S + shift * np.eye(S.shape[0]), lower=True, check_finite=False)
        return True
    except np.linalg.LinAlgError:
        return False


def verified_psd_shift(S: np.ndarray, *, attempts: int = 8) -> tuple[float, float, float] | None:
    """A shift t >= 0 with S + t I PSD in exact arithmetic, for any dense symmetric S (not only a Laplacian's).

    t = max(0, -lambda_min estimate) + slack, accepted when a floating-point
    Cholesky factorization of S + (t - alpha) I completes, alpha the
    factorization's rounding margin (Demmel; Rump); the slack grows tenfold
    per failure. Returns (t, alpha, lambda_min estimate), or ``None`` if no
    attempt verified.
    """
    n = S.shape[0]
    diag = np.diagonal(S)
    scale = max(1.0, float(np.max(np.abs(diag), initial=0.0)))
    estimate = _min_eig_dense(S)
    alpha = _rounding_margin(n, diag + max(0.0, -estimate))
    slack = 2 * alpha + 1e-12 * scale
    for _ in range(attempts):
        shift = max(0.0, -estimate) + slack
        if _cholesky_ok(S, shift - alpha):
            return shift, alpha, estimate
        slack *= 10.0
    return None


def _ldl_negative_pivots(S: sp.csr_matrix, shift: float) -> int | None:
    """Number of non-positive pivots of a sparse LDL^T of S + shift I (diagonal pivots only).

    By Sylvester's law of inertia this counts the eigenvalues of S + shift I
    that are not positive; ``None`` when the factorization could not keep to
    the diagonal (then nothing is concluded).
    """
    B = (S + shift * sp.eye(S.shape[0], format="csr")).tocsc()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lu = spla.splu(B, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                           options={"SymmetricMode": True})
    except RuntimeError:
        return None
    if not np.array_equal(lu.perm_r, lu.perm_c):  # an off-diagonal pivot was taken
        return None
    return int(np.sum(lu.U.diagonal() <= 0))


def _ldl_ok(S: sp.csr_matrix, shift: float) -> bool:
    """Sparse LDL^T with diagonal pivots only; PSD iff every pivot is positive."""
    return _ldl_negative_pivots(S, shift) == 0


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


def _inertia_shift(S: sp.csr_matrix, alpha: float, floor: float, ceiling: float, resolution: float = 0.0,
                   floor_fails: bool = False, deadline: float | None = None) -> float:
    """The smallest shift t (to 1 %, or to ``resolution``) with S + (t - alpha) I positive definite.

    By LDL^T inertia: geometric bracketing from ``floor``, then bisection on
    log t; about a dozen factorizations, no eigensolver. The bisection also
    stops once hi - lo <= resolution (the bound moves by n (hi - lo): there is
    no point in refining a shift far below the bound's own precision; G48,
    bipartite, has a shift near 0 that took 30 factorizations to bracket to 1 %).
    Past ``deadline`` the bisection stops at its verified upper end.
    """
    if not floor_fails and _ldl_ok(S, floor - alpha):  # floor_fails: the caller has just seen it fail
        return floor
    lo, hi = floor, 1.25 * floor
    while not _ldl_ok(S, hi - alpha):
        lo, hi = hi, (4.0 if hi < ceiling * 1e-3 else 2.0) * hi
        if hi > ceiling:
            return ceiling
    while hi / lo > 1.01 and hi - lo > resolution and not _past(deadline):
        mid = math.sqrt(lo * hi)
        if _ldl_ok(S, mid - alpha):
            hi = mid
        else:
            lo = mid
    return hi


def _gershgorin_shift(S: sp.csr_matrix) -> float:
    diag = S.diagonal()
    off = np.asarray(abs(S).sum(axis=1)).ravel() - np.abs(diag)
    return max(0.0, float(np.max(off - diag)))


def _upper_sum(y: np.ndarray, n: int, shift: float) -> float:
    total = math.fsum(y.tolist()) + n * shift
    return math.nextafter(math.nextafter(total, math.inf), math.inf)


def estimated_upper_bound(graph: Graph, V: np.ndarray, *, seed: int = 0, dual: np.ndarray | None = None,
                          operator: spla.LinearOperator | None = None
                          ) -> tuple[float, np.ndarray, EigenGuess | None]:
    """What :func:`dual_upper_bound` would give, estimated (not verified): sum(y) + n max(0, -lambda_min).

    lambda_min by one short LOBPCG run (dense LAPACK up to 200 vertices): a
    fraction of the verified bound's cost, for deciding whether a larger SDP
    rank is worth it. Returns the estimate, the dual vector y and the LOBPCG
    guess (``None`` when dense); both can be handed to :func:`dual_upper_bound`
    for the same V, which then goes on from them instead of starting again.
    ``dual`` and ``operator`` as in :func:`dual_upper_bound`: a sharded run
    gives its gathered y and its distributed product, and the estimate is the
    one a single process makes (each row's product is the same).
    """
    n = graph.n
    y = _dual_vector(graph, V) if dual is None else np.asarray(dual, dtype=np.float64)
    S = (sp.diags(y) - 0.25 * graph.laplacian).tocsr()
    guess = None
    if n <= 200:
        estimate = _min_eig_dense(S.toarray())
    else:
        guess = _min_eig_guess(S if operator is None else operator, V, seed)
        estimate = guess.value
    return math.fsum(y.tolist()) + n * max(0.0, -estimate), y, guess


def dual_upper_bound(graph: Graph, V: np.ndarray, *, seed: int = 0, dual: np.ndarray | None = None,
                     operator: spla.LinearOperator | None = None,
                     eig_guess: EigenGuess | None = None, deadline: float | None = None) -> BoundResult:
    """Certified upper bound on the maximum cut of ``graph`` from any factor ``V``.

    Parameters
    ----------
    graph : Graph
    V : array (n, p)
        Any matrix; the better it solves the SDP, the tighter the bound.
    seed : int
        For the eigensolver's random start vectors.
    dual : array (n,), optional
        The dual vector y_i = (1/4)(L V V^T)_ii, when it was computed
        elsewhere (by the shards of a distributed run); default: from V.
    operator : scipy LinearOperator, optional
        The product with S = Diag(y) - L/4 for the LOBPCG estimates (a
        distributed product); the verifications (dense Cholesky, sparse LDL^T inertia, Gershgorin)
        always use S itself, so ``verified`` means the same either way.
    eig_guess : EigenGuess, optional
        The LOBPCG guess of lambda_min(S) that :func:`estimated_upper_bound`
        made for this V; the bound goes on from it. It only brackets the
        verified shift.
    deadline : float, optional
        :func:`time.monotonic` time after which the bound stops refining
        its shift and returns the best it has verified (a looser bound,
        still valid); a factorization under way runs to its end.

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
    y = _dual_vector(graph, V) if dual is None else np.asarray(dual, dtype=np.float64)
    dual_sum = math.fsum(y.tolist())
    S = (sp.diags(y) - 0.25 * graph.laplacian).tocsr()
    scale = max(1.0, float(np.max(np.abs(S.diagonal()), initial=0.0)))
    gershgorin = _gershgorin_shift(S) * (1 + 4 * n * _U)

    def result(shift, estimate, method, verified, alpha):
        return BoundResult(_upper_sum(y, n, shift), dual_sum, shift, estimate, method, verified,
                           alpha, time.monotonic() - start)

    bandwidth = _rcm_bandwidth(S) if n > 200 else n
    # Dense LAPACK up to DENSE_LIMIT, unless the graph is grid-like: with a
    # narrow band the sparse factorizations cost O(n bandwidth^2), far less.
    if n <= DENSE_LIMIT and bandwidth > n // SPARSE_BAND:
        Sd = S.toarray()
        # First a cheap guess: LOBPCG on a small block (V's leading singular
        # directions span most of the near-null space of S), its Ritz value
        # widened by 5 %, then also by the residual; a fraction of LAPACK's
        # eigensolver for a bound about 0.05 n |lambda_min| looser. If that
        # Cholesky fails, LAPACK's eigenvalue. Only the Cholesky verifies, so
        # the bound is safe either way.
        guess = (eig_guess or _min_eig_guess(S, V, seed)) if n > 200 else None
        if guess is not None:
            theta, residual = guess.value, guess.residual
            alpha = _rounding_margin(n, S.diagonal() + max(0.0, -theta) * 1.05 + residual)
            for widen in sorted({0.0, residual}):  # the residual only if the tight shift fails
                shift = max(0.0, -theta) * 1.05 + widen + 2 * alpha + 1e-12 * scale
                if _cholesky_ok(Sd, shift - alpha):
                    return result(shift, theta, "dense-cholesky", True, alpha)
        verified = verified_psd_shift(Sd)
        if verified is not None:
            shift, alpha, estimate = verified
            return result(shift, estimate, "dense-cholesky", True, alpha)
    elif _factorization_fits(S, bandwidth):
        # A guess (the rank decision's LOBPCG estimate, or Lanczos) brackets the
        # shift; LDL^T inertia then finds the smallest verified one. The Ritz
        # value is an upper estimate of lambda_min: 1 % beyond it (the
        # bisection's own precision) one factorization often verifies the
        # shift. Where that fails and a factorization is dear, a LOBPCG guess is
        # refined first rather than bracketed by up to a dozen factorizations.
        target = S if operator is None else operator
        guess = eig_guess or _lanczos_guess(target, n, seed)
        alpha = _rounding_margin(n, S.diagonal() + gershgorin)
        floor = max(2 * alpha + 1e-12 * scale, 1.01 * max(0.0, -guess.value))
        t = time.monotonic()
        verified = _ldl_ok(S, floor - alpha)
        if not verified and time.monotonic() - t > 0.2 and not _past(deadline) and guess.block is not None:
            guess = _min_eig_guess(target, V, seed, start=guess, rounds=2, atol=1e-7 * abs(dual_sum) / n)
            floor = max(floor, 1.01 * max(0.0, -guess.value))
            verified = _ldl_ok(S, floor - alpha)
        estimate = guess.value
        resolution = 1e-9 * max(1.0, abs(dual_sum)) / n
        shift = floor if verified else _inertia_shift(S, alpha, floor, gershgorin + alpha, resolution,
                                                      floor_fails=True, deadline=deadline)
        if shift < gershgorin + alpha:
            return result(shift, estimate, "sparse-ldl", True, alpha)
    else:
        # No factorization fits in memory (an expander-like graph): a bound
        # from random-start Lanczos that fails with probability at most
        # FAILURE_PROBABILITY, O(n) memory, one product per step.
        target = S if operator is None else operator
        probable = probable_min_eigenvalue(S, target.dot, seed=seed, dual_sum=dual_sum, deadline=deadline)
        alpha = 4 * _U * float(np.max(np.abs(S.diagonal()), initial=0.0))  # S's own rounding; Lanczos has its margin
        shift = max(0.0, -probable.lower) + alpha
        if shift < gershgorin:
            return BoundResult(_upper_sum(y, n, shift), dual_sum, shift, probable.ritz, "lanczos-probabilistic",
                               False, alpha, time.monotonic() - start, probable.failure_probability,
                               probable.steps)
    alpha = _rounding_margin(n, S.diagonal() + gershgorin)
    return result(gershgorin + alpha, float("nan"), "gershgorin", True, alpha)
