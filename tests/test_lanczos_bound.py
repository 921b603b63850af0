"""The probabilistic lambda_min bound (random-start Lanczos, Kuczynski-Wozniakowski) against exact eigenvalues."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from solver.core.lanczos import lanczos_eps, lanczos_min_bound
from solver.maxcut import bound as bound_module
from solver.maxcut import burer_monteiro, dual_upper_bound

from .conftest import brute_force_maxcut, random_graph


def _spectra():
    """Symmetric matrices whose spectra are hard for a Krylov method: clustered, with an isolated bottom,
    with the bottom eigenvalue of multiplicity one hidden among many close ones."""
    rng = np.random.default_rng(0)
    n = 300
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    yield "gaussian", (lambda X: (X + X.T) / 2)(rng.standard_normal((n, n)))
    for name, ev in [("isolated", np.r_[-5.0, np.linspace(0, 1, n - 1)]),
                     ("crowded", np.r_[-1.0, -1.0 + np.geomspace(1e-6, 1e-2, 20), np.linspace(0, 3, n - 21)]),
                     ("two-clusters", np.r_[np.full(150, -2.0) + 1e-3 * rng.random(150), np.full(150, 4.0)])]:
        yield name, (Q * ev) @ Q.T


@pytest.mark.parametrize("name,S", list(_spectra()))
def test_bound_is_below_lambda_min_for_every_start(name, S):
    exact = float(np.linalg.eigvalsh(S)[0])
    ceiling = float(np.max(np.sum(np.abs(S), axis=1)))
    for seed in range(5):
        for steps in (5, 30, 120, 600):
            b = lanczos_min_bound(lambda x: S @ x, S.shape[0], ceiling, seed=seed, max_steps=steps,
                                  check_every=10)
            assert b.lower <= exact + 1e-12, (name, seed, steps)
            assert b.ritz >= exact - 1e-9 * abs(ceiling)  # a Ritz value never passes the spectrum
    # enough steps make it tight: within eps of the spectral width
    b = lanczos_min_bound(lambda x: S @ x, S.shape[0], ceiling, max_steps=3000, check_every=50)
    assert b.lower >= exact - 2 * b.eps * (ceiling - exact) - 1e-9


def test_eps_follows_the_stated_formula():
    n, delta = 10**6, 1e-9
    for k in (10, 100, 1000):
        expected = (math.log(1.648 * math.sqrt(n) / delta) / (2 * (k - 1) - 1)) ** 2
        assert lanczos_eps(n, k, delta) == pytest.approx(min(expected, 1.0))
    assert lanczos_eps(n, 1, delta) == 1.0
    # the failure probability the formula implies is the one asked for
    eps = lanczos_eps(n, 500, delta)
    assert 1.648 * math.sqrt(n) * math.exp(-math.sqrt(eps) * (2 * 499 - 1)) == pytest.approx(delta)


def test_bad_failure_probability_is_refused():
    with pytest.raises(ValueError, match="failure_probability"):
        lanczos_min_bound(lambda x: x, 3, 1.0, failure_probability=0.0)


@pytest.fixture
def no_factorization(monkeypatch):
    """Send every graph down the path of graphs whose factorization does not fit."""
    monkeypatch.setattr(bound_module, "DENSE_LIMIT", 0)
    monkeypatch.setattr(bound_module, "FILL_BUDGET", 0)


@pytest.mark.parametrize("weights", ["unit", "signed", "positive"])
def test_probabilistic_bound_is_at_least_the_optimum(no_factorization, weights):
    for seed in range(4):
        g = random_graph(14, 0.4, 40 + seed, weights=weights)
        V = np.random.default_rng(seed).normal(size=(g.n, 3)) if seed % 2 else burer_monteiro(g).V
        b = dual_upper_bound(g, V, seed=seed)
        assert b.method in ("lanczos-probabilistic", "gershgorin")
        assert b.upper_bound >= brute_force_maxcut(g) - 1e-9


def test_probabilistic_shift_covers_the_exact_eigenvalue(no_factorization):
    g = random_graph(400, 0.03, 5, weights="signed")
    V = burer_monteiro(g, rank=4).V
    b = dual_upper_bound(g, V, seed=3)
    assert b.method == "lanczos-probabilistic" and not b.verified
    assert b.failure_probability == bound_module.FAILURE_PROBABILITY and b.steps > 0
    S = (sp.diags(0.25 * np.sum((g.laplacian @ V) * V, axis=1)) - 0.25 * g.laplacian).toarray()
    exact = float(np.linalg.eigvalsh(S)[0])
    # at most n steps: eps ~ 1e-3 of the spectral width (about 13) at n = 400
    assert -exact <= b.shift <= -exact + 0.03
    record = b.to_dict()
    assert record["statement"].startswith("probabilistic") and record["failure_probability"] == 1e-9
