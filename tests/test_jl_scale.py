"""JL at scale: the blocked scan against scipy, pair sets and bulk objectives against the
exact all-pairs ones and finite differences, the sampled objective's unbiasedness, the
working-set minimax's certificate, sigma -> 0 when the derandomization samples pairs."""

import math
import sys

import numpy as np
import pytest
import torch
from scipy.spatial.distance import pdist

import solver.jl.pairs as pairs_module
from solver.baselines.projections import pca_map
from solver.jl import certify_embedding, embed
from solver.jl.distortion import SmoothedDistortion, certify_maps
from solver.jl.minimax import minimax
from solver.jl.pairs import BulkPairs, PairSet, all_pairs, scan_pairs, uniform_pairs

EMBED = sys.modules["solver.jl.embed"]


def _ratios(X, Y):
    dx, dy = pdist(X, "sqeuclidean"), pdist(Y, "sqeuclidean")
    keep = dx > 0
    i, j = np.triu_indices(len(X), k=1)
    return dy[keep] / dx[keep], i[keep], j[keep]


def _hostile(n=220, d=12, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.geomspace(1, 1e-3, d) + 50.0  # far from 0: Gram cancellation
    X[9] = X[4]  # duplicates
    X[10] = X[4]
    X[31] = X[30] + 1e-10  # a very close pair
    Y = X @ rng.standard_normal((d, k))
    Y[57] = Y[56]  # two distinct points with one image: r = 0
    return X, Y


@pytest.fixture(params=["fused", "torch"])
def backend(request, monkeypatch):
    if request.param == "torch":
        monkeypatch.setattr(pairs_module, "HAVE_NUMBA", False)
    return request.param


# ------------------------------------------------------------------ the scan
@pytest.mark.parametrize("tile", [16, 37, 1000])
def test_scan_extremes_and_counts_equal_scipy(backend, tile):
    X, Y = _hostile()
    r, i, j = _ratios(X, Y)
    c = certify_embedding(X, Y, tile=tile)
    assert c.pairs_checked == r.size and c.duplicates == 2
    assert c.r_min == 0.0 and c.distortion == math.inf
    Y2 = Y.copy()
    Y2[57] += 1e-3
    r2, _, _ = _ratios(X, Y2)
    c2 = certify_embedding(X, Y2, tile=tile)
    assert c2.r_min == pytest.approx(r2.min(), rel=1e-9) and c2.r_max == pytest.approx(r2.max(), rel=1e-9)
    a, b = c2.extreme_pairs["max"]
    assert np.sum((Y2[a] - Y2[b]) ** 2) / np.sum((X[a] - X[b]) ** 2) == pytest.approx(r2.max(), rel=1e-12)


def test_scan_keeps_the_most_extreme_pairs_and_the_power_sum(backend):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 20))
    Y = X @ rng.standard_normal((20, 5)) / math.sqrt(5)
    r, i, j = _ratios(X, Y)
    keep = 50
    s = scan_pairs(X, [Y], keep=keep, power=6, eps=0.7, tile=64)[0]
    top = set(zip(i[np.argsort(r)[-keep:]], j[np.argsort(r)[-keep:]]))
    bottom = set(zip(i[np.argsort(r)[:keep]], j[np.argsort(r)[:keep]]))
    assert top <= set(map(tuple, s.high.tolist())) and bottom <= set(map(tuple, s.low.tolist()))
    assert s.power_sum == pytest.approx(np.sum((np.abs(r - 1) / 0.7) ** 6), rel=1e-9)


def test_several_maps_in_one_pass_equal_one_by_one():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((150, 10))
    Ys = [X @ rng.standard_normal((10, 3)) for _ in range(4)]
    together = certify_maps(X, Ys, tile=32)
    for Y, c in zip(Ys, together):
        alone = certify_embedding(X, Y)
        assert (c.r_min, c.r_max, c.extreme_pairs) == (alone.r_min, alone.r_max, alone.extreme_pairs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_scan_on_cuda_equals_cpu():  # pragma: no cover - needs a GPU
    X, Y = _hostile()
    Y[57] += 1e-3
    a, b = certify_embedding(X, Y, device="cpu"), certify_embedding(X, Y, device="cuda")
    assert a.r_min == pytest.approx(b.r_min, rel=1e-12) and a.r_max == pytest.approx(b.r_max, rel=1e-12)


# ---------------------------------------------------------- pair objectives
def test_pair_set_gradient_against_finite_differences():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 7))
    Z = torch.as_tensor(X - X.mean(0))
    P = PairSet(Z, uniform_pairs(40, 200, rng))
    obj = SmoothedDistortion(P, 3, 7.0)
    M = torch.as_tensor(rng.standard_normal(21))
    _, g = obj.value_and_gradient(M)
    for idx in (0, 8, 20):
        e = torch.zeros(21, dtype=torch.float64)
        e[idx] = 1e-6
        fd = (obj.value_and_gradient(M + e)[0] - obj.value_and_gradient(M - e)[0]) / 2e-6
        assert float(g[idx]) == pytest.approx(fd, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("beta", [3.0, 300.0])
def test_bulk_objectives_equal_the_explicit_all_pairs_ones(backend, beta):
    X, _ = _hostile(120, 9)
    Z = torch.as_tensor(X - X.mean(0))
    M = torch.as_tensor(np.random.default_rng(6).standard_normal((4, 9)))
    bulk = BulkPairs(Z, tile=32)
    explicit = PairSet(Z, all_pairs(120))
    assert bulk.pairs == len(explicit) == 120 * 119 // 2 - 3
    v, g = bulk.smoothed_distortion(M, beta)
    v_ref, g_ref = SmoothedDistortion(explicit, 4, beta).value_and_gradient(M.reshape(-1))
    assert v == pytest.approx(v_ref, rel=1e-10)
    assert torch.allclose(g.reshape(-1), g_ref, rtol=1e-7, atol=1e-10 * float(g_ref.abs().max()))
    s = explicit.ratios(explicit.images(M))
    ref = float(torch.log((s - 1).abs().pow(16).sum())) / 16
    assert bulk.log_norm(M, 16.0)[0] == pytest.approx(ref, rel=1e-10)


def test_working_set_objective_is_within_its_bound_of_the_all_pairs_one():
    """LSE over the scan's kept pairs is below the all-pairs LSE, by at most what the pairs left out can add."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 15))
    M = rng.standard_normal((4, 15)) / 2
    Z = torch.as_tensor(X - X.mean(0))
    keep, beta = 300, 200.0
    s = scan_pairs(X, [X @ M.T], keep=keep)[0]
    W = np.concatenate([s.low, s.high])
    f_w, _ = SmoothedDistortion(PairSet(Z, W), 4, beta).value_and_gradient(torch.as_tensor(M).reshape(-1))
    f_all, _ = SmoothedDistortion(PairSet(Z, all_pairs(200)), 4, beta).value_and_gradient(
        torch.as_tensor(M).reshape(-1))
    r = np.sort(_ratios(X, X @ M.T)[0])
    N = r.size
    slack_hi = math.log1p(N * math.exp(beta * (math.log(r[-keep]) - math.log(r[-1]))))
    slack_lo = math.log1p(N * math.exp(-beta * (math.log(r[keep - 1]) - math.log(r[0]))))
    assert f_w <= f_all + 1e-12
    assert f_all - f_w <= (slack_hi + slack_lo) / beta + 1e-12


def test_sampled_moment_objective_is_unbiased():
    rng = np.random.default_rng(8)
    n, d, k = 60, 6, 3
    X = rng.standard_normal((n, d))
    Z = torch.as_tensor(X - X.mean(0))
    x = torch.cat([torch.as_tensor(rng.standard_normal(k * d)) * 0.3, torch.tensor([0.2], dtype=torch.float64)])
    N = n * (n - 1) // 2
    exact = EMBED._MomentProblem(PairSet(Z, all_pairs(n)), k, d, 0.9, 4, 0.0).value(x)
    draws = [EMBED._MomentProblem(PairSet(Z, uniform_pairs(n, 200, rng)), k, d, 0.9, 4, 0.0, scale=N / 200).value(x)
             for _ in range(400)]
    assert np.mean(draws) == pytest.approx(exact, abs=4 * np.std(draws) / math.sqrt(len(draws)))


def test_uniform_pairs_are_uniform():
    rng = np.random.default_rng(9)
    p = uniform_pairs(6, 150_000, rng)
    assert np.all(p[:, 0] < p[:, 1])
    counts = np.bincount(p[:, 0] * 6 + p[:, 1], minlength=36)[[i * 6 + j for i in range(6) for j in range(i + 1, 6)]]
    expected = 150_000 / 15
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 40  # 14 degrees of freedom: P(chi2 > 40) < 1e-3


# --------------------------------------------------------------- the methods
def test_working_set_minimax_is_certified_and_never_worse_than_its_start():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((700, 12))  # above the bulk's all-pairs size only in W
    M0 = pca_map(X, 4)
    start = certify_embedding(X, X @ M0.T).distortion
    run = minimax(X, M0, iters_per_beta=20, bulk_betas=(10.0,), betas=(100.0, 1000.0))
    assert run.certificate.distortion <= start
    again = certify_embedding(X, X @ run.M.T)
    assert again.distortion == pytest.approx(run.certificate.distortion, rel=1e-12)
    assert run.scans == run.rounds + 1


def test_sampled_derandomization_reaches_sigma_zero_and_states_the_sampling(monkeypatch):
    monkeypatch.setattr(EMBED, "DERAND_POINTS", 60)
    monkeypatch.setattr(EMBED, "DERAND_PAIRS", 500)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((150, 10))
    res = embed(X, 4, device="cpu", baseline_draws=0, polish=False, seed=2)
    g, s = res.guarantee, res.sosp
    assert g["sampled"] and g["objective_pairs"] == 500
    assert s["sigma_final"] == 0.0 and s["reached"]
    assert g["final_bound"] <= g["start_bound"] + g["reg_cost"]
    # every pair's term is at most the exact all-pairs sum at the deterministic map
    assert (g["derandomized_eps_sq"] / g["eps"]) ** g["moment_order"] <= g["final_bound_all_pairs"] * (1 + 1e-9)
    assert g["met"] is None or g["met"] == (g["derandomized_eps_sq"] < g["eps"])


def test_time_limit_returns_a_certified_map():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((400, 30))
    res = embed(X, 5, device="cpu", baseline_draws=0, time_limit=1.0, seed=0)
    assert res.status in ("time_limit", "complete")
    again = certify_embedding(X, res.embedding)
    assert again.distortion == pytest.approx(res.certificate.distortion, rel=1e-9)
