"""Derandomized Johnson-Lindenstrauss embeddings.

Three phases, each on the problem-agnostic core, and scans that certify:

1. **Derandomization** (the guarantee). A = M + sigma G starts at the
   classical Gaussian map (M ~ 0, sigma = 1/sqrt(k)). Perturbed gradient
   descent on Phi_S(M, sigma) + lam k d sigma^2, Phi_S the closed-form
   pessimistic estimator of :mod:`solver.jl.objective` summed over a pair
   set S (every pair, or a uniform sample when n is large, scaled to be
   unbiased), drives sigma to 0 (the lemma). At eps_1, the smallest eps whose
   Gaussian start bound is below 1/2, the deterministic M is a certified
   eps_1-JL map for the pairs of S whenever Phi_S + lam k d sigma^2 stayed
   below 1; the certificate's scan computes the same sum over all pairs.
2. **Continuation** (when no ``eps`` is given): at sigma = 0 the objective is
   sum (delta / eps)^p, eps a mere scale; log ||s - 1||_p is minimized by
   L-BFGS over the bulk of the pairs (:class:`solver.jl.pairs.BulkPairs`).
3. **Polish** (optional, beyond the paper): the working-set minimax of
   :mod:`solver.jl.minimax` from the continuation's map. Each phase's map is
   kept only if its certified distortion is lower.

Every map is certified on all pairs by the blocked scan of
:mod:`solver.jl.pairs`; no step of the optimization costs O(n^2).

References
----------
.. [1] D. Tsikouras, C. Caramanis, C. Tzamos, "Optimization Can Learn
   Johnson Lindenstrauss Embeddings", NeurIPS 2024, arXiv 2412.07242.
.. [2] D. Tsikouras, C. Pantis, I. Mitliagkas, C. Tzamos, "A Derandomization
   Framework for Structure Discovery", ICLR 2026, arXiv 2510.19382.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import __version__
from ..core.device import make_generator, resolve_device, single_thread_below
from ..core.lbfgs import minimize_lbfgs
from ..core.engine import derandomize as run_engine
from ..core.progress import Progress, for_phase
from ..errors import DerandWarning, InputError, check_integer, check_option, check_seconds
from ..io.points import validate_points
from .certify import baseline_figures, default_baseline_draws
from .distortion import DistortionCertificate, certificate_from_scan, certify_maps, duplicate_rows, jl_min_dim, pca_map
from .minimax import KEEP, minimax
from .objective import best_moment_order, expected_moment, guarantee_eps, moment_polynomial, start_bound
from .pairs import BulkPairs, PairSet, all_pairs, flat_objective, scan_pairs, scan_seconds_estimate, uniform_pairs

__all__ = ["JLResult", "embed"]

#: The derandomization's objective is over pairs among at most this many points ...
DERAND_POINTS = 4096
#: ... and at most this many of their pairs, drawn uniformly (all of them when fewer):
#: a step costs O(points d k + pairs k) whatever n is.
DERAND_PAIRS = 65536
#: The polish skips the minimax's first bulk sharpness: the continuation has already
#: minimized a power mean of |r - 1| over the bulk of the pairs
#: (benchmarks/results/jl_compare.md compares the two at equal machinery).
POLISH_BULK_BETAS = (30.0,)
#: Continuation: log ||s - 1||_p over every pair of the objective's points, for these p,
#: L-BFGS iterations each.
CONTINUATION_ORDERS = (16,)
CONTINUATION_ITERS = 100
#: The start's deterministic tilt M_0 = TILT * T, T the better of G_0 / sqrt(k) and PCA
#: (M = 0 is a saddle); sigma_0^2 = (1 - TILT^2) / k.
TILT = 0.05
#: The SOSP test's gradient and curvature tolerances, relative to the
#: starting objective.
REL_TOL = 1e-6
#: L-BFGS iterations on the sigma = 0 face after the collapse.
FACE_ITERS = 200


class _MomentProblem:
    """f(x) = scale Phi_S(M, sigma) + lam k d sigma^2 on x = (vec M, sigma), for minimization.

    Phi_S sums the closed-form moments over the pair set S; ``scale`` is
    (all pairs) / |S|, so for a uniform sample S the objective is an unbiased
    estimate of Phi over all pairs at every fixed (M, sigma), and exactly Phi
    when S holds every pair.
    """

    def __init__(self, pairs: PairSet, k: int, d: int, eps: float, order: int, reg: float, scale: float = 1.0):
        self.pairs, self.k, self.d, self.eps, self.order, self.reg = pairs, k, d, eps, order, reg
        self.pair_scale = scale
        # x holds sigma times sqrt(k d): sigma scales all k d entries of the noise at once, so
        # in these units its curvature is comparable to one entry of M's and one step size fits both
        self.sigma_unit = math.sqrt(k * d)

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[:-1].view(self.k, self.d), x[-1] / self.sigma_unit

    def pack(self, M: torch.Tensor, sigma: float) -> torch.Tensor:
        return torch.cat([M.reshape(-1), torch.tensor([sigma * self.sigma_unit], dtype=M.dtype, device=M.device)])

    def _deltas(self, x):
        M, sigma = self.unpack(x)
        Y = self.pairs.images(M)
        diff = self.pairs.differences(Y)
        s_ = float(sigma)
        return (Y, diff), self.pairs.ratios(Y, diff) + (self.k * s_ * s_ - 1.0), s_

    def value(self, x: torch.Tensor) -> float:
        with torch.no_grad():
            _, delta, s_ = self._deltas(x)
            coef, _ = moment_polynomial(abs(s_), self.k, self.eps, self.order)
            phi = float(expected_moment(delta, coef).sum()) * self.pair_scale
            return phi + self.reg * self.k * self.d * s_ * s_

    # ---- what the engine asks (solver.core.engine): W = sigma G, so ||W|| is |sigma| in these units
    def w_norm(self, x: torch.Tensor) -> float:
        return abs(float(self.unpack(x)[1]))

    def collapse(self, x: torch.Tensor) -> torch.Tensor:
        z = x.clone()
        z[-1] = 0.0
        return z

    def settle(self, x: torch.Tensor, deadline: float | None) -> torch.Tensor:
        """On the sigma = 0 face, M converges by L-BFGS (the same objective, so still a descent)."""
        M_face, self.face_iterations = _lbfgs_moment(self, x, iters=FACE_ITERS, deadline=deadline)
        return torch.cat([torch.as_tensor(M_face, device=x.device).reshape(-1), x[-1:]])

    def phi_at(self, x: torch.Tensor) -> float:
        return self.value(x) - self.reg * self.k * self.d * float(self.unpack(x)[1]) ** 2

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            (Y, diff), delta, s_ = self._deltas(x)
            sig = abs(s_)
            coef, dcoef = moment_polynomial(sig, self.k, self.eps, self.order)
            p_prime = expected_moment(delta, coef[1:] * np.arange(1, coef.size))
            grad_M = self.pair_scale * self.pairs.grad_map(p_prime, Y, diff)
            dphi_dsigma = self.pair_scale * float((expected_moment(delta, dcoef) + p_prime * 2 * self.k * sig).sum())
            grad_sigma = dphi_dsigma * (1.0 if s_ >= 0 else -1.0) + 2 * self.reg * self.k * self.d * s_
            return torch.cat([grad_M.reshape(-1), torch.tensor([grad_sigma / self.sigma_unit], dtype=x.dtype,
                                                               device=x.device)])


def derandomization_pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, bool]:
    """The derandomization's pair set: every pair when there are few, else a uniform sample.

    A uniform sample of at most :data:`DERAND_POINTS` points, then at most
    :data:`DERAND_PAIRS` pairs among them drawn uniformly: each of the
    n (n - 1) / 2 pairs is equally likely, so the scaled objective is unbiased.
    """
    points = np.sort(rng.choice(n, size=min(n, DERAND_POINTS), replace=False))
    p = points.size
    if p * (p - 1) // 2 <= DERAND_PAIRS:
        local, sampled = all_pairs(p), p < n
    else:
        local, sampled = uniform_pairs(p, DERAND_PAIRS, rng), True
    return points[local], points, sampled


@dataclass(frozen=True)
class JLResult:
    """A derandomized embedding with its certificate and its history."""

    M: np.ndarray
    embedding: np.ndarray
    certificate: DistortionCertificate
    derandomized: DistortionCertificate
    guarantee: dict
    sosp: dict
    continuation: tuple[dict, ...]
    polished: dict | None
    baselines: dict
    seconds: dict
    seed: int
    device: str
    status: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        c = self.certificate
        return {
            "version": __version__,
            "problem": "jl",
            "status": self.status,
            **{key: value for key, value in c.to_dict().items() if key != "seconds"},
            "jl_min_dim": jl_min_dim(c.n, c.eps_opt) if c.eps_opt < 1 else None,
            "derandomized": {**self.derandomized.to_dict(), "jl_min_dim": jl_min_dim(c.n, self.derandomized.eps_opt)
                             if self.derandomized.eps_opt < 1 else None},
            "continuation": list(self.continuation),
            "polished": self.polished,
            "guarantee": self.guarantee,
            "sosp": self.sosp,
            "baselines": self.baselines,
            "seconds": dict(self.seconds),
            "seed": self.seed,
            "device": self.device,
            "dtype": "float64",
            "notes": list(self.notes),
        }


def _rescaled(M: np.ndarray, cert: DistortionCertificate) -> tuple[np.ndarray, DistortionCertificate]:
    """M scaled so the squared ratios straddle 1 symmetrically (eps_sq = eps_opt), and its certificate."""
    if not (math.isfinite(cert.scale) and cert.scale > 0):
        return M, cert
    return M * math.sqrt(cert.scale), cert.rescaled(cert.scale)


@single_thread_below(lambda X, k, *_, **__: min(len(X), DERAND_POINTS) ** 2 / 2 * k)
def embed(
    X: np.ndarray,
    k: int,
    *,
    eps: float | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    max_iters: int = 3000,
    time_limit: float | None = None,
    polish: bool = True,
    baseline_draws: int | None = None,
    progress: Progress | None = None,
) -> JLResult:
    """A deterministic k-dimensional embedding of ``X`` with a certified worst-case distortion.

    Pseudocode::

        S <- every pair, or a uniform sample of pairs (n large)
        (M, sigma) <- PGD on Phi_S(M, sigma) + lam k d sigma^2 from the (slightly tilted)
                      Gaussian map, to an SOSP (sigma -> 0)
        scan all pairs at M: the derandomized map's certificate, and its extreme pairs
        M <- L-BFGS on log ||s - 1||_16 over the bulk of the pairs (the continuation)
        M <- working-set minimax from M (the polish; certified by its own scans)
        scan all pairs under Gaussian maps and PCA: the baselines

    Parameters
    ----------
    X : array (n, d)
        The points (float32 or float64); duplicates are allowed and left out
        of the distortion.
    k : int
        Target dimension (k >= d is legal; it warns).
    eps : float, optional
        Target eps for the derandomization; without it, the smallest eps whose
        Gaussian start bound is below 1/2.
    seed, device
        The usual conventions.
    max_iters : int
        PGD iteration budget of the derandomization.
    time_limit : float, optional
        Seconds for the whole run; every phase honours it and the best
        certified map so far is returned.
    polish : bool
        Run the minimax polish after the derandomization.
    baseline_draws : int, optional
        Gaussian maps drawn for the baseline figures (0 to skip baselines;
        default: 100, fewer when one scan of all pairs is long).
    progress : callable, optional
        ``progress(phase, done, total)``.

    Returns
    -------
    JLResult
    """
    t_start = time.monotonic()
    X = validate_points(X, name="points")
    n, d = X.shape
    check_integer("dim", k, minimum=1)
    check_option(eps is None or (isinstance(eps, (int, float)) and 1e-3 <= eps <= 1e3), "eps",
                 "a number between 0.001 and 1000", eps)
    check_option(isinstance(max_iters, int) and max_iters >= 1, "max_iters", "a positive integer", max_iters)
    check_seconds("time_limit", time_limit)
    check_option(baseline_draws is None or (isinstance(baseline_draws, int) and baseline_draws >= 0),
                 "baseline_draws", "a non-negative integer", baseline_draws)
    if k >= d:
        warnings.warn(f"--dim {k} is not below the input dimension {d}: the identity (padded) is an isometry",
                      DerandWarning, stacklevel=2)
    dev = resolve_device(device)
    gen = make_generator(seed, dev)
    rng = np.random.default_rng(seed)
    deadline = None if time_limit is None else t_start + time_limit
    X64 = np.asarray(X, dtype=np.float64)
    Xc = torch.as_tensor(X64 - X64.mean(axis=0), device=dev)
    seconds: dict[str, float] = {}
    notes: list[str] = []
    draws = default_baseline_draws(n) if baseline_draws is None else baseline_draws

    # ---- phase 1: derandomization at the guarantee's eps, on S
    t = time.monotonic()
    duplicates = duplicate_rows(X64)
    if n - duplicates < 2:
        raise InputError("fewer than 2 distinct points: no pair to embed", path="points")
    n_pairs = n * (n - 1) // 2  # the guarantee counts duplicate pairs too: their terms are (-1/eps)^2q >= 0
    if eps is None:
        eps1, q, _ = guarantee_eps(n_pairs, k)
    else:
        eps1 = float(eps)
        q, _ = best_moment_order(n_pairs, k, eps1)
    S, points, sampled = derandomization_pairs(n, rng)
    pairs = PairSet(Xc, S)
    reg = 0.25 / d  # the guarantee gives away lam k d sigma_0^2 = 1/4
    problem = _MomentProblem(pairs, k, d, eps1, 2 * q, reg, scale=n_pairs / max(len(S), 1))
    G0 = torch.randn((k, d), generator=gen, device=dev, dtype=torch.float64)
    sigma0 = math.sqrt((1 - TILT ** 2) / k)
    # The tilt points towards the better of the Gaussian draw and PCA (each scaled so that
    # the pairs' mean ratio is the Gaussian map's, 1): by certified distortion, as the
    # minimax baseline chooses its start, unless a time limit leaves no room for that
    # scan; then by their distortion on the pairs of S.
    tilt = G0 / math.sqrt(k)
    P = torch.as_tensor(pca_map(X64, k), device=dev)
    P = P / math.sqrt(max(float(pairs.ratios(pairs.images(P)).mean()), 1e-300))
    tilt_scan = scan_seconds_estimate(n, d, k, 2)
    if deadline is None or time.monotonic() + 4 * tilt_scan < deadline:
        c_gauss, c_pca = certify_maps(X64, [X64 @ tilt.cpu().numpy().T, X64 @ P.cpu().numpy().T], device=dev,
                                      duplicates=duplicates)
        pca_better = c_pca.distortion < c_gauss.distortion
    else:
        pca_better = _sample_distortion(pairs, P) < _sample_distortion(pairs, tilt)
    if pca_better:
        tilt = P
    x0 = problem.pack(TILT * tilt, sigma0)
    start_value = problem.value(x0)
    # SOSP tolerances relative to the starting objective (the problem's scale).
    grad_tol = hess_tol = REL_TOL * start_value
    # Leave time for the scan that certifies the derandomized map; where the
    # limit cannot hold that scan, half of what is left, and the scan checks
    # the pairs the rest allows (the certificate then says it is incomplete).
    scan_guess = scan_seconds_estimate(n, d, k)
    derand_deadline = None
    if deadline is not None:
        left = deadline - time.monotonic()
        derand_deadline = (deadline - 1.3 * scan_guess if 1.3 * scan_guess < 0.5 * left
                           else time.monotonic() + 0.5 * max(left, 0.0))

    # sigma -> 0 at the SOSP (the lemma). Setting sigma to 0 is taken as soon as
    # it does not raise the objective (a descent step, so the guarantee is
    # kept); M then converges on the sigma = 0 face, and the SOSP test runs
    # there, in every direction including sigma's; past the time limit the
    # test is skipped and said so.
    problem.face_iterations = 0
    done = run_engine(problem, x0, generator=gen, lr=1e-4, step="armijo", max_iters=max_iters, grad_tol=grad_tol,
                      hess_tol=hess_tol, kick_radius=1e-3, kick_wait=50, check_every=10, value_every=50,
                      deadline=derand_deadline, check_deadline=derand_deadline, test_every_end=True,
                      progress=for_phase(progress, "derandomize"))
    run, x, check = done.run, done.x, done.sosp
    sigma_end, face_iters, final_value = done.w_norm_at_stop, problem.face_iterations, done.final_value
    M1 = problem.unpack(x)[0].cpu().numpy().copy()
    seconds["derandomize"] = time.monotonic() - t

    # ---- the derandomized map's certificate: one scan of all pairs
    t = time.monotonic()
    scan_progress = None if progress is None else (lambda a, b: progress("certify", a, b))
    # a scan cut short still recomputes its extremes from the coordinates: it stops a little early
    scan = scan_pairs(X64, [X64 @ M1.T], keep=KEEP, power=2 * q, eps=eps1, device=dev, progress=scan_progress,
                      deadline=None if deadline is None else deadline - 0.05 * time_limit)[0]
    derand_cert = certificate_from_scan(scan, n, d, k, duplicates)
    if not scan.complete:
        notes.append(f"certify: the time limit stopped the scan after {scan.pairs:,} of {n_pairs:,} pairs; "
                     "the distortion is that of the pairs checked (a lower bound), not a certificate")
    seconds["certify"] = time.monotonic() - t
    reg_cost = reg * k * d * sigma0 ** 2
    start_bound_value = problem.phi_at(x0)
    # pairs of duplicate points are not in the scan; each adds (1/eps)^2q to Phi at sigma = 0
    dup_pairs = n_pairs - scan.pairs
    final_all = scan.power_sum + dup_pairs * eps1 ** (-2 * q) if scan.complete else None
    guarantee = {
        "eps": eps1,
        "moment_order": 2 * q,
        "start_bound": start_bound_value,
        "gaussian_start_bound": start_bound(n_pairs, k, eps1, 2 * q),
        "reg": reg,
        "reg_cost": reg_cost,
        "final_bound": final_value,
        "final_bound_all_pairs": final_all,
        "objective_pairs": int(len(pairs)),
        "sampled": bool(sampled),
        "certified_at_start": start_bound_value + reg_cost < 1.0,
        "statement": ("sum over the pairs S of E[((r-1)/eps)^(2q)], scaled by (all pairs)/|S|, plus reg k d sigma^2 "
                      "never rose above its start; S is "
                      + ("a uniform sample of the pairs, so that sum is an unbiased estimate of the all-pairs one; "
                         if sampled else "every pair; ")
                      + "final_bound_all_pairs is the exact all-pairs sum at the deterministic map: when it is "
                        "below 1, every pair has |r - 1| < eps"),
        "met": derand_cert.eps_sq < eps1 if start_bound_value + reg_cost < 1.0 and scan.complete else None,
        "derandomized_eps_sq": derand_cert.eps_sq,
    }
    sosp = {
        "reached": check is not None and check.is_sosp,
        **(check.to_dict() if check is not None else {"is_sosp": None, "grad_tol": grad_tol, "hess_tol": hess_tol}),
        "sigma_start": sigma0,
        "sigma_at_stop": sigma_end,
        "sigma_final": abs(float(problem.unpack(x)[1])),
        "iterations": run.iterations,
        "face_iterations": face_iters,
        "kicks": run.kicks,
        "status": run.status,
        "message": run.message,
    }
    if run.status == "stopped":
        sosp["message"] = (f"after {run.iterations} PGD iterations (sigma {sigma_end:.2e}, from {sigma0:.3g}), "
                           f"setting sigma to 0 did not raise the objective and was taken; M then converged "
                           f"on that face by L-BFGS; SOSP tolerances are {REL_TOL:g} x the starting objective")
    if run.status not in ("stopped", "sosp"):
        notes.append(f"derandomization: {run.message}")
    if check is None:
        notes.append("derandomization: the second-order test was skipped, the time limit had passed")

    # ---- phase 2: continuation (deterministic, sigma = 0) over every pair of the objective's points
    best_M, best_cert = M1, derand_cert
    t = time.monotonic()
    stages: list[dict] = []
    M_c, first_scan = M1, scan
    if eps is None and scan.complete:
        bulk = BulkPairs(Xc[torch.as_tensor(points, device=dev)])
        for order in CONTINUATION_ORDERS:
            if deadline is not None and time.monotonic() + 2.5 * scan.seconds > deadline:
                break
            stop = None if deadline is None else deadline - 1.5 * scan.seconds
            res = minimize_lbfgs(flat_objective(bulk.log_norm, k, order), torch.as_tensor(M_c, device=dev).reshape(-1),
                                 max_iters=CONTINUATION_ITERS, deadline=stop)
            cand = res.x.view(k, d).cpu().numpy().copy()
            if not np.all(np.isfinite(cand)):
                break
            M_c = cand
            first_scan = scan_pairs(X64, [X64 @ M_c.T], keep=KEEP, device=dev, progress=scan_progress)[0]
            cert_c = certificate_from_scan(first_scan, n, d, k, duplicates)
            stages.append({"moment_order": order, "distortion": cert_c.distortion, "iterations": res.iterations})
            if progress is not None:
                progress("continuation", len(stages), len(CONTINUATION_ORDERS))
            if cert_c.distortion < best_cert.distortion:
                best_M, best_cert = M_c, cert_c
    seconds["continuation"] = time.monotonic() - t

    # ---- phase 3: polish (the working-set minimax, from the continuation's map)
    polished = None
    t = time.monotonic()
    if polish and scan.complete:
        mm = minimax(X64, M_c, bulk_betas=POLISH_BULK_BETAS, seed=seed, deadline=deadline, device=dev,
                     duplicates=duplicates, first_scan=first_scan,
                     progress=for_phase(progress, "polish"))
        polished = mm.to_dict()
        if mm.certificate.distortion <= best_cert.distortion:
            best_M, best_cert = mm.M, mm.certificate
        if mm.status == "time_limit":
            notes.append("polish: stopped by the time limit")
    seconds["polish"] = time.monotonic() - t

    # ---- baselines at the same k
    t = time.monotonic()
    baselines = {}
    if draws:
        baselines = baseline_figures(X64, k, draws, seed=seed, device=dev, duplicates=duplicates, deadline=deadline,
                                     progress=None if progress is None else (lambda a, b: progress("baselines", a, b)))
        if baselines is None:
            baselines = {}
            notes.append("baselines: skipped, not enough time left")
    seconds["baselines"] = time.monotonic() - t

    M_out, final = _rescaled(best_M, best_cert)
    _, derand_out = _rescaled(M1, derand_cert)
    Y = X64 @ M_out.T
    if X.dtype == np.float32:
        Y = Y.astype(np.float32)
    seconds["total"] = time.monotonic() - t_start
    limited = (run.status == "time_limit" or not scan.complete
               or (polished is not None and polished["status"] == "time_limit"))
    status = "time_limit" if limited or (deadline is not None and time.monotonic() > deadline) else "complete"
    if run.status == "interrupted":
        status = "interrupted"
    return JLResult(M_out, Y, final, derand_out, guarantee, sosp, tuple(stages), polished, baselines, seconds, seed,
                    str(dev), status, tuple(notes))


def _sample_distortion(pairs: PairSet, M: torch.Tensor) -> float:
    s = pairs.ratios(pairs.images(M))
    return math.sqrt(float(s.max()) / max(float(s.min()), 1e-300))


def _lbfgs_moment(problem: _MomentProblem, x0: torch.Tensor, *, iters: int,
                  deadline: float | None) -> tuple[np.ndarray, int]:
    """Minimize the deterministic objective in M (sigma held at its value in x0) by L-BFGS."""
    tail = x0[-1:]

    def fun_and_grad(M: torch.Tensor):
        x = torch.cat([M, tail])
        return problem.value(x), problem.gradient(x)[:-1]

    res = minimize_lbfgs(fun_and_grad, x0[:-1], max_iters=iters, deadline=deadline)
    return res.x.view(problem.k, problem.d).cpu().numpy().copy(), res.iterations
