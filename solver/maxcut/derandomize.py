"""Derandomized Goemans-Williamson rounding by optimization (the paper's MAX-CUT theorem).

Sampler y = V z + mu, z ~ N(0, I_p); rounding sign(y). Starting from the SDP
vectors (V = V_0, mu ~ 0: exactly the random hyperplane), maximize

    F(V, mu) = E[cut](V, mu) - lam ||V||_F^2

by perturbed gradient descent. At a second-order stationary point V = 0
(the derandomization lemma): the randomness is gone and sign(mu) is one
deterministic cut. Ascent keeps F at least F(V_0, 0), so the expected cut at
the end is at least E_GW - lam ||V_0||_F^2; the certificate reports both
terms and checks the final cut against them.

E[cut] is scale-invariant per vertex (it sees only mu_i / ||v_i|| and the
directions of the v_i), so once every vertex is decided, i.e. its flip
probability Phi(-|mu_i| / ||v_i||) is below ``decide_tol``, the E[cut] part
of the gradient is numerically zero and the rest of the PGD trajectory is
the exact decay V <- (1 - 2 lam lr) V towards V = 0 with mu fixed. We take
its limit, V = 0, in one step (it raises F by lam ||V||^2 and changes E[cut]
by at most 2 m decide_tol), then run the second-order test there.

The same jump is taken earlier whenever it does not lower F, i.e. when the
cut of sign(mu) is at least F(V, mu), and either the largest flip probability
is below 1e-3, or that cut has not changed for 100 steps (vertices of zero
gain may stay undecided for ever), or it equals a certified optimum. F never
goes down, so the guarantee below holds all the same.

References
----------
.. [1] D. Tsikouras, C. Pantis, I. Mitliagkas, C. Tzamos, "A Derandomization
   Framework for Structure Discovery: Applications in Neural Networks and
   Beyond", ICLR 2026, arXiv 2510.19382.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..core.engine import derandomize as run_engine
from ..core.pgd import SecondOrderCheck
from ..errors import check_option
from ..graph import Graph
from .objective import EdgeData, expected_cut, expected_cut_gradient, gw_expected_cut, penalized_gradient

__all__ = ["DerandomizationResult", "default_reg", "derandomize", "derandomize_edges"]

#: Default lam = REG_FACTOR * sum|w| / n: it gives away 0.3% of sum|w| in the
#: guarantee and, with lr = 0.1, decides every vertex in a few hundred steps
#: (benchmarks/results/maxcut_reg.md: fewer steps than 0.001, larger cuts than 0.03).
REG_FACTOR = 0.003
DEFAULT_LR = 0.1
#: Below this largest flip probability, the jump to V = 0 is tried whenever
#: it does not lower F.
NEARLY_DECIDED = 1e-3
#: The jump is also taken once the cut of sign(mu) has not changed for this
#: many iterations and the jump does not lower F: past that point PGD only
#: shrinks V around a settled cut, while vertices whose side does not matter
#: (zero gain) may stay undecided for ever.
SETTLED_ITERS = 100
#: A run cut short (time limit) draws its randomized rounding this many times.
SHORT_RUN_DRAWS = 16


def default_reg(graph: Graph) -> float:
    """lam = 0.003 * (sum |w|) / n, so the guarantee gives away lam n = 0.3% of sum |w|."""
    return REG_FACTOR * float(np.sum(np.abs(graph.weights))) / graph.n


@dataclass(frozen=True)
class DerandomizationResult:
    """A deterministic cut and the figures that tie it to the randomized rounding.

    Attributes
    ----------
    sides : numpy.ndarray
        Boolean side per vertex: sign(mu) > 0.
    cut : float
        The cut of ``sides`` (exact).
    gw_expected : float
        E[cut] of the random hyperplane on V_0 (mu = 0).
    reg : float
        lam.
    reg_cost : float
        lam ||V_0||_F^2, what the guarantee gives away.
    guarantee : float
        gw_expected - reg_cost, the lower bound ascent ensures for the expected cut at the end.
    start_objective, final_objective : float
        F at the start (V_0, mu_0) and at the end.
    final_expected_cut : float
        E[cut] at the final point (equals ``cut`` once V = 0).
    v_norm_start, v_norm_at_decision, v_norm_final : float
        ||V||_F at the start, when every vertex was decided, and at the end.
    max_flip_probability : float
        max_i Phi(-|mu_i| / ||v_i||) when PGD stopped (before V was set to 0).
    sosp : SecondOrderCheck or None
        The second-order test at the final point.
    iterations, kicks : int
    status, message : str
        PGD's status (``stopped`` means: every vertex decided, or the rounding settled).
    seconds : float
    """

    sides: np.ndarray
    cut: float
    gw_expected: float
    reg: float
    reg_cost: float
    guarantee: float
    start_objective: float
    final_objective: float
    final_expected_cut: float
    v_norm_start: float
    v_norm_at_decision: float
    v_norm_final: float
    max_flip_probability: float
    sosp: SecondOrderCheck | None
    iterations: int
    kicks: int
    status: str
    message: str
    seconds: float

    @property
    def guarantee_met(self) -> bool:
        return self.cut >= self.guarantee

    def to_dict(self) -> dict:
        return {
            "cut": self.cut,
            "gw_expected": self.gw_expected,
            "reg": self.reg,
            "reg_cost": self.reg_cost,
            "guarantee": self.guarantee,
            "guarantee_met": self.guarantee_met,
            "start_objective": self.start_objective,
            "final_objective": self.final_objective,
            "final_expected_cut": self.final_expected_cut,
            "v_norm_start": self.v_norm_start,
            "v_norm_at_decision": self.v_norm_at_decision,
            "v_norm_final": self.v_norm_final,
            "max_flip_probability": self.max_flip_probability,
            "iterations": self.iterations,
            "kicks": self.kicks,
            "status": self.status,
            "message": self.message,
            "seconds": self.seconds,
        }


class _Problem:
    """f(x) = -E[cut](V, mu) + lam ||V||^2 on x = (vec V, mu), for minimization.

    ``total`` sums a per-shard edge sum over all shards (``None``: one
    process holds every edge).
    """

    def __init__(self, edges: EdgeData, n: int, p: int, reg: float, total: Callable | None = None):
        self.edges, self.n, self.p, self.reg = edges, n, p, reg
        self.total = total

    def _sum(self, t: torch.Tensor) -> torch.Tensor:
        return t if self.total is None else self.total(t)

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[: self.n * self.p].view(self.n, self.p), x[self.n * self.p:]

    def pack(self, V: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
        return torch.cat([V.reshape(-1), mu])

    def value(self, x: torch.Tensor) -> float:
        V, mu = self.unpack(x)
        with torch.no_grad():
            return float(-self._sum(expected_cut(V, mu, self.edges)) + self.reg * (V * V).sum())

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        V, mu = self.unpack(x)
        if self.total is None:
            return penalized_gradient(V, mu, self.edges, self.reg)
        dV, dmu = expected_cut_gradient(V, mu, self.edges)
        dV, dmu = self.unpack(self.total(self.pack(dV, dmu)))
        return self.pack(-dV + 2.0 * self.reg * V, -dmu)

    def flip_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        V, mu = self.unpack(x)
        sigma = V.norm(dim=1)
        return torch.special.ndtr(-(mu.abs() / torch.clamp(sigma, min=1e-300)))

    # ---- what the engine asks (solver.core.engine)
    def w_norm(self, x: torch.Tensor) -> float:
        return float(self.unpack(x)[0].norm())

    def collapse(self, x: torch.Tensor) -> torch.Tensor:
        V, mu = self.unpack(x)
        return self.pack(torch.zeros_like(V), mu)

    def watch(self, cut_value: Callable[[np.ndarray], float], decide_tol: float, target: float | None) -> None:
        """Arm :meth:`collapse_ok` for one run: the whole graph's cut, and when a vertex counts as decided."""
        self.cut_value, self.decide_tol, self.target = cut_value, decide_tol, target
        self.best = {"cut": -np.inf, "sides": None}
        self.last = {"cut": None, "since": 0}

    def collapse_ok(self, it: int, x: torch.Tensor) -> bool:
        """Whether to set V = 0 now; keeps the best rounding seen, the answer if the run is cut short."""
        sides = (self.unpack(x)[1] > 0).cpu().numpy()
        cut = self.cut_value(sides)
        if cut > self.best["cut"]:
            self.best["cut"], self.best["sides"] = cut, sides
        # The cut value, not the sides: an undecided zero-gain vertex (mu_i ~ 0)
        # may switch sides back and forth without changing the cut.
        if self.last["cut"] is None or cut != self.last["cut"]:
            self.last["cut"], self.last["since"] = cut, it
        flip = float(self.flip_probabilities(x).max())
        if flip <= self.decide_tol:
            return True
        # Nearly decided, or settled: setting V = 0 gives F = cut(sign mu);
        # where that is no less than F here, the jump is itself an ascent
        # step, to the SOSP.
        settled = it - self.last["since"] >= SETTLED_ITERS
        optimal = self.target is not None and cut >= self.target
        return (flip <= NEARLY_DECIDED or settled or optimal) and cut >= -self.value(x)


def derandomize(
    graph: Graph,
    V0: np.ndarray,
    *,
    reg: float | None = None,
    lr: float = DEFAULT_LR,
    max_iters: int = 3000,
    decide_tol: float = 1e-12,
    init_scale: float = 1e-3,
    collapse: bool = True,
    seed: int | torch.Generator | None = 0,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float64,
    deadline: float | None = None,
    target: float | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> DerandomizationResult:
    """Derandomize the hyperplane rounding of ``V0`` into one deterministic cut.

    Pseudocode::

        V, mu = V0, init_scale * N(0, I)          # mu = 0 is a saddle: start off it
        PGD on -E[cut](V, mu) + lam ||V||^2 until every vertex is decided
        V = 0                                      # the limit of the remaining decay
        second-order test at (0, mu); return sign(mu)

    Parameters
    ----------
    graph : Graph
    V0 : array (n, p)
        The SDP vectors (unit rows).
    reg : float, optional
        lam; default :func:`default_reg`.
    lr : float
        PGD (Adam) step size.
    max_iters : int
    decide_tol : float
        A vertex is decided when its flip probability is below this.
    init_scale : float
        Size of the random start of mu.
    collapse : bool
        Once every vertex is decided, set V = 0 (the limit of the remaining
        PGD trajectory) instead of iterating until the gradient test passes
        on its own. ``False`` runs plain PGD to the SOSP: slower, same cut,
        and a direct view of the lemma at work.
    target : float, optional
        A cut value known to be optimal (floor of a certified upper bound):
        once sign(mu) reaches it, the jump to V = 0 is taken as soon as it
        does not lower F (on a bipartite graph sign(mu) can be optimal long
        before every vertex is decided).
    seed, device, dtype, deadline, progress
        The usual conventions.

    Returns
    -------
    DerandomizationResult
    """
    reg = default_reg(graph) if reg is None else float(reg)
    device = torch.device(device)
    edges = EdgeData.from_graph(graph, device=device, dtype=dtype)
    return derandomize_edges(edges, V0, reg=reg, cut_value=graph.cut_value, lr=lr, max_iters=max_iters,
                             decide_tol=decide_tol, init_scale=init_scale, collapse=collapse, seed=seed,
                             device=device, dtype=dtype, deadline=deadline, target=target, progress=progress)


def derandomize_edges(
    edges: EdgeData,
    V0: np.ndarray,
    *,
    reg: float,
    cut_value: Callable[[np.ndarray], float],
    total: Callable[[torch.Tensor], torch.Tensor] | None = None,
    lr: float = DEFAULT_LR,
    max_iters: int = 3000,
    decide_tol: float = 1e-12,
    init_scale: float = 1e-3,
    collapse: bool = True,
    seed: int | torch.Generator | None = 0,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float64,
    deadline: float | Callable[[], bool] | None = None,
    target: float | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> DerandomizationResult:
    """:func:`derandomize` on a set of edges: all of a graph's, or one shard's.

    The parameters (V, mu) are whole on every process; only the edge sums
    (E[cut], its gradient, the GW expectation) are per shard, and ``total``
    adds them up over the shards (an all-reduce; ``None`` on one process).
    Given identical sums, every process then takes identical steps, so a
    sharded run follows the single-process trajectory up to the rounding of
    the sums.

    Parameters
    ----------
    edges : EdgeData
        The edges this process sums over (global vertex ids, ``edges.n`` = n).
    V0 : array (n, p)
    reg : float
    cut_value : callable
        ``sides -> cut`` of the whole graph.
    total : callable, optional
        Sum of a tensor over all shards.
    lr, max_iters, decide_tol, init_scale, collapse, seed, device, dtype, deadline, target, progress
        As in :func:`derandomize`; ``deadline`` may also be a callable
        (see :func:`~solver.core.pgd.perturbed_gradient_descent`).
    """
    start = time.monotonic()
    reg = float(reg)
    check_option(reg >= 0, "reg", "a non-negative number", reg)
    check_option(lr > 0, "lr", "a positive number", lr)
    check_option(isinstance(max_iters, int) and max_iters >= 1, "max_iters", "a positive integer", max_iters)
    device = torch.device(device)
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator(device=device).manual_seed(int(seed or 0))
    n, p = V0.shape
    problem = _Problem(edges, n, p, reg, total)
    sum_ = problem._sum
    V_start = torch.as_tensor(np.asarray(V0), device=device, dtype=dtype)
    # mu = 0 is a saddle (E[cut] is even in mu). Start a little way along one
    # random hyperplane draw, mu_0 = eps V_0 r: E[cut] moves by O(eps^2) only,
    # and the tilt lives in the span of V_0, where the escape directions are
    # (by Stein's identity the mu-Hessian acts through V). On a rank-one SDP
    # solution (bipartite graphs) it already points at the optimal cut.
    r = torch.randn(p, generator=gen, device=device, dtype=dtype)
    tilt = V_start @ r
    mu_start = init_scale * tilt / torch.clamp(tilt.abs().max(), min=1e-300)
    x0 = problem.pack(V_start, mu_start)
    gw = gw_expected_cut(V_start, edges) if total is None else float(total(torch.tensor(
        gw_expected_cut(V_start, edges), dtype=torch.float64, device=device)))
    v0_sq = float((V_start * V_start).sum())
    # ||grad|| <= 2 lam ||V|| at the end; these tolerances put ||V||_F ~ 1e-6
    # before the second-order test can pass.
    scale = max(1.0, float(sum_(edges.weights.abs().sum())))
    grad_tol = max(1e-9 * scale, 2 * reg * 1e-6)
    hess_tol = 1e-6 * scale / n

    problem.watch(cut_value, decide_tol, target)
    done = run_engine(problem, x0, generator=gen, lr=lr, max_iters=max_iters, grad_tol=grad_tol, hess_tol=hess_tol,
                      kick_radius=init_scale, kick_wait=50, check_every=10, value_every=200, collapse=collapse,
                      deadline=deadline, progress=progress)
    run, x, check, best = done.run, done.x, done.sosp, problem.best
    flip = float(problem.flip_probabilities(run.x).max())
    v_norm_decision = done.w_norm_at_stop
    V, mu = problem.unpack(x)
    with torch.no_grad():
        final_expected = float(sum_(expected_cut(V, mu, edges)))
        start_objective = -done.start_value
    sides = (mu > 0).cpu().numpy()
    cut = cut_value(sides)
    message = run.message
    if done.collapsed:
        undecided = int((problem.flip_probabilities(run.x) > NEARLY_DECIDED).sum())
        what = ("every vertex decided" if flip <= NEARLY_DECIDED
                else "the rounding reached the optimal cut" if target is not None and cut >= target
                else f"the rounding settled ({undecided} vertices undecided)")
        message = (f"{what} (largest flip probability {flip:.1e}) after {run.iterations} "
                   f"iterations; V set to 0, which does not lower F")
    if run.status not in ("stopped", "sosp"):
        # Cut short: V is not yet 0, so the rounding is still random, with E[cut] = F >= the start's. Draw
        # it a few times from where the run stopped, and keep the best of those and of the sign(mu) seen.
        with torch.no_grad():
            V_now, mu_now = problem.unpack(run.x)
            for _ in range(SHORT_RUN_DRAWS):
                g = torch.randn(p, generator=gen, device=device, dtype=dtype)
                drawn = (mu_now + V_now @ g > 0).cpu().numpy()
                value = cut_value(drawn)
                if value > best["cut"]:
                    best["cut"], best["sides"] = value, drawn
        if best["cut"] > cut:
            sides, cut = best["sides"], best["cut"]
            message += (f"; returning the best of the roundings seen on the way and {SHORT_RUN_DRAWS} draws of "
                        f"the randomized rounding reached")
    return DerandomizationResult(
        sides=sides,
        cut=cut,
        gw_expected=gw,
        reg=reg,
        reg_cost=reg * v0_sq,
        guarantee=gw - reg * v0_sq,
        start_objective=start_objective,
        final_objective=-problem.value(x),
        final_expected_cut=final_expected,
        v_norm_start=float(np.sqrt(v0_sq)),
        v_norm_at_decision=v_norm_decision,
        v_norm_final=float(V.norm()),
        max_flip_probability=flip,
        sosp=check,
        iterations=run.iterations,
        kicks=run.kicks,
        status=run.status,
        message=message,
        seconds=time.monotonic() - start,
    )
