"""The derandomization engine: the guarantee, the jump to W = 0, the lemma without the jump, Monte Carlo
expectations against finite differences, and the documented user example."""

import math

import pytest
import torch

from solver.core import MonteCarloExpectation, RoundingProblem, derandomize
from solver.core.normal import normal_cdf


def _classifier_example(samples=4000):
    """docs/engine.md's example, verbatim in substance."""
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(200, 5, generator=gen, dtype=torch.float64)
    t = torch.sign(X @ torch.tensor([1.0, -2.0, 0.5, 0.0, 1.5], dtype=torch.float64)
                   + 0.5 * torch.randn(200, generator=gen, dtype=torch.float64))

    def accuracy(Y):
        return torch.sigmoid(4.0 * (Y @ X.T) * t).mean(dim=1)

    W0, b0 = 0.8 * torch.eye(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64)
    quality = MonteCarloExpectation(accuracy, dim_z=5, samples=samples, generator=gen)
    problem = RoundingProblem(quality, W0, b0, reg=1e-3)
    result = derandomize(problem, problem.start, generator=gen, step="armijo", lr=1e-2)
    return accuracy, quality, problem, result, W0, b0


def test_the_documented_example_keeps_the_guarantee():
    accuracy, quality, problem, result, W0, b0 = _classifier_example()
    W, b = problem.unpack(result.x)
    assert result.collapsed and float(W.norm()) == 0.0
    value = float(accuracy(b[None])[0])
    estimate = float(quality(W0, b0))
    # exact for the estimate: every step descended, and the jump does not raise f
    assert value >= estimate - problem.reg * float((W0 ** 2).sum()) - 1e-12
    assert result.final_value <= result.start_value
    # and against the true expectation, from draws the engine never saw
    fresh = MonteCarloExpectation(accuracy, dim_z=5, samples=40000, generator=torch.Generator().manual_seed(7))
    assert value >= float(fresh(W0, b0)) - 4 * fresh.standard_error(W0, b0)
    assert result.sosp is not None and result.sosp.grad_norm >= 0


def test_monte_carlo_gradient_matches_finite_differences():
    accuracy, quality, problem, _, W0, b0 = _classifier_example(samples=500)
    x = problem.start.clone() + 0.01 * torch.randn(problem.start.shape, generator=torch.Generator().manual_seed(3),
                                                   dtype=torch.float64)
    g = problem.gradient(x)
    for i in (0, 7, 24, 27):
        e = torch.zeros_like(x)
        e[i] = 1e-6
        fd = (problem.value(x + e) - problem.value(x - e)) / 2e-6
        assert g[i].item() == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_at_w_zero_the_estimate_is_exact():
    accuracy, quality, _, _, _, b0 = _classifier_example(samples=100)
    b = torch.tensor([0.3, -0.2, 0.1, 0.0, 0.4], dtype=torch.float64)
    W = torch.zeros(5, 5, dtype=torch.float64)
    assert float(quality(W, b)) == pytest.approx(float(accuracy(b[None])[0]), rel=1e-15)
    assert quality.standard_error(W, b) == 0.0


def test_closed_form_rounding_against_monte_carlo():
    # E[Phi(y_1)] for y = W z + b has the closed form Phi(b_1 / sqrt(1 + ||W_1||^2))
    W = torch.tensor([[0.6, 0.3], [0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([0.4, -1.0], dtype=torch.float64)
    mc = MonteCarloExpectation(lambda Y: normal_cdf(Y[:, 0]), dim_z=2, samples=200000,
                               generator=torch.Generator().manual_seed(1))
    exact = float(normal_cdf(b[0] / torch.sqrt(1 + (W[0] ** 2).sum())))
    assert float(mc(W, b)) == pytest.approx(exact, abs=4 * mc.standard_error(W, b))


def test_without_the_jump_pgd_drives_w_to_zero():
    """The lemma itself: a rounding whose expectation depends on W only through a penalty-like term."""
    c = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)

    def expectation(W, b):  # E[-||y - c||^2] = -||b - c||^2 - ||W||_F^2
        return -((b - c) ** 2).sum() - (W ** 2).sum()

    W0 = torch.randn(3, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    problem = RoundingProblem(expectation, W0, torch.zeros(3, dtype=torch.float64), reg=0.01)
    result = derandomize(problem, problem.start, generator=torch.Generator().manual_seed(0), collapse=False,
                         step="armijo", max_iters=5000, grad_tol=1e-9, hess_tol=1e-9)
    assert not result.collapsed and result.status == "sosp"
    assert result.w_norm_final < 1e-8 < result.w_norm_start
    assert torch.allclose(problem.unpack(result.x)[1], c, atol=1e-8)


def test_the_jump_is_taken_only_when_it_does_not_raise_f():
    # E[Phi(k y)] with small k is larger with noise on the negative side: here W = 0 raises f at the start
    def expectation(W, b):
        s = torch.sqrt(1 + (W ** 2).sum())
        return normal_cdf(-b[0] / s)  # maximized by b -> -inf; with b > 0, noise helps

    problem = RoundingProblem(expectation, torch.tensor([[2.0]], dtype=torch.float64),
                              torch.tensor([1.0], dtype=torch.float64), reg=0.0)
    x = problem.start
    assert problem.value(problem.collapse(x)) > problem.value(x)  # the jump would raise f here
    result = derandomize(problem, x, generator=torch.Generator().manual_seed(0), step="armijo", lr=0.1,
                         max_iters=4000)
    assert result.final_value <= result.start_value + 1e-15
    if result.collapsed:
        assert problem.value(result.x) <= result.start_value
    assert math.isfinite(result.final_value)
