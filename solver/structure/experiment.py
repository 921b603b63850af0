"""Structure discovery: a student trained to an SOSP learns the teacher's subspace.

The setting of the paper's first application. A multiple-index teacher
y = h(U x), x ~ N(0, I_d), depends on x only through the r rows of U. Split
the student's first layer as W_1 = W_par + W_perp against span(U). Given the
component of x inside span(U), the rest, x_perp, is an independent Gaussian,
so as a function of W_perp the risk has the derandomization lemma's form
E_z[g(W_perp z + b)], the first-layer bias b_1 playing b (DESIGN.md section 1).
Stein's lemma gives

    grad_{W_1} R (I - U^T U) = (H_bb + 2 lam I) W_perp,   H_bb = E[hess_z g] = the b_1-block of hess R.

At a second-order stationary point H_bb is PSD, so W_perp = 0 for any
lam > 0: the first layer has rank <= r and its row space lies in span(U),
whatever the width, the depth, or the rest of the network. Two controls show
both sides of the lemma: with the biases frozen at 0 there is no b-block to
be PSD and W_perp need not vanish; with lam = 0 nothing removes the part of
W_perp in the null space of H_bb (the directions the loss is flat along, such
as the rows of redundant hidden units), which a wide student has plenty of.

On a fixed sample Stein's identity holds only up to sampling error, so
W_perp stops at a floor that falls as the sample grows; the online mode
(a fresh sample for every gradient) optimizes the population risk itself.

References
----------
.. [1] D. Tsikouras, C. Pantis, I. Mitliagkas, C. Tzamos, "A Derandomization
   Framework for Structure Discovery: Applications in Neural Networks and
   Beyond", ICLR 2026, arXiv 2510.19382.
.. [2] A. Mousavi-Hosseini, S. Park, M. Girotti, I. Mitliagkas, M. A. Erdogdu,
   "Neural networks efficiently learn low-dimensional representations with
   SGD", ICLR 2023.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterator

import torch

from .. import __version__
from ..core.device import make_generator, resolve_device, resolve_dtype
from ..core.engine import derandomize as run_engine
from ..core.pgd import SecondOrderCheck, SmoothObjective
from ..core.progress import Progress, for_phase
from ..errors import DerandWarning, check_option, check_seconds, is_integer
from .student import Student
from .teacher import TEACHERS, Teacher, make_teacher

__all__ = ["EFFECTIVE_RANK_THRESHOLD", "StructureResult", "discover_structure", "effective_rank",
           "subspace_alignment"]

#: A singular value counts towards the effective rank when it is above this
#: fraction of the largest one.
EFFECTIVE_RANK_THRESHOLD = 0.05
#: The step decays by a cosine from ``lr`` to LR_FLOOR * lr over the run.
LR_FLOOR = 0.01
#: PGD kicks (and may stop early) only where ||grad|| <= KICK_FRACTION * grad_tol;
#: the full tolerance is applied once, at the end of the budget. Near a saddle
#: the gradient vanishes, so kicks still happen there; but the gradient falls
#: below grad_tol long before W_perp has finished decaying (in the default run
#: at step 892, with ||W_perp||_F = 0.19, four times its value after the
#: 4000-step budget), and stopping there would stop the lemma half-way.
KICK_FRACTION = 1e-2
#: The final second-order test (80 Lanczos steps, each a Hessian-vector
#: product) costs about this many training steps; a time limit keeps room for it.
CHECK_ITERATIONS = 500


def effective_rank(singular_values: torch.Tensor, threshold: float = EFFECTIVE_RANK_THRESHOLD) -> int:
    """The number of singular values above ``threshold`` times the largest.

    >>> effective_rank(torch.tensor([3.0, 1.0, 0.1]))
    2
    """
    if singular_values.numel() == 0 or float(singular_values.max()) == 0.0:
        return 0
    return int((singular_values > threshold * singular_values.max()).sum())


def subspace_alignment(W: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    """Cosines of the principal angles between the top-r right singular subspace of W and span(U).

    Parameters
    ----------
    W : torch.Tensor
        (m, d), m >= r.
    U : torch.Tensor
        (r, d) with orthonormal rows.

    Returns
    -------
    torch.Tensor
        r cosines in [0, 1], largest first; all ones when the two subspaces coincide.

    Examples
    --------
    >>> U = torch.eye(3, dtype=torch.float64)[:2]
    >>> subspace_alignment(torch.diag(torch.tensor([2.0, 1.0, 0.0], dtype=torch.float64)), U)
    tensor([1., 1.], dtype=torch.float64)
    """
    r = U.shape[0]
    Vh = torch.linalg.svd(W, full_matrices=False).Vh[:r]
    return torch.linalg.svdvals(Vh @ U.T).clamp(0.0, 1.0)


@dataclass(frozen=True)
class StructureResult:
    """What the first layer of a trained student looks like, against the teacher.

    Attributes
    ----------
    dim, teacher_rank, teacher, width, depth, samples, online, steps, reg, lr, freeze_bias, num_params
        The setting (``samples`` is the fixed training sample's size, or
        the batch drawn for each step when ``online``).
    singular_values, singular_values_start : tuple of float
        Singular values of W_1 at the end and at initialization, largest first.
    effective_rank, effective_rank_start : int
        How many are above 5 % of the largest.
    alignment, alignment_start : float
        The smallest cosine of the principal angles between the top-r right
        singular subspace of W_1 and span(U) (1: span(U) found exactly).
    principal_cosines : tuple of float
        All r cosines at the end.
    orthogonal_norm, orthogonal_norm_start : float
        ||W_1 (I - U^T U)||_F, the component the lemma drives to 0.
    parallel_norm, parallel_norm_start : float
        ||W_1 U^T||_F, the component inside the teacher's subspace.
    history : tuple of (step, orthogonal_norm, parallel_norm)
        Recorded along the run.
    spectrum_history : tuple of (step, singular values)
        W_1's spectrum along the run.
    loss_history : tuple of (step, objective, gradient norm)
        PGD's own record.
    train_loss, test_loss : float
        Mean squared error on the training sample (on the test sample when
        ``online``: there is no fixed training sample) and on a fresh test sample.
    test_variance : float
        Var(y) on the test sample: the test loss of the best constant.
    sosp : SecondOrderCheck
        Gradient norm and the smallest Hessian eigenvalue (Lanczos) of the
        training objective at the final point.
    iterations, kicks : int
    status, message : str
        PGD's status (``sosp``, ``max_iters``, ``interrupted``, ``failed``).
    seconds : float
    seed : int
    device, dtype : str
    """

    dim: int
    teacher_rank: int
    teacher: str
    width: int
    depth: int
    samples: int
    online: bool
    steps: int
    reg: float
    lr: float
    freeze_bias: bool
    num_params: int
    singular_values: tuple[float, ...]
    singular_values_start: tuple[float, ...]
    effective_rank: int
    effective_rank_start: int
    alignment: float
    alignment_start: float
    principal_cosines: tuple[float, ...]
    orthogonal_norm: float
    orthogonal_norm_start: float
    parallel_norm: float
    parallel_norm_start: float
    train_loss: float
    test_loss: float
    test_variance: float
    sosp: SecondOrderCheck
    iterations: int
    kicks: int
    status: str
    message: str
    seconds: float
    seed: int
    device: str
    dtype: str
    history: tuple[tuple[int, float, float], ...] = field(default=())
    spectrum_history: tuple[tuple[int, tuple[float, ...]], ...] = field(default=(), repr=False)
    loss_history: tuple[tuple[int, float, float], ...] = field(default=(), repr=False)

    @property
    def orthogonal_shrink(self) -> float:
        """orthogonal_norm_start / orthogonal_norm: how far the lemma has acted."""
        return self.orthogonal_norm_start / self.orthogonal_norm if self.orthogonal_norm > 0 else math.inf

    @property
    def relative_orthogonal_norm(self) -> float:
        """||W_perp||_F / ||W_1||_F at the end."""
        total = math.hypot(self.orthogonal_norm, self.parallel_norm)
        return self.orthogonal_norm / total if total > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "version": __version__,
            "problem": "structure",
            "status": self.status,
            "message": self.message,
            "dim": self.dim,
            "teacher_rank": self.teacher_rank,
            "teacher": self.teacher,
            "width": self.width,
            "depth": self.depth,
            "samples": self.samples,
            "online": self.online,
            "steps": self.steps,
            "reg": self.reg,
            "lr": self.lr,
            "freeze_bias": self.freeze_bias,
            "num_params": self.num_params,
            "singular_values": list(self.singular_values),
            "effective_rank": self.effective_rank,
            "effective_rank_threshold": EFFECTIVE_RANK_THRESHOLD,
            "alignment": self.alignment,
            "principal_cosines": list(self.principal_cosines),
            "orthogonal_norm": self.orthogonal_norm,
            "orthogonal_norm_start": self.orthogonal_norm_start,
            "orthogonal_shrink": self.orthogonal_shrink,
            "relative_orthogonal_norm": self.relative_orthogonal_norm,
            "parallel_norm": self.parallel_norm,
            "parallel_norm_start": self.parallel_norm_start,
            "orthogonal_norm_history": [[step, perp] for step, perp, _ in self.history],
            "parallel_norm_history": [[step, par] for step, _, par in self.history],
            "start": {
                "singular_values": list(self.singular_values_start),
                "effective_rank": self.effective_rank_start,
                "alignment": self.alignment_start,
            },
            "train_loss": self.train_loss,
            "test_loss": self.test_loss,
            "test_variance": self.test_variance,
            "grad_norm": self.sosp.grad_norm,
            "min_hessian_eigenvalue": self.sosp.min_eigenvalue,
            "sosp": {"reached": self.sosp.is_sosp, **self.sosp.to_dict()},
            "iterations": self.iterations,
            "kicks": self.kicks,
            "seconds": self.seconds,
            "seed": self.seed,
            "device": self.device,
            "dtype": self.dtype,
        }


class _Risk:
    """0.5 * mean (f(x_i) - y_i)^2 + lam * (sum of squared weights) on a fixed sample."""

    def __init__(self, student: Student, X: torch.Tensor, y: torch.Tensor, reg: float):
        self.student, self.X, self.y, self.reg = student, X, y, reg

    def loss(self, x: torch.Tensor, X: torch.Tensor | None = None, y: torch.Tensor | None = None) -> torch.Tensor:
        X = self.X if X is None else X
        y = self.y if y is None else y
        residual = self.student.forward(x, X) - y
        return 0.5 * (residual * residual).mean() + self.reg * self.student.weight_norm_sq(x)

    def value(self, x: torch.Tensor) -> float:
        with torch.no_grad():
            return float(self.loss(x))

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            return torch.autograd.grad(self.loss(x), x)[0]

    def hvp(self, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Exact Hessian-vector product by double backward."""
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            g = torch.autograd.grad(self.loss(x), x, create_graph=True)[0]
            return torch.autograd.grad(g @ v, x)[0]

    def mse(self, x: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> float:
        with torch.no_grad():
            residual = self.student.forward(x, X) - y
            return float((residual * residual).mean())


class _OnlineRisk(_Risk):
    """Gradients on a fresh sample each call (the population risk, unbiased);
    values and Hessian-vector products on a fixed check sample."""

    def __init__(self, student: Student, teacher: Teacher, batch: int, check: tuple[torch.Tensor, torch.Tensor],
                 reg: float, generator: torch.Generator):
        super().__init__(student, check[0], check[1], reg)
        self.teacher, self.batch, self.generator = teacher, batch, generator

    def gradient(self, x: torch.Tensor) -> torch.Tensor:
        X, y = self.teacher.sample(self.batch, generator=self.generator)
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            return torch.autograd.grad(self.loss(x, X, y), x)[0]

    def check_gradient(self, x: torch.Tensor) -> torch.Tensor:
        return _Risk.gradient(self, x)



@contextlib.contextmanager
def _intra_op_threads(threads: int | None, device: torch.device) -> Iterator[None]:
    """Run with ``threads`` torch CPU threads, restoring the previous setting after.

    The student is small (tens of thousands of multiply-adds per layer), so
    splitting each operation across threads gains little on an idle machine
    and costs several times over as soon as another process holds a core
    (the threads then wait on each other at every operation).
    """
    if threads is None or device.type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class _Trained:
    """The student's training objective as an engine problem; ||W|| is the first layer off the teacher's subspace."""

    def __init__(self, objective: SmoothObjective, student: Student, P_perp: torch.Tensor):
        self.value, self.gradient, self.hvp = objective.value, objective.gradient, objective.hvp
        self.student, self.P_perp = student, P_perp

    def w_norm(self, x: torch.Tensor) -> float:
        return float((self.student.first_layer(x) @ self.P_perp).norm())

    def collapse(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - the engine runs without the jump
        raise NotImplementedError("structure discovery has no jump to W = 0")


def discover_structure(
    *,
    dim: int = 16,
    teacher_rank: int = 2,
    teacher: str = "tanh-sum",
    width: int = 32,
    depth: int = 1,
    samples: int = 2048,
    online: bool = False,
    steps: int = 4000,
    reg: float = 1e-4,
    freeze_bias: bool = False,
    lr: float = 0.1,
    sharpness: float = 1.0,
    test_samples: int = 8192,
    grad_tol: float = 1e-3,
    hess_tol: float = 1e-3,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "float64",
    threads: int | None = 1,
    progress: Progress | None = None,
    time_limit: float | None = None,
) -> StructureResult:
    """Train a student on a multiple-index teacher by PGD and measure its first layer.

    Pseudocode::

        U = random r x d orthonormal;  y = h(U x),  x ~ N(0, I_d)
        theta = LeCun-normal weights, zero biases
        PGD (Adam steps, cosine-decayed, kicks where the gradient is small)
            on 0.5 mean (f_theta(x_i) - y_i)^2 + lam sum_l ||W_l||_F^2
        W_1 = theta's first layer
        report svd(W_1), #{s_i > 0.05 s_1}, principal angles(top-r rows of W_1, U),
               ||W_1 (I - U^T U)||_F along the run, test MSE,
               ||grad||, lambda_min(hess) (Lanczos) at the end

    Parameters
    ----------
    dim : int
        Input dimension d >= 2.
    teacher_rank : int
        r, 1 <= r < d.
    teacher : {"tanh-sum", "mlp"}
        The link h (see :func:`solver.structure.make_teacher`).
    width, depth : int
        The student's hidden units per layer (>= r) and hidden layers.
    samples : int
        Size of the fixed training sample, or of each step's fresh batch when ``online``.
    online : bool
        A fresh Gaussian sample for every gradient (the population risk)
        instead of one fixed sample.
    steps : int
        PGD iteration budget; fewer are used if an approximate SOSP is certified first.
    reg : float
        Weight decay lam >= 0 on every weight matrix (biases are not penalized).
    freeze_bias : bool
        Fix every bias at 0 (the control in which the lemma does not apply).
    lr : float
        Initial Adam step; it decays by a cosine to 1 % of itself.
    sharpness : float
        beta of the smooth ReLU softplus(beta t) / beta.
    test_samples : int
        Size of the test sample. In online mode the final second-order test
        is measured on it too (nothing is fitted to it), so its own sampling
        error, not the optimizer, sets how small the gradient can look.
    grad_tol, hess_tol : float
        The approximate-SOSP test ||grad|| <= grad_tol, lambda_min >= -hess_tol.
    seed : int
        Seeds the teacher, the samples, the initialization, the kicks and
        Lanczos; a run is reproducible on one device.
    device : {"auto", "cpu", "cuda"}
    dtype : {"float64", "float32"}
    threads : int or None
        torch CPU threads during the run (restored after); ``None`` leaves
        torch's setting alone. One is fastest for students this small on a
        shared machine.
    progress : callable, optional
        ``progress(phase, done, total)``; the phase is ``train``.
    time_limit : float, optional
        Seconds for the whole run. Training stops early enough for the
        second-order test (timed in PGD steps as it goes); the status is
        then ``time_limit``.

    Returns
    -------
    StructureResult

    Raises
    ------
    OptionError
        For a parameter outside its range, named in the message.

    Warns
    -----
    DerandWarning
        When PGD stops without certifying an approximate SOSP (the result
        still reports the gradient norm and the smallest Hessian eigenvalue).

    References
    ----------
    Tsikouras, Pantis, Mitliagkas, Tzamos, "A Derandomization Framework for
    Structure Discovery", ICLR 2026, arXiv 2510.19382.

    Examples
    --------
    >>> r = discover_structure(dim=8, width=16, samples=512, steps=1500, device="cpu")
    >>> r.effective_rank, r.alignment > 0.999, r.orthogonal_shrink > 10
    (2, True, True)
    """
    start = time.monotonic()
    check_option(is_integer(dim) and dim >= 2, "dim", "an integer >= 2", dim)
    check_option(is_integer(teacher_rank) and 1 <= teacher_rank < dim, "teacher_rank",
                 f"an integer between 1 and dim - 1 = {dim - 1}", teacher_rank)
    check_option(teacher in TEACHERS, "teacher", f"one of {', '.join(TEACHERS)}", teacher)
    check_option(is_integer(width) and width >= teacher_rank, "width",
                 f"an integer >= teacher_rank = {teacher_rank}", width)
    check_option(is_integer(depth) and depth >= 1, "depth", "a positive integer", depth)
    check_option(is_integer(samples) and samples >= 1, "samples", "a positive integer", samples)
    check_option(is_integer(steps) and steps >= 1, "steps", "a positive integer", steps)
    check_option(isinstance(reg, (int, float)) and math.isfinite(reg) and reg >= 0, "reg",
                 "a finite number >= 0", reg)
    check_option(isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0, "lr", "a positive number", lr)
    check_option(isinstance(sharpness, (int, float)) and math.isfinite(sharpness) and sharpness > 0, "sharpness",
                 "a positive number", sharpness)
    check_option(is_integer(test_samples) and test_samples >= 2, "test_samples", "an integer >= 2", test_samples)
    check_option(grad_tol > 0, "grad_tol", "a positive number", grad_tol)
    check_option(hess_tol > 0, "hess_tol", "a positive number", hess_tol)
    check_option(is_integer(seed), "seed", "an integer", seed)
    check_option(threads is None or (is_integer(threads) and threads >= 1), "threads", "a positive integer or None",
                 threads)
    check_seconds("time_limit", time_limit)
    deadline = None if time_limit is None else start + float(time_limit)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    reg, lr = float(reg), float(lr)
    gen = make_generator(seed, dev)

    with _intra_op_threads(threads, dev):
        # Draw order is fixed (teacher, init, train sample, test sample) so the
        # controls see the same teacher, data and W_1 at the start as the default.
        target = make_teacher(teacher, dim, teacher_rank, generator=gen, device=dev, dtype=dt)
        student = Student(dim=dim, width=width, depth=depth, freeze_bias=freeze_bias, sharpness=float(sharpness))
        x0 = student.init(generator=gen, device=dev, dtype=dt)
        X_train, y_train = target.sample(samples, generator=gen)
        X_test, y_test = target.sample(test_samples, generator=gen)
        if online:
            risk: _Risk = _OnlineRisk(student, target, samples, (X_test, y_test), reg, gen)
            check_objective = SmoothObjective(risk.value, risk.check_gradient, risk.hvp)
        else:
            risk = _Risk(student, X_train, y_train, reg)
            check_objective = None
        objective = SmoothObjective(risk.value, risk.gradient, risk.hvp)
        check_objective = check_objective or objective

        U = target.U
        P_perp = target.orthogonal_projector()

        def measure(x: torch.Tensor) -> tuple[float, float, torch.Tensor]:
            W = student.first_layer(x)
            return float((W @ P_perp).norm()), float((W @ U.T).norm()), torch.linalg.svdvals(W)

        record_every = max(10, (steps // 100) // 10 * 10)
        perp0, par0, s0 = measure(x0)
        history = [(0, perp0, par0)]
        spectrum = [(0, tuple(float(v) for v in s0))]

        clock: dict = {"iterations": 0, "first": None}

        def out_of_time() -> bool:
            # stop while the second-order test still fits: it costs about
            # CHECK_ITERATIONS training steps, timed from the first check on
            # (the first steps include warm-up)
            now, first = time.monotonic(), clock["first"]
            if now > deadline or first is None or clock["iterations"] <= first[0]:
                return now > deadline
            per_step = (now - first[1]) / (clock["iterations"] - first[0])
            return now + CHECK_ITERATIONS * per_step > deadline

        def record(it: int, x: torch.Tensor) -> None:
            clock["iterations"] = it
            if clock["first"] is None:
                clock["first"] = (it, time.monotonic())
            if it % record_every == 0:
                perp, par, s = measure(x)
                history.append((it, perp, par))
                spectrum.append((it, tuple(float(v) for v in s)))

        def schedule(it: int) -> float:
            return lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * min(it, steps) / steps)))

        # The engine without the jump to W = 0: here the lemma acts on the first
        # layer's directions off the teacher's subspace, which weight decay
        # drives to 0 at the SOSP; PGD kicks below KICK_FRACTION * grad_tol and
        # the test applies the full tolerance, on the check sample.
        done = run_engine(
            _Trained(objective, student, P_perp), x0, generator=gen, lr=schedule, max_iters=steps,
            grad_tol=KICK_FRACTION * grad_tol, hess_tol=hess_tol, kick_radius=1e-3, kick_wait=50, check_every=10,
            value_every=record_every, collapse=False, deadline=None if deadline is None else out_of_time,
            test_every_end=True, test_objective=check_objective, test_grad_tol=grad_tol, lanczos_steps=80,
            observe=record, progress=for_phase(progress, "train"),
        )
        run, x = done.run, done.x
        check = done.sosp or SecondOrderCheck(math.nan, math.nan, math.nan, 0, grad_tol, hess_tol)
        perp, par, s = measure(x)
        if history[-1][0] != run.iterations:
            history.append((run.iterations, perp, par))
            spectrum.append((run.iterations, tuple(float(v) for v in s)))
        cosines = subspace_alignment(student.first_layer(x), U)
        cosines0 = subspace_alignment(student.first_layer(x0), U)
        status, message = run.status, run.message
        figures = f"||grad|| = {check.grad_norm:.2e}, lambda_min(hess) = {check.min_eigenvalue:.2e}"
        if status in ("sosp", "max_iters"):
            if check.is_sosp:
                status, message = "sosp", f"approximate SOSP after {run.iterations} steps: {figures}"
            else:
                status, message = "max_iters", f"no approximate SOSP within {steps} steps: {figures}"
        if status != "sosp" and status != "interrupted":
            warnings.warn(f"structure: {message} (tolerances ||grad|| <= {grad_tol:g}, "
                          f"lambda_min >= -{hess_tol:g})", DerandWarning, stacklevel=2)
        X_fit, y_fit = (X_test, y_test) if online else (X_train, y_train)
        return StructureResult(
            dim=dim, teacher_rank=teacher_rank, teacher=teacher, width=width, depth=depth, samples=samples,
            online=bool(online), steps=steps, reg=reg, lr=lr, freeze_bias=bool(freeze_bias),
            num_params=student.num_params,
            singular_values=tuple(float(v) for v in s),
            singular_values_start=tuple(float(v) for v in s0),
            effective_rank=effective_rank(s),
            effective_rank_start=effective_rank(s0),
            alignment=float(cosines.min()),
            alignment_start=float(cosines0.min()),
            principal_cosines=tuple(float(v) for v in cosines),
            orthogonal_norm=perp, orthogonal_norm_start=perp0,
            parallel_norm=par, parallel_norm_start=par0,
            train_loss=risk.mse(x, X_fit, y_fit),
            test_loss=risk.mse(x, X_test, y_test),
            test_variance=float(y_test.var()),
            sosp=check,
            iterations=run.iterations, kicks=run.kicks, status=status, message=message,
            seconds=time.monotonic() - start, seed=seed, device=str(dev), dtype=str(dt).replace("torch.", ""),
            history=tuple(history), spectrum_history=tuple(spectrum), loss_history=run.history,
        )
