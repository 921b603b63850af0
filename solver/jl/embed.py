"""Derandomized Johnson-Lindenstrauss embeddings.

Three phases, each on the problem-agnostic core:

1. **Derandomization** (the guarantee). A = M + sigma G starts at the
   classical Gaussian map (M ~ 0, sigma = 1/sqrt(k)). Perturbed gradient
   descent on Phi(M, sigma) + lam k d sigma^2, Phi the closed-form pessimistic
   estimator of :mod:`solver.jl.objective`, drives sigma to 0 (the lemma).
   At eps_1, the smallest eps whose start bound Phi_0 is below 1/2, the
   deterministic M is a certified eps_1-JL map whenever the descent kept
   Phi + lam k d sigma^2 below 1.
2. **Continuation** (when no ``eps`` is given): at sigma = 0 the objective is
   sum (delta / eps)^p, eps a mere scale, so lowering eps means raising p:
   log ||s - 1||_p is minimized by L-BFGS for p = 16, 32, ..., 256, tending
   to the worst pair; the best certified map is kept.
3. **Polish** (optional, beyond the paper): L-BFGS on the smoothed max/min
   of the log pair ratios, sharpness raised in steps, from the best map; the
   certified distortion never goes up.

Everything is certified on all pairs by :func:`~solver.jl.distortion.certify_embedding`.

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
from typing import Callable

import numpy as np
import torch

from .. import __version__
from ..core.device import make_generator, resolve_device, single_thread_below
from ..core.lbfgs import minimize_lbfgs
from ..core.pgd import SmoothObjective, perturbed_gradient_descent, second_order_check
from ..core.progress import Progress, for_phase
from ..errors import DerandWarning, InputError, check_option
from ..io.points import validate_points
from .certify import baseline_figures
from .distortion import DistortionCertificate, PairGeometry, certify_embedding, jl_min_dim
from .objective import best_moment_order, expected_moment, guarantee_eps, moment_polynomial, start_bound

__all__ = ["JLResult", "embed"]

#: Points per step above which pairs are sampled (a random subset of points each step).
MAX_POINTS_PER_STEP = 2000
#: The start's deterministic tilt M_0 = TILT * G_0 / sqrt(k) (M = 0 is a saddle).
TILT = 0.05
#: Moment orders of the deterministic continuation stages, and L-BFGS iterations per stage.
CONTINUATION_ORDERS = (16, 32, 64, 128, 256)
CONTINUATION_ITERS = 100
#: The SOSP test's gradient and curvature tolerances, relative to the
#: starting objective.
REL_TOL = 1e-6
#: L-BFGS iterations on the sigma = 0 face after the collapse.
FACE_ITERS = 200


class _MomentProblem:
    """f(x) = Phi(M, sigma) + lam k d sigma^2 on x = (vec M, sigma), for minimization."""

    def __init__(self, X: torch.Tensor, k: int, eps: float, order: int, reg: float,
                 generator: torch.Generator, max_points: int = MAX_POINTS_PER_STEP):
        self.X, self.k, self.eps, self.order, self.reg = X, k, eps, order, reg
        self.n, self.d = X.shape
        self.gen = generator
        self.max_points = max_points
        self.sample = self.n > max_points
        self.geometry = None if self.sample else PairGeometry(X)
        n_all = self.n * (self.n - 1) / 2
        n_sub = max_points * (max_points - 1) / 2
        self.pair_scale = n_all / n_sub if self.sample else 1.0

    def _pairs(self) -> PairGeometry:
        if not self.sample:
            return self.geometry
        idx = torch.randperm(self.n, generator=self.gen, device=self.X.device)[: self.max_points]
        return PairGeometry(self.X[idx])

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[:-1].view(self.k, self.d), x[-1]

    def _deltas(self, x):
        M, sigma = self.unpack(x)
        geo = self._pairs()
        Y = geo.Z @ M.T
        s_ = float(sigma)
        return geo, Y, geo.ratios(Y) + (self.k * s_ * s_ - 1.0), s_

    def value(self, x: torch.Tensor) -> float:
        with torch.no_grad():
            _, _, delta, s_ = self._deltas(x)
            coef, _ = moment_polynomial(abs(s_), self.k, self.eps, self.order)
            phi = float(expected_moment(delta, coef).sum()) * self.pair_scale
            return phi + self.reg * self.k * self.d * s_ * s_

    def phi_at(self, x: torch.Tensor) -> float:
        return self.value(x) - self.reg * self.k * self.d * float(x[-1]) ** 2

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            geo, Y, delta, s_ = self._deltas(x)
            sig = abs(s_)
            coef, dcoef = moment_polynomial(sig, self.k, self.eps, self.order)
            p_prime = expected_moment(delta, coef[1:] * np.arange(1, coef.size))
            grad_M = self.pair_scale * geo.grad_map(p_prime, Y)
            dphi_dsigma = self.pair_scale * float((expected_moment(delta, dcoef) + p_prime * 2 * self.k * sig).sum())
            grad_sigma = dphi_dsigma * (1.0 if s_ >= 0 else -1.0) + 2 * self.reg * self.k * self.d * s_
            return torch.cat([grad_M.reshape(-1), torch.tensor([grad_sigma], dtype=x.dtype, device=x.device)])


class _NormProblem(_MomentProblem):
    """The sigma = 0 face: log ||s - 1||_p over the pairs, p = ``order``, as a function of M.

    At sigma = 0 the moment objective is sum (delta / eps)^p, so eps is only a
    scale; its log, (1/p) log sum |delta|^p, is a log-sum-exp: no overflow at
    any p, and p -> infinity tends to log max |s - 1|.
    """

    def __init__(self, X: torch.Tensor, k: int, order: int, generator: torch.Generator):
        super().__init__(X, k, 1.0, order, 0.0, generator)

    def value(self, x: torch.Tensor) -> float:
        with torch.no_grad():
            _, _, delta, _ = self._deltas(x)
            logs = self.order * torch.log(torch.clamp(delta.abs(), min=1e-300))
            return float(torch.logsumexp(logs, dim=0)) / self.order

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            geo, Y, delta, _ = self._deltas(x)
            logs = self.order * torch.log(torch.clamp(delta.abs(), min=1e-300))
            weights = torch.softmax(logs, dim=0)
            # d/d delta of (1/p) log sum |delta|^p is softmax weight / delta
            d_delta = weights / torch.where(delta != 0, delta, torch.ones_like(delta))
            grad_M = geo.grad_map(d_delta, Y)
            return torch.cat([grad_M.reshape(-1), torch.zeros(1, dtype=x.dtype, device=x.device)])


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
    polished: DistortionCertificate | None
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
            "polished": None if self.polished is None else self.polished.to_dict(),
            "guarantee": self.guarantee,
            "sosp": self.sosp,
            "continuation": list(self.continuation),
            "baselines": self.baselines,
            "seconds": dict(self.seconds),
            "seed": self.seed,
            "device": self.device,
            "dtype": "float64",
            "notes": list(self.notes),
        }


def _rescaled(M: np.ndarray, cert: DistortionCertificate) -> np.ndarray:
    """M scaled so the squared ratios straddle 1 symmetrically (eps_sq = eps_opt)."""
    return M * math.sqrt(cert.scale) if math.isfinite(cert.scale) and cert.scale > 0 else M


@single_thread_below(lambda X, k, *_, **__: len(X) * (len(X) - 1) / 2 * k)
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
    baseline_draws: int = 100,
    progress: Progress | None = None,
) -> JLResult:
    """A deterministic k-dimensional embedding of ``X`` with a certified worst-case distortion.

    Parameters
    ----------
    X : array (n, d)
        The points (float32 or float64); duplicates are allowed and left out
        of the distortion.
    k : int
        Target dimension (k >= d is legal; it warns).
    eps : float, optional
        Target eps for the derandomization; without it, eps is lowered by
        continuation and the best map kept.
    seed, device
        The usual conventions.
    max_iters : int
        PGD iteration budget of the derandomization.
    time_limit : float, optional
        Seconds for the whole run; the best certified map so far is returned.
    polish : bool
        Run the minimax polish after the derandomization.
    baseline_draws : int
        Gaussian maps drawn for the baseline figures (0 to skip baselines).
    progress : callable, optional
        ``progress(phase, done, total)``.

    Returns
    -------
    JLResult
    """
    t_start = time.monotonic()
    X = validate_points(X, name="points")
    n, d = X.shape
    check_option(isinstance(k, int) and not isinstance(k, bool) and k >= 1, "dim", "a positive integer", k)
    check_option(eps is None or (isinstance(eps, (int, float)) and 1e-3 <= eps <= 1e3), "eps",
                 "a number between 0.001 and 1000", eps)
    check_option(isinstance(max_iters, int) and max_iters >= 1, "max_iters", "a positive integer", max_iters)
    check_option(time_limit is None or time_limit > 0, "time_limit", "a positive number of seconds", time_limit)
    check_option(isinstance(baseline_draws, int) and baseline_draws >= 0, "baseline_draws",
                 "a non-negative integer", baseline_draws)
    if k >= d:
        warnings.warn(f"--dim {k} is not below the input dimension {d}: the identity (padded) is an isometry",
                      DerandWarning, stacklevel=2)
    dev = resolve_device(device)
    gen = make_generator(seed, dev)
    deadline = None if time_limit is None else t_start + time_limit
    X64 = np.asarray(X, dtype=np.float64)
    Xc = torch.as_tensor(X64 - X64.mean(axis=0), device=dev)
    seconds: dict[str, float] = {}
    notes: list[str] = []

    # ---- phase 1: derandomization at the guarantee's eps
    t = time.monotonic()
    distinct = np.unique(X64, axis=0).shape[0]
    if distinct < 2:
        raise InputError("fewer than 2 distinct points: no pair to embed", path="points")
    n_pairs = distinct * (distinct - 1) // 2
    if eps is None:
        eps1, q, phi0 = guarantee_eps(n_pairs, k)
    else:
        eps1 = float(eps)
        q, phi0 = best_moment_order(n_pairs, k, eps1)
    reg = 0.25 / d  # the guarantee gives away lam k d sigma_0^2 = 1/4
    problem = _MomentProblem(Xc, k, eps1, 2 * q, reg, gen)
    G0 = torch.randn((k, d), generator=gen, device=dev, dtype=torch.float64)
    sigma0 = math.sqrt((1 - TILT ** 2) / k)
    x0 = torch.cat([(TILT / math.sqrt(k)) * G0.reshape(-1), torch.tensor([sigma0], dtype=torch.float64, device=dev)])
    objective = SmoothObjective(problem.value, problem.gradient)
    start_value = problem.value(x0)
    # SOSP tolerances relative to the starting objective (the problem's scale).
    grad_tol = hess_tol = REL_TOL * start_value

    def collapsed(_: int, x: torch.Tensor) -> bool:
        # sigma -> 0 at the SOSP (the lemma). Once sigma is below a thousandth
        # of its start, setting it to 0 is taken when that does not raise the
        # objective; M then converges on the sigma = 0 face by L-BFGS (same
        # objective, still a descent), and the SOSP test is run there.
        s_ = abs(float(x[-1]))
        if s_ > 1e-3 * sigma0:
            return False
        z = x.clone()
        z[-1] = 0.0
        return problem.value(z) <= problem.value(x)

    run = perturbed_gradient_descent(
        objective, x0, lr=1e-4, step="armijo", max_iters=max_iters, grad_tol=grad_tol, hess_tol=hess_tol,
        kick_radius=1e-3, kick_wait=50, check_every=10, value_every=50, generator=gen,
        deadline=deadline, progress=for_phase(progress, "derandomize"), stop=collapsed,
    )
    x = run.x
    sigma_end = abs(float(x[-1]))
    face_iters = 0
    if run.status == "stopped":
        x = x.clone()
        x[-1] = 0.0
        M_face = _lbfgs_moment(problem, x, iters=FACE_ITERS, deadline=deadline)
        x = torch.cat([torch.as_tensor(M_face, device=dev).reshape(-1), x[-1:]])
        face_iters = FACE_ITERS
    final_value = problem.value(x)
    check = second_order_check(objective, x, grad_tol=grad_tol, hess_tol=hess_tol, generator=gen)
    M1 = problem.unpack(x)[0].cpu().numpy().copy()
    derand_cert = certify_embedding(X64, X64 @ M1.T, device=dev)
    seconds["derandomize"] = time.monotonic() - t
    reg_cost = reg * k * d * sigma0 ** 2
    start_bound_value = problem.phi_at(x0)
    guarantee = {
        "eps": eps1,
        "moment_order": 2 * q,
        "start_bound": start_bound_value,
        "gaussian_start_bound": start_bound(n_pairs, k, eps1, 2 * q),
        "reg": reg,
        "reg_cost": reg_cost,
        "final_bound": final_value,
        "certified_at_start": start_bound_value + reg_cost < 1.0,
        "statement": "sum over pairs of E[((r-1)/eps)^(2q)] + reg k d sigma^2 never rose above its start; "
                     "when that start is below 1, every pair of the deterministic map has |r - 1| < eps",
        "met": derand_cert.eps_sq < eps1 if start_bound_value + reg_cost < 1.0 else None,
        "derandomized_eps_sq": derand_cert.eps_sq,
    }
    sosp = {
        "reached": check.is_sosp,
        **check.to_dict(),
        "sigma_start": sigma0,
        "sigma_at_stop": sigma_end,
        "sigma_final": abs(float(x[-1])),
        "iterations": run.iterations,
        "face_iterations": face_iters,
        "kicks": run.kicks,
        "status": run.status,
        "message": run.message,
    }
    if run.status == "stopped":
        sosp["message"] = (f"sigma fell to {sigma_end:.2e} (from {sigma0:.3g}) after {run.iterations} PGD "
                           f"iterations; sigma set to 0 (the limit of the remaining descent), then M converged "
                           f"on that face by L-BFGS; SOSP tolerances are {REL_TOL:g} x the starting objective")
    if run.status not in ("stopped", "sosp"):
        notes.append(f"derandomization: {run.message}")

    # ---- phase 2: continuation (deterministic, sigma = 0)
    best_M, best_cert = _rescaled(M1, derand_cert), derand_cert
    stages: list[dict] = []
    t = time.monotonic()
    if eps is None:
        # At sigma = 0 the moment is (delta / eps)^(2q): raising q sharpens the
        # smooth maximum of |r - 1| towards the maximum itself.
        for stage, order in enumerate(CONTINUATION_ORDERS):
            if deadline is not None and time.monotonic() > deadline:
                break
            det = _NormProblem(Xc, k, order, gen)
            xs = torch.cat([torch.as_tensor(best_M, device=dev).reshape(-1),
                            torch.zeros(1, dtype=torch.float64, device=dev)])
            M_t = _lbfgs_moment(det, xs, iters=CONTINUATION_ITERS, deadline=deadline)
            if not np.all(np.isfinite(M_t)):
                break
            cert_t = certify_embedding(X64, X64 @ M_t.T, device=dev)
            stages.append({"moment_order": order, "distortion": cert_t.distortion, "eps_opt": cert_t.eps_opt})
            if progress is not None:
                progress("continuation", stage + 1, len(CONTINUATION_ORDERS))
            if cert_t.distortion < best_cert.distortion:
                best_M, best_cert = _rescaled(M_t, cert_t), cert_t
    seconds["continuation"] = time.monotonic() - t
    derandomized_cert = certify_embedding(X64, X64 @ best_M.T, device=dev)

    # ---- phase 3: polish
    polished_cert = None
    t = time.monotonic()
    if polish and (deadline is None or time.monotonic() < deadline):
        from ..baselines.projections import minimax_map  # the polish is the minimax, from our map

        remaining = None if deadline is None else max(1.0, deadline - time.monotonic())
        mm = minimax_map(X64, best_M, time_limit=remaining, device=dev, start="derandomized",
                         progress=for_phase(progress, "polish"))
        polished_cert = certify_embedding(X64, X64 @ mm.M.T, device=dev)
        if polished_cert.distortion <= derandomized_cert.distortion:
            best_M = _rescaled(mm.M, polished_cert)
    seconds["polish"] = time.monotonic() - t

    # ---- baselines at the same k
    t = time.monotonic()
    baselines = baseline_figures(X64, k, baseline_draws, seed=seed, device=dev) if baseline_draws else {}
    seconds["baselines"] = time.monotonic() - t

    M_out = best_M
    Y = X64 @ M_out.T
    final = certify_embedding(X64, Y, device=dev)
    if X.dtype == np.float32:
        Y = Y.astype(np.float32)
    seconds["total"] = time.monotonic() - t_start
    status = "time_limit" if deadline is not None and time.monotonic() > deadline else "complete"
    if run.status == "interrupted":
        status = "interrupted"
    return JLResult(M_out, Y, final, derandomized_cert, guarantee, sosp, tuple(stages), polished_cert, baselines,
                    seconds, seed, str(dev), status, tuple(notes))


def _lbfgs_moment(problem: _MomentProblem, x0: torch.Tensor, *, iters: int, deadline: float | None) -> np.ndarray:
    """Minimize the deterministic objective in M (sigma held at its value in x0) by L-BFGS."""
    tail = x0[-1:]

    def fun_and_grad(M: torch.Tensor):
        x = torch.cat([M, tail])
        return problem.value(x), problem.gradient(x)[:-1]

    res = minimize_lbfgs(fun_and_grad, x0[:-1], max_iters=iters, deadline=deadline)
    return res.x.view(problem.k, problem.d).cpu().numpy().copy()
