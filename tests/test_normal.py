"""Phi and Phi2 in torch against scipy, special values and derivatives."""

import numpy as np
import pytest
import torch
from scipy import stats

from solver.core.normal import bivariate_normal_cdf, bivariate_normal_pdf, normal_cdf

T = lambda x: torch.as_tensor(np.asarray(x, dtype=np.float64))  # noqa: E731


def scipy_phi2(h, k, rho):
    cov = [[1.0, rho], [rho, 1.0]]
    return float(stats.multivariate_normal([0.0, 0.0], cov, abseps=1e-14, releps=1e-14).cdf([h, k]))


def test_against_scipy_in_every_rho_band():
    rng = np.random.default_rng(0)
    rho = np.concatenate([rng.uniform(-0.3, 0.3, 60), rng.uniform(0.3, 0.75, 60) * rng.choice([-1, 1], 60),
                          rng.uniform(0.75, 0.925, 60) * rng.choice([-1, 1], 60),
                          rng.uniform(0.925, 0.999, 60) * rng.choice([-1, 1], 60)])
    h = rng.normal(0, 1.5, rho.size)
    k = rng.normal(0, 1.5, rho.size)
    got = bivariate_normal_cdf(T(h), T(k), T(rho)).numpy()
    want = np.array([scipy_phi2(*args) for args in zip(h, k, rho)])
    assert np.max(np.abs(got - want)) < 1e-9


def mpmath_phi2(h, k, rho):
    """The same integral in 30-digit arithmetic, split towards the singular end at rho."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    h, k, r = mp.mpf(h), mp.mpf(k), mp.mpf(rho)
    f = lambda t: mp.exp(-(h * h - 2 * t * h * k + k * k) / (2 * (1 - t * t))) / (2 * mp.pi * mp.sqrt(1 - t * t))  # noqa: E731
    points = [0] + [r * (1 - mp.mpf(10) ** (-e)) for e in range(1, 14)] + [r]
    return float(mp.ncdf(h) * mp.ncdf(k) + mp.quad(f, points))


def test_near_perfect_correlation_and_close_limits():
    # scipy's adaptive quadrature itself fails here (errors of 1e-4), hence mpmath.
    rng = np.random.default_rng(1)
    rho = np.concatenate([1 - 10 ** rng.uniform(-12, -2, 20), -1 + 10 ** rng.uniform(-12, -2, 20)])
    h = rng.normal(0, 2, rho.size)
    k = h + rng.normal(0, 1e-3, rho.size)  # the boundary layer of the high-rho integral
    got = bivariate_normal_cdf(T(h), T(k), T(rho)).numpy()
    want = np.array([mpmath_phi2(*args) for args in zip(h, k, rho)])
    assert np.max(np.abs(got - want)) < 1e-9


@pytest.mark.parametrize("h,k", [(0.3, -1.2), (2.0, 2.5), (-1.0, -0.4)])
def test_special_values(h, k):
    Ph, Pk = stats.norm.cdf(h), stats.norm.cdf(k)
    f = lambda r: float(bivariate_normal_cdf(T([h]), T([k]), T([r]))[0])  # noqa: E731
    assert f(0.0) == pytest.approx(Ph * Pk, abs=1e-15)
    assert f(1.0) == pytest.approx(min(Ph, Pk), abs=1e-15)
    assert f(-1.0) == pytest.approx(max(0.0, Ph + Pk - 1), abs=1e-15)


def test_origin_has_sheppards_closed_form():
    rho = np.linspace(-0.999, 0.999, 41)
    got = bivariate_normal_cdf(T(0 * rho), T(0 * rho), T(rho)).numpy()
    assert np.allclose(got, 0.25 + np.arcsin(rho) / (2 * np.pi), atol=1e-15)


def test_extreme_limits_are_finite():
    h = T([1e300, -1e300, 50.0, -50.0, 40.0, np.inf, -np.inf])
    k = T([-1e300, 1e300, -50.0, 50.0, -39.0, 1.0, 1.0])
    for r in (-0.99, -0.5, 0.0, 0.5, 0.99):
        out = bivariate_normal_cdf(h, k, torch.full_like(h, r))
        assert torch.all(torch.isfinite(out)) and torch.all((out >= 0) & (out <= 1))
    assert float(bivariate_normal_cdf(T([np.inf]), T([1.0]), T([0.3]))[0]) == pytest.approx(stats.norm.cdf(1.0))


def test_normal_cdf_tails():
    x = T([-37.0, -10.0, -3.0, 0.0, 3.0, 10.0])
    assert np.allclose(normal_cdf(x).numpy(), stats.norm.cdf(x.numpy()), rtol=1e-12, atol=0)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    h = T(rng.normal(0, 1, 12)).requires_grad_(True)
    k = T(rng.normal(0, 1, 12)).requires_grad_(True)
    rho = T(rng.uniform(-0.95, 0.95, 12)).requires_grad_(True)
    assert torch.autograd.gradcheck(bivariate_normal_cdf, (h, k, rho), eps=1e-6, atol=1e-8)


def test_second_derivatives_through_the_closed_form_backward():
    rng = np.random.default_rng(3)
    h = T(rng.normal(0, 1, 6)).requires_grad_(True)
    k = T(rng.normal(0, 1, 6)).requires_grad_(True)
    rho = T(rng.uniform(-0.9, 0.9, 6)).requires_grad_(True)
    assert torch.autograd.gradgradcheck(bivariate_normal_cdf, (h, k, rho), eps=1e-6, atol=1e-7)


def test_density_is_the_rho_derivative():
    h, k, r = T([0.4]), T([-0.7]), T([0.35])
    eps = 1e-6
    fd = (bivariate_normal_cdf(h, k, r + eps) - bivariate_normal_cdf(h, k, r - eps)) / (2 * eps)
    assert float(fd) == pytest.approx(float(bivariate_normal_pdf(h, k, r)), rel=1e-7)
