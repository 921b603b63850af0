"""The closed-form expected cut: GW value at mu = 0, Monte Carlo, gradients."""

import math

import numpy as np
import pytest
import torch

from solver.core.sampler import GaussianSampler
import solver.maxcut.objective as objective
from solver.core.jit import HAVE_NUMBA
from solver.maxcut.objective import EdgeData, expected_cut, expected_cut_gradient, gw_expected_cut, penalized_gradient

from .conftest import random_graph


def _instance(n=14, p=0.4, seed=0, rank=4, weights="signed"):
    g = random_graph(n, p, seed, weights=weights)
    gen = torch.Generator().manual_seed(seed)
    V = torch.randn(n, rank, generator=gen, dtype=torch.float64)
    mu = 0.7 * torch.randn(n, generator=gen, dtype=torch.float64)
    return g, EdgeData.from_graph(g), V, mu


def test_value_at_zero_mean_is_the_goemans_williamson_expectation():
    g, e, V, _ = _instance()
    U = V / V.norm(dim=1, keepdim=True)
    rho = (U[g.edges[:, 0]] * U[g.edges[:, 1]]).sum(1).numpy()
    want = float(np.sum(g.weights * np.arccos(np.clip(rho, -1, 1)) / math.pi))
    got = float(expected_cut(V, torch.zeros(g.n, dtype=torch.float64), e))
    assert got == pytest.approx(want, abs=1e-10)
    assert gw_expected_cut(V, e) == pytest.approx(want, abs=1e-10)


def test_matches_monte_carlo_of_the_sampler():
    g, e, V, mu = _instance(n=12, seed=3)
    draws = GaussianSampler(V, mu).sample(200_000, generator=torch.Generator().manual_seed(1))
    sides = (draws > 0).numpy()
    crossing = sides[:, g.edges[:, 0]] != sides[:, g.edges[:, 1]]
    cuts = crossing @ g.weights
    se = cuts.std() / math.sqrt(len(cuts))
    assert float(expected_cut(V, mu, e)) == pytest.approx(cuts.mean(), abs=5 * se)


def test_invariant_to_rescaling_each_vertex():
    g, e, V, mu = _instance(seed=4)
    c = 0.1 + 3 * torch.rand(g.n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert float(expected_cut(c[:, None] * V, c * mu, e)) == pytest.approx(float(expected_cut(V, mu, e)), abs=1e-11)


def test_gradcheck_in_float64():
    g, e, V, mu = _instance(n=8, p=0.6, seed=5, rank=3)
    V.requires_grad_(True)
    mu.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda V, mu: expected_cut(V, mu, e), (V, mu), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_gradient_equals_autograd(seed):
    g, e, V, mu = _instance(n=30, p=0.3, seed=seed, rank=6)
    Vg, mug = V.clone().requires_grad_(True), mu.clone().requires_grad_(True)
    expected_cut(Vg, mug, e).backward()
    dV, dmu = expected_cut_gradient(V, mu, e)
    assert torch.allclose(dV, Vg.grad, atol=1e-12)
    assert torch.allclose(dmu, mug.grad, atol=1e-12)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_compiled_gradient_equals_the_tensor_formulas(monkeypatch, dtype):
    g, _, V, mu = _instance(n=40, p=0.3, seed=4, rank=5)
    V[3] = 0.0  # a collapsed row: sigma floored, a_i clamped
    mu[7] = 1e3  # a decided vertex
    e = EdgeData.from_graph(g, dtype=dtype)
    V, mu = V.to(dtype), mu.to(dtype)
    compiled = expected_cut_gradient(V, mu, e)
    flat = penalized_gradient(V, mu, e, 0.3)
    monkeypatch.setattr(objective, "HAVE_NUMBA", False)
    tensors = expected_cut_gradient(V, mu, e)
    tol = 1e-12 if dtype == torch.float64 else 1e-4  # float32: the tensor path rounds in float32
    for got, want in zip(compiled, tensors):
        assert got.dtype == dtype
        assert torch.allclose(got, want, atol=tol, rtol=tol)
    assert torch.allclose(flat, penalized_gradient(V, mu, e, 0.3), atol=tol, rtol=tol)


def test_penalized_gradient_is_the_gradient_of_the_derandomization_objective():
    g, e, V, mu = _instance(n=25, p=0.3, seed=8, rank=4)
    Vg, mug = V.clone().requires_grad_(True), mu.clone().requires_grad_(True)
    (-expected_cut(Vg, mug, e) + 0.05 * (Vg * Vg).sum()).backward()
    want = torch.cat([Vg.grad.reshape(-1), mug.grad])
    assert torch.allclose(penalized_gradient(V, mu, e, 0.05), want, atol=1e-12)


def test_closed_form_gradient_against_finite_differences():
    g, e, V, mu = _instance(n=10, p=0.5, seed=6, rank=3)
    dV, dmu = expected_cut_gradient(V, mu, e)
    f = lambda V, mu: float(expected_cut(V, mu, e))  # noqa: E731
    h = 1e-6
    for i, j in [(0, 0), (3, 2), (7, 1)]:
        E = torch.zeros_like(V)
        E[i, j] = h
        assert float(dV[i, j]) == pytest.approx((f(V + E, mu) - f(V - E, mu)) / (2 * h), abs=1e-7)
    for i in [0, 5, 9]:
        E = torch.zeros_like(mu)
        E[i] = h
        assert float(dmu[i]) == pytest.approx((f(V, mu + E) - f(V, mu - E)) / (2 * h), abs=1e-7)


def test_deterministic_limit_is_the_cut_of_sign_mu():
    g, e, V, mu = _instance(seed=7)
    zero = torch.zeros_like(V)
    assert float(expected_cut(zero, mu, e)) == pytest.approx(g.cut_value(mu.numpy() > 0), abs=1e-12)
