"""Perturbed gradient descent to an approximate second-order stationary point.

Problem-agnostic: it sees a flat parameter vector, a value, a gradient and
(optionally) Hessian-vector products. The problems (MAX-CUT, JL, structure
discovery) pack their parameters into one vector and unpack them.

References
----------
.. [1] C. Jin, R. Ge, P. Netrapalli, S. Kakade, M. I. Jordan, "How to escape
   saddle points efficiently", ICML 2017.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from .hessian import finite_difference_hvp, lanczos_min_eigenvalue
from .jit import HAVE_NUMBA, jit_fastmath

__all__ = ["SmoothObjective", "SecondOrderCheck", "PGDResult", "second_order_check", "perturbed_gradient_descent"]

Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class SmoothObjective:
    """A function to minimize over a flat vector.

    Attributes
    ----------
    value : callable
        ``x -> f(x)`` as a Python float.
    gradient : callable
        ``x -> grad f(x)``, same shape as ``x``.
    hvp : callable, optional
        ``(x, v) -> hess f(x) v``. Defaults to central differences of the
        gradient.
    """

    value: Callable[[torch.Tensor], float]
    gradient: Callable[[torch.Tensor], torch.Tensor]
    hvp: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    def hessian_operator(self, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        if self.hvp is not None:
            return lambda v: self.hvp(x, v)
        return finite_difference_hvp(self.gradient, x)


@dataclass(frozen=True)
class SecondOrderCheck:
    """The approximate-SOSP test at one point: ||grad|| <= grad_tol and
    lambda_min(hess) >= -hess_tol (lambda_min estimated by Lanczos)."""

    grad_norm: float
    min_eigenvalue: float
    lanczos_residual: float
    lanczos_steps: int
    grad_tol: float
    hess_tol: float

    @property
    def is_sosp(self) -> bool:
        return self.grad_norm <= self.grad_tol and self.min_eigenvalue >= -self.hess_tol

    def to_dict(self) -> dict:
        return {
            "grad_norm": self.grad_norm,
            "min_hessian_eigenvalue": self.min_eigenvalue,
            "lanczos_residual": self.lanczos_residual,
            "lanczos_steps": self.lanczos_steps,
            "grad_tol": self.grad_tol,
            "hess_tol": self.hess_tol,
            "is_sosp": self.is_sosp,
        }


def second_order_check(
    objective: SmoothObjective,
    x: torch.Tensor,
    *,
    grad_tol: float,
    hess_tol: float,
    generator: torch.Generator,
    lanczos_steps: int = 40,
    gradient: torch.Tensor | None = None,
) -> SecondOrderCheck:
    """Test whether ``x`` is an approximate SOSP of ``objective``."""
    g = objective.gradient(x) if gradient is None else gradient
    start = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    lz = lanczos_min_eigenvalue(objective.hessian_operator(x), start, max_steps=lanczos_steps,
                                tol=max(hess_tol, 1e-12) * 1e-2)
    return SecondOrderCheck(float(g.norm()), lz.eigenvalue, lz.residual, lz.steps, grad_tol, hess_tol)


@dataclass(frozen=True)
class PGDResult:
    """Outcome of :func:`perturbed_gradient_descent`.

    ``status`` is one of ``sosp`` (the second-order test passed), ``stopped``
    (the caller's stop rule fired), ``max_iters``, ``time_limit`` or
    ``interrupted`` (or ``failed`` / ``stalled``); ``success`` is true for the first two.
    """

    x: torch.Tensor
    value: float
    iterations: int
    kicks: int
    status: str
    message: str
    check: SecondOrderCheck | None
    seconds: float
    history: tuple[tuple[int, float, float], ...] = field(default=())

    @property
    def success(self) -> bool:
        return self.status in ("sosp", "stopped")


def _ball_kick(x: torch.Tensor, radius: float, generator: torch.Generator) -> torch.Tensor:
    """A uniform sample from the ball of the given radius around 0."""
    d = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
    return d / d.norm() * radius * float(u) ** (1.0 / x.numel())


@jit_fastmath
def _adam_kernel(x, g, m, v, lr, b1, b2, c1, c2):  # pragma: no cover - compiled
    """One Adam step in place: the torch expression in perturbed_gradient_descent, fused."""
    for i in range(x.shape[0]):
        m[i] = b1 * m[i] + (1.0 - b1) * g[i]
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i]
        x[i] -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + 1e-12)


def perturbed_gradient_descent(
    objective: SmoothObjective,
    x0: torch.Tensor,
    *,
    lr: float | Callable[[int], float] = 0.05,
    max_iters: int = 2000,
    grad_tol: float = 1e-6,
    hess_tol: float = 1e-4,
    kick_radius: float = 1e-3,
    kick_wait: int = 50,
    check_every: int = 10,
    value_every: int = 50,
    step: str = "adam",
    betas: tuple[float, float] = (0.9, 0.999),
    generator: torch.Generator,
    deadline: float | Callable[[], bool] | None = None,
    progress: Progress | None = None,
    stop: Callable[[int, torch.Tensor], bool] | None = None,
) -> PGDResult:
    """Minimize ``objective`` from ``x0`` until an approximate SOSP.

    Steps are Adam-preconditioned gradient steps by default (the exact
    indicators of derandomized roundings have gradients that grow without
    bound near degenerate points, and fixed steps oscillate there), or
    monotone Armijo steps with Barzilai-Borwein sizes.

    Pseudocode::

        for t = 0, 1, ...:
            g = grad f(x)
            if ||g|| <= grad_tol and t - t_kick >= kick_wait:
                if lambda_min(hess f(x)) >= -hess_tol: return x      # SOSP
                x += uniform sample of the ball of radius kick_radius
                t_kick = t
            x -= lr * Adam(g)
            every check_every steps: record f(x); honour stop()
            every step: honour the deadline

    Parameters
    ----------
    objective : SmoothObjective
        What to minimize.
    x0 : torch.Tensor
        Flat starting point (not modified).
    lr : float or callable
        Adam step size, or a schedule ``lr(iteration) -> float`` (a decaying
        step lets Adam settle at the stationary point instead of hovering
        around it at a distance set by the step).
    max_iters : int
        Iteration budget.
    grad_tol, hess_tol : float
        The approximate-SOSP thresholds.
    kick_radius, kick_wait : float, int
        Perturbation size and the minimum number of steps between kicks.
    check_every : int
        How often ``stop`` is called and progress reported (the deadline is
        checked at every step: on the largest graphs one step takes seconds).
    value_every : int
        How often the value is evaluated for the history (may be costly).
    step : {"adam", "armijo"}
        ``adam``: Adam-preconditioned steps of size ``lr``. ``armijo``:
        monotone descent, Barzilai-Borwein step sizes (``lr`` the first)
        shrunk until f(x - t g) <= f(x) - 1e-4 t ||g||^2, so the value never
        rises between kicks (what guarantees built on "descent never went up"
        need).
    generator : torch.Generator
        The only source of randomness (kicks, Lanczos start vectors).
    deadline : float or callable, optional
        A :func:`time.monotonic` time after which the run stops with status
        ``time_limit``; or a callable ``() -> bool`` that says whether it has
        passed (a process group agreeing on one answer).
    progress : callable, optional
        ``progress(iteration, max_iters, value)``, value being the latest
        one recorded.
    stop : callable, optional
        ``stop(iteration, x) -> bool``, a problem-specific early exit.

    Returns
    -------
    PGDResult
    """
    if step not in ("adam", "armijo"):
        raise ValueError(f"The 'step' parameter must be 'adam' or 'armijo'. Got {step!r} instead.")
    start = time.monotonic()
    x = x0.detach().clone()
    # On the CPU with numba the Adam update is one compiled pass, in place
    # (the torch expression below makes ten passes over x).
    fused = HAVE_NUMBA and x.device.type == "cpu" and x.dim() == 1
    m = torch.zeros_like(x)
    f_x = objective.value(x) if step == "armijo" else math.nan
    t_step = lr(0) if callable(lr) else lr
    prev: tuple[torch.Tensor, torch.Tensor] | None = None
    v = torch.zeros_like(x)
    b1, b2 = betas
    last_kick = -kick_wait
    kicks = 0
    history: list[tuple[int, float, float]] = []
    check: SecondOrderCheck | None = None
    status, message = "max_iters", f"reached the iteration limit ({max_iters}) before an approximate SOSP"
    it = 0
    gnorm = math.inf
    last_value = math.nan
    try:
        for it in range(max_iters):
            g = objective.gradient(x)
            gnorm = float(g.norm())
            if not math.isfinite(gnorm):
                status, message = "failed", f"the gradient became non-finite at iteration {it}"
                break
            if gnorm <= grad_tol and it - last_kick >= kick_wait:
                check = second_order_check(objective, x, grad_tol=grad_tol, hess_tol=hess_tol,
                                           generator=generator, gradient=g)
                if check.is_sosp:
                    status, message = "sosp", f"approximate SOSP after {it} iterations"
                    break
                x = x + _ball_kick(x, kick_radius, generator)
                last_kick = it
                kicks += 1
                if step == "armijo":
                    f_x, prev = objective.value(x), None
                continue
            if step == "adam":
                lr_now = lr(it) if callable(lr) else lr
                c1, c2 = 1 - b1 ** (it + 1), 1 - b2 ** (it + 1)
                if fused:
                    x = x.contiguous()
                    _adam_kernel(x.numpy(), g.contiguous().numpy(), m.numpy(), v.numpy(), lr_now, b1, b2, c1, c2)
                else:
                    m.mul_(b1).add_(g, alpha=1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    x = x - lr_now * (m / c1) / (torch.sqrt(v / c2) + 1e-12)
            else:
                if prev is not None:
                    s_, y_ = x - prev[0], g - prev[1]
                    sy = float(torch.dot(s_, y_))
                    t_step = float(torch.dot(s_, s_)) / sy if sy > 0 else 2.0 * t_step
                gg = gnorm * gnorm
                while True:
                    x_new = x - t_step * g
                    f_new = objective.value(x_new)
                    if f_new <= f_x - 1e-4 * t_step * gg or t_step < 1e-30:
                        break
                    t_step *= 0.5
                if not f_new <= f_x:  # no descent step exists at float precision
                    status, message = "stalled", f"no descent step found at iteration {it}"
                    break
                prev = (x, g)
                x, f_x = x_new, f_new
            if (it + 1) % value_every == 0:
                last_value = objective.value(x)
                history.append((it + 1, last_value, gnorm))
            if (it + 1) % check_every == 0:
                if progress is not None:
                    progress(it + 1, max_iters, last_value)
                if stop is not None and stop(it + 1, x):
                    status, message = "stopped", f"the problem's stopping rule fired after {it + 1} iterations"
                    it += 1
                    break
            # the deadline every iteration: on 10^7 edges one takes seconds
            if deadline is not None and (deadline() if callable(deadline) else time.monotonic() > deadline):
                status, message = "time_limit", f"stopped by the time limit after {it + 1} iterations"
                it += 1
                break
        else:
            it = max_iters
    except KeyboardInterrupt:
        status, message = "interrupted", f"interrupted after {it} iterations; returning the current point"
    value = objective.value(x)
    return PGDResult(x, value, it, kicks, status, message, check, time.monotonic() - start, tuple(history))
