"""The derandomization lemma as an engine: PGD on a randomized rounding's expectation until W can be set to 0.

A problem names its sampler's parameters x = (W, b) of y = W z + b, z ~ N(0, I),
and the objective the engine minimizes,

    f(x) = -E[g(W z + b)] + lam ||W||_F^2        (or E[loss] + lam ||W||_F^2),

in closed form where one exists, else by :class:`MonteCarloExpectation`.
The engine runs perturbed gradient descent from the randomized algorithm's
own parameters and, every few steps, asks whether setting W = 0 would raise
f; the first time it would not, it takes that step (a descent step, so
everything the start guaranteed in expectation still holds for the one
deterministic answer b), then runs the second-order test there. Without
the jump, PGD to a second-order stationary point gets to W = 0 on its own
(Stein's lemma); the jump only saves the slow tail of that decay.

A problem is any object with:

- ``value(x) -> float`` and ``gradient(x) -> tensor``: f and its gradient;
- ``w_norm(x) -> float``: ||W||_F;
- ``collapse(x) -> tensor``: the same b, W = 0;
- optionally ``collapse_ok(iteration, x) -> bool``: when to take the jump
  (default: when f at the collapse is no larger than f at x), for problems
  that know more (MAX-CUT waits until every vertex is nearly decided);
- optionally ``settle(x, deadline) -> tensor``: work on the W = 0 face after
  the jump (JL runs L-BFGS there); it must not raise f.

See ``docs/engine.md`` for a rounding of one's own in a few lines.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from .pgd import PGDResult, SecondOrderCheck, SmoothObjective, perturbed_gradient_descent, second_order_check
from .progress import PhaseProgress

__all__ = ["EngineResult", "MonteCarloExpectation", "RoundingProblem", "derandomize"]


@dataclass(frozen=True)
class EngineResult:
    """What :func:`derandomize` did, and what it guarantees.

    Attributes
    ----------
    x : torch.Tensor
        The end point: W = 0 when ``collapsed``.
    start_value, final_value : float
        f at the start and at the end. ``final_value <= start_value`` when
        every step was a descent step (``step="armijo"``); with Adam steps the
        problem checks what it needs at the end.
    collapsed : bool
        Whether the jump to W = 0 was taken.
    w_norm_start, w_norm_at_stop, w_norm_final : float
        ||W||_F at the start, when PGD stopped, at the end.
    sosp : SecondOrderCheck or None
        The second-order test at the end (``None`` when skipped: a run cut
        short, or past the deadline).
    run : PGDResult
        PGD's own record (iterations, kicks, status, message, history).
    seconds : float
    """

    x: torch.Tensor
    start_value: float
    final_value: float
    collapsed: bool
    w_norm_start: float
    w_norm_at_stop: float
    w_norm_final: float
    sosp: SecondOrderCheck | None
    run: PGDResult
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        """PGD's status: ``stopped`` (the jump), ``sosp``, ``max_iters``, ``time_limit``, ``interrupted``..."""
        return self.run.status

    def to_dict(self) -> dict:
        return {
            "start_value": self.start_value, "final_value": self.final_value, "collapsed": self.collapsed,
            "w_norm_start": self.w_norm_start, "w_norm_at_stop": self.w_norm_at_stop,
            "w_norm_final": self.w_norm_final, "sosp": None if self.sosp is None else self.sosp.to_dict(),
            "iterations": self.run.iterations, "kicks": self.run.kicks, "status": self.run.status,
            "message": self.run.message, "seconds": self.seconds,
        }


def derandomize(
    problem,
    x0: torch.Tensor,
    *,
    generator: torch.Generator,
    lr: float | Callable[[int], float] = 0.1,
    step: str = "adam",
    max_iters: int = 3000,
    grad_tol: float = 1e-6,
    hess_tol: float = 1e-6,
    kick_radius: float = 1e-3,
    kick_wait: int = 50,
    check_every: int = 10,
    value_every: int = 200,
    collapse: bool = True,
    deadline: float | Callable[[], bool] | None = None,
    check_deadline: float | None = None,
    test_every_end: bool = False,
    test_objective: SmoothObjective | None = None,
    test_grad_tol: float | None = None,
    lanczos_steps: int = 40,
    observe: Callable[[int, torch.Tensor], None] | None = None,
    progress: PhaseProgress | None = None,
) -> EngineResult:
    """Minimize the problem's f from ``x0`` by PGD; set W = 0 as soon as that does not raise f; test the end point.

    Parameters
    ----------
    problem
        See the module's docstring.
    x0 : torch.Tensor
        The start: the randomized algorithm's own (W, b), packed as the problem packs them.
    generator : torch.Generator
        Kicks and the Lanczos start of the second-order test.
    lr, step, max_iters, grad_tol, hess_tol, kick_radius, kick_wait, check_every, value_every
        As in :func:`~solver.core.pgd.perturbed_gradient_descent`.
    collapse : bool
        Take the jump to W = 0 (``False``: plain PGD to the SOSP).
    deadline : float or callable, optional
        When PGD stops (a run cut short keeps W and says so in its status).
    check_deadline : float, optional
        Past this time the second-order test is skipped (``sosp`` is ``None``).
    test_every_end : bool
        Run the second-order test however PGD ended (``max_iters`` too), not
        only after the jump or at an SOSP; never at a non-finite point.
    test_objective : SmoothObjective, optional
        What the second-order test measures (default: f itself; structure
        discovery trains on fresh samples and tests on a fixed one).
    test_grad_tol : float, optional
        The test's gradient tolerance (default ``grad_tol``, which then only
        decides where PGD kicks).
    lanczos_steps : int
        Lanczos steps of the test.
    observe : callable, optional
        ``observe(iteration, x)`` every ``check_every`` steps (a problem's own records).
    progress : callable, optional
        ``progress(iteration, max_iters, value)``.
    """
    start = time.monotonic()
    objective = SmoothObjective(problem.value, problem.gradient, getattr(problem, "hvp", None))
    start_value = problem.value(x0)
    w_start = problem.w_norm(x0)
    ready = getattr(problem, "collapse_ok", None) or (
        lambda _it, x: problem.value(problem.collapse(x)) <= problem.value(x))

    def stop(it: int, x: torch.Tensor) -> bool:
        if observe is not None:
            observe(it, x)
        return collapse and ready(it, x)

    run = perturbed_gradient_descent(
        objective, x0, lr=lr, step=step, max_iters=max_iters, grad_tol=grad_tol, hess_tol=hess_tol,
        kick_radius=kick_radius, kick_wait=kick_wait, check_every=check_every, value_every=value_every,
        generator=generator, deadline=deadline, progress=progress,
        stop=stop if (collapse or observe is not None) else None,
    )
    x = run.x
    w_stop = problem.w_norm(x)
    collapsed = collapse and run.status == "stopped"
    notes = []
    if collapsed:
        x = problem.collapse(x)
        settle = getattr(problem, "settle", None)
        if settle is not None:
            x = settle(x, check_deadline)
    check = run.check
    if (test_every_end or run.status in ("stopped", "sosp")) and bool(torch.isfinite(x).all()):
        if check_deadline is None or time.monotonic() < check_deadline:
            check = second_order_check(test_objective or objective, x, generator=generator, hess_tol=hess_tol,
                                       grad_tol=grad_tol if test_grad_tol is None else test_grad_tol,
                                       lanczos_steps=lanczos_steps)
        else:
            check = None
            notes.append("the second-order test was skipped, the time limit had passed")
    elif test_every_end:
        check = None
    return EngineResult(x, start_value, problem.value(x), collapsed, w_start, w_stop, problem.w_norm(x), check,
                        run, time.monotonic() - start, tuple(notes))


class MonteCarloExpectation:
    """E[g(W z + b)] for any differentiable g, by a fixed set of Gaussian draws (reparameterized).

    With the same draws z_1..z_N at every evaluation, the estimate is a
    smooth function of (W, b) whose gradient autograd gives; at W = 0 it is
    exactly g(b), so the jump to W = 0 is judged without sampling error.
    ``standard_error(W, b)`` is the estimate's standard error over the draws:
    how far the start's expectation (what the derandomized answer is held
    to) can be from the true one. A 95 % statement is value ± 1.96 standard
    errors.

    Parameters
    ----------
    g : callable
        Batch of points (N, d) -> values (N,), differentiable (torch).
    dim_z, dim : int
        z has ``dim_z`` entries, y = W z + b has ``dim``.
    samples : int
    generator : torch.Generator
    """

    def __init__(self, g: Callable[[torch.Tensor], torch.Tensor], dim_z: int, *, samples: int,
                 generator: torch.Generator, dtype: torch.dtype = torch.float64, device: torch.device | str = "cpu"):
        self.g = g
        self.z = torch.randn((samples, dim_z), generator=generator, dtype=dtype, device=device)

    def values(self, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.g(self.z @ W.T + b)

    def __call__(self, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.values(W, b).mean()

    def standard_error(self, W: torch.Tensor, b: torch.Tensor) -> float:
        with torch.no_grad():
            v = self.values(W, b)
        return float(v.std(unbiased=True)) / math.sqrt(v.numel()) if v.numel() > 1 else math.inf


class RoundingProblem:
    """A problem for :func:`derandomize` from any differentiable expectation: f = -E(W, b) + lam ||W||_F^2.

    ``expectation(W, b)`` returns E[g(W z + b)] as a torch scalar (a closed
    form, or a :class:`MonteCarloExpectation`); gradients come from autograd.
    ``W0`` (d x r) and ``b0`` (d,) are the randomized algorithm's own
    parameters; ``start`` is them packed, ``unpack`` gives (W, b) back.

    Examples
    --------
    >>> import torch
    >>> c = torch.tensor([1.0, -2.0], dtype=torch.float64)
    >>> quality = lambda W, b: -((b - c) ** 2).sum() - (W ** 2).sum()   # E[-||y - c||^2], y = W z + b
    >>> problem = RoundingProblem(quality, torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), 0.1)
    >>> result = derandomize(problem, problem.start, generator=torch.Generator().manual_seed(0), step="armijo")
    >>> result.w_norm_final < 1e-6, [round(v, 3) for v in problem.unpack(result.x)[1].tolist()]
    (True, [1.0, -2.0])
    """

    def __init__(self, expectation: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], W0: torch.Tensor,
                 b0: torch.Tensor, reg: float):
        self.expectation, self.reg = expectation, float(reg)
        self.shape = tuple(W0.shape)
        self.start = torch.cat([W0.reshape(-1), b0.reshape(-1)]).detach().clone()

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        size = self.shape[0] * self.shape[1]
        return x[:size].view(self.shape), x[size:]

    def value(self, x: torch.Tensor) -> float:
        W, b = self.unpack(x)
        with torch.no_grad():
            return float(-self.expectation(W, b) + self.reg * (W * W).sum())

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().clone().requires_grad_(True)
        W, b = self.unpack(x)
        f = -self.expectation(W, b) + self.reg * (W * W).sum()
        (grad,) = torch.autograd.grad(f, x)
        return grad.detach()

    def w_norm(self, x: torch.Tensor) -> float:
        return float(self.unpack(x)[0].norm())

    def collapse(self, x: torch.Tensor) -> torch.Tensor:
        z = x.clone()
        z[: self.shape[0] * self.shape[1]] = 0.0
        return z

