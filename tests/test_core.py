"""The problem-agnostic core: Lanczos, Hessian-vector products, PGD, devices."""

import numpy as np
import pytest
import torch

from solver.core.device import make_generator, resolve_device, resolve_dtype
from solver.core.hessian import finite_difference_hvp, lanczos_min_eigenvalue
import solver.core.pgd as pgd
from solver.core.jit import HAVE_NUMBA
from solver.core.pgd import SmoothObjective, perturbed_gradient_descent
from solver.core.sampler import GaussianSampler
from solver.errors import OptionError


def test_lanczos_finds_the_smallest_eigenvalue():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(60, 60))
    A = torch.as_tensor(A + A.T)
    res = lanczos_min_eigenvalue(lambda v: A @ v, torch.randn(60, dtype=torch.float64,
                                 generator=torch.Generator().manual_seed(0)), max_steps=60)
    assert res.eigenvalue == pytest.approx(float(torch.linalg.eigvalsh(A)[0]), abs=1e-8)
    assert res.residual < 1e-6


def test_finite_difference_hvp_matches_the_hessian():
    A = torch.tensor([[3.0, 1.0], [1.0, -2.0]], dtype=torch.float64)
    grad = lambda x: A @ x + x ** 3  # noqa: E731  gradient of x^T A x / 2 + sum x^4 / 4
    x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    v = torch.tensor([1.0, 2.0], dtype=torch.float64)
    H = A + torch.diag(3 * x ** 2)
    assert torch.allclose(finite_difference_hvp(grad, x)(v), H @ v, atol=1e-7)


def _saddle():
    # f(x, y) = x^2/2 + (y^2 - 1)^2/4: a strict saddle at the origin, minima at y = +-1.
    value = lambda z: float(0.5 * z[0] ** 2 + 0.25 * (z[1] ** 2 - 1) ** 2)  # noqa: E731
    grad = lambda z: torch.stack([z[0], z[1] * (z[1] ** 2 - 1)])  # noqa: E731
    return SmoothObjective(value, grad)


def test_pgd_escapes_a_strict_saddle_by_kicks_and_certifies_the_minimum():
    res = perturbed_gradient_descent(_saddle(), torch.zeros(2, dtype=torch.float64), lr=0.05, max_iters=5000,
                                     grad_tol=1e-6, hess_tol=1e-3, kick_radius=1e-2, kick_wait=20,
                                     generator=torch.Generator().manual_seed(0))
    assert res.status == "sosp" and res.kicks >= 1
    assert abs(abs(float(res.x[1])) - 1) < 1e-4 and abs(float(res.x[0])) < 1e-4
    assert res.check.min_eigenvalue == pytest.approx(1.0, abs=1e-3)  # hess = diag(1, 3y^2 - 1) = diag(1, 2)
    assert res.value == pytest.approx(0.0, abs=1e-8)


def test_pgd_without_kicks_would_stay_and_reports_the_negative_curvature():
    res = perturbed_gradient_descent(_saddle(), torch.zeros(2, dtype=torch.float64), max_iters=100,
                                     grad_tol=1e-6, hess_tol=1e-3, kick_radius=0.0, kick_wait=10,
                                     generator=torch.Generator().manual_seed(0))
    assert res.status == "max_iters" and res.check is not None
    assert res.check.min_eigenvalue == pytest.approx(-1.0, abs=1e-6) and not res.check.is_sosp


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
def test_compiled_adam_step_follows_the_tensor_one(monkeypatch):
    x0 = torch.tensor([1.0, 2.0], dtype=torch.float64)
    run = lambda: perturbed_gradient_descent(_saddle(), x0, lr=0.05, max_iters=200, grad_tol=0.0,  # noqa: E731
                                             generator=torch.Generator().manual_seed(0))
    compiled = run()
    monkeypatch.setattr(pgd, "HAVE_NUMBA", False)
    tensors = run()
    assert compiled.iterations == tensors.iterations == 200
    assert torch.allclose(compiled.x, tensors.x, atol=1e-12)
    assert float(x0[0]) == 1.0  # the start is not modified in place


def test_pgd_honours_stop_rule_and_deadline():
    obj = _saddle()
    x0 = torch.tensor([1.0, 2.0], dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    stopped = perturbed_gradient_descent(obj, x0, stop=lambda it, x: it >= 20, generator=gen)
    assert stopped.status == "stopped" and stopped.iterations == 20
    late = perturbed_gradient_descent(obj, x0, deadline=0.0, generator=gen)
    assert late.status == "time_limit"


def test_sampler_mean_and_covariance():
    W = torch.tensor([[1.0, 0.0], [0.5, 2.0]], dtype=torch.float64)
    b = torch.tensor([3.0, -1.0], dtype=torch.float64)
    y = GaussianSampler(W, b).sample(100_000, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(y.mean(0), b, atol=0.03)
    assert torch.allclose(torch.cov(y.T), W @ W.T, atol=0.06)


def test_device_and_dtype_conventions():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    assert resolve_dtype("float32") is torch.float32
    with pytest.raises(OptionError, match="The 'device' parameter"):
        resolve_device("tpu")
    with pytest.raises(OptionError, match="The 'dtype' parameter"):
        resolve_dtype("float16")
    if not torch.cuda.is_available():
        with pytest.raises(OptionError, match="CUDA"):
            resolve_device("cuda")
    g1 = make_generator(3, torch.device("cpu"))
    g2 = make_generator(3, torch.device("cpu"))
    assert torch.equal(torch.randn(4, generator=g1), torch.randn(4, generator=g2))
