"""JL: the certificate against scipy, the closed-form objective against Monte Carlo,
gradients against finite differences, the lemma (sigma -> 0), the guarantee."""

import json
import math
import sys

import numpy as np
import pytest
import torch
from scipy.spatial.distance import pdist
from typer.testing import CliRunner

from solver.baselines.projections import gaussian_maps, minimax_map, pca_map, sparse_map
from solver.cli import app
from solver.errors import DerandWarning, InputError, OptionError
from solver.io.points import read_points, write_array
from solver.jl import certify_embedding, embed, jl_min_dim, moment_polynomial
from solver.jl.pairs import PairSet, all_pairs

EMBED = sys.modules["solver.jl.embed"]

runner = CliRunner()


def _points(n=40, d=20, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def _direct(X, Y):
    dx = pdist(X, "sqeuclidean")
    dy = pdist(Y, "sqeuclidean")
    keep = dx > 0
    r = dy[keep] / dx[keep]
    return r.min(), r.max(), int(keep.sum())


# ------------------------------------------------------------- certificate
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_certificate_matches_all_pairs_by_scipy(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 15)) + 100.0  # far from the origin: Gram cancellation
    X[7] = X[3]  # a duplicate
    X[11] = X[10] + 1e-9  # a very close pair
    Y = X @ rng.standard_normal((15, 4))
    c = certify_embedding(X, Y, tile=7)  # many tiles
    r_min, r_max, pairs = _direct(X, Y)
    assert c.pairs_checked == pairs and c.duplicates == 1
    assert c.r_min == pytest.approx(r_min, rel=1e-12) and c.r_max == pytest.approx(r_max, rel=1e-12)
    i, j = c.extreme_pairs["max"]
    assert np.sum((Y[i] - Y[j]) ** 2) / np.sum((X[i] - X[j]) ** 2) == pytest.approx(r_max, rel=1e-12)
    assert c.distortion == pytest.approx(math.sqrt(r_max / r_min))
    assert c.eps_opt == pytest.approx((r_max - r_min) / (r_max + r_min))
    assert c.eps_sq == pytest.approx(max(abs(r_min - 1), abs(r_max - 1)))
    # the best rescale attains eps_opt
    scaled = certify_embedding(X, Y * math.sqrt(c.scale))
    assert scaled.eps_sq == pytest.approx(c.eps_opt, rel=1e-9)


def test_identity_is_an_isometry_and_needs_distinct_points():
    X = _points()
    c = certify_embedding(X, X.copy())
    assert c.distortion == pytest.approx(1.0) and c.eps_sq < 1e-12
    with pytest.raises(InputError, match="fewer than 2 distinct points"):
        certify_embedding(np.ones((5, 3)), np.ones((5, 2)))


def test_jl_min_dim_formula():
    assert jl_min_dim(1000, 0.5) == math.ceil(4 * math.log(1000) / (0.125 - 0.125 / 3))
    assert jl_min_dim(1000, 2.0) is None


# --------------------------------------------------------------- objective
def test_moment_polynomial_against_monte_carlo_of_the_sampler():
    rng = np.random.default_rng(0)
    k, d, sigma, eps, order = 6, 9, 0.25, 0.8, 4
    M = rng.standard_normal((k, d)) * 0.3
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    G = rng.standard_normal((400_000, k, d))
    r = np.sum(((M + sigma * G) @ u) ** 2, axis=1)
    z = ((r - 1) / eps) ** order
    delta = np.sum((M @ u) ** 2) + k * sigma ** 2 - 1
    coef, _ = moment_polynomial(sigma, k, eps, order)
    assert np.polyval(coef[::-1], delta) == pytest.approx(z.mean(), abs=5 * z.std() / math.sqrt(z.size))


def test_moment_polynomial_at_sigma_zero_is_the_plain_power():
    coef, dcoef = moment_polynomial(0.0, 7, 0.3, 8)
    assert np.polyval(coef[::-1], 0.2) == pytest.approx((0.2 / 0.3) ** 8)
    assert not dcoef.any()


def test_problem_gradient_against_finite_differences():
    X = torch.as_tensor(_points(25, 8, 3))
    X = X - X.mean(0)
    prob = EMBED._MomentProblem(PairSet(X, all_pairs(25)), 3, 8, 0.7, 6, 0.01)
    x = torch.cat([0.3 * torch.randn(24, dtype=torch.float64, generator=torch.Generator().manual_seed(1)),
                   torch.tensor([0.2], dtype=torch.float64)])
    g = prob.gradient(x)
    h = 1e-6
    for idx in [0, 5, 17, 24]:
        e = torch.zeros_like(x)
        e[idx] = h
        fd = (prob.value(x + e) - prob.value(x - e)) / (2 * h)
        assert float(g[idx]) == pytest.approx(fd, rel=1e-6, abs=1e-8)


# ------------------------------------------------------------ the method
@pytest.fixture(scope="module")
def small_run():
    X = _points(30, 12, 4)
    return X, embed(X, 4, device="cpu", baseline_draws=10, seed=1)


def test_sigma_vanishes_at_an_sosp(small_run):
    _, res = small_run
    s = res.sosp
    assert s["reached"] and s["sigma_final"] == 0.0
    assert s["status"] == "stopped" and s["sigma_at_stop"] < s["sigma_start"]


def test_embedding_certificate_and_map_agree(small_run):
    X, res = small_run
    assert res.embedding.shape == (30, 4) and res.M.shape == (4, 12)
    assert np.allclose(X @ res.M.T, res.embedding)
    r_min, r_max, _ = _direct(X, res.embedding)
    assert res.certificate.distortion == pytest.approx(math.sqrt(r_max / r_min), rel=1e-10)
    # output is rescaled: the squared ratios straddle 1
    assert res.certificate.eps_sq == pytest.approx(res.certificate.eps_opt, rel=1e-6)


def test_beats_the_baselines_and_polish_never_raises(small_run):
    _, res = small_run
    D = res.certificate.distortion
    assert D <= res.derandomized.distortion + 1e-12
    assert D < res.baselines["pca"]["distortion"]
    assert D < res.baselines["gaussian"]["best_distortion"]
    assert res.derandomized.distortion < res.baselines["gaussian"]["median_distortion"]


def test_above_the_jl_bound_the_derandomized_map_has_no_violating_pair():
    X = _points(12, 130, 5)
    eps = 0.9
    res = embed(X, 100, eps=eps, device="cpu", polish=False, baseline_draws=0, seed=0)
    g = res.guarantee
    assert g["certified_at_start"], g
    assert g["met"] and g["derandomized_eps_sq"] < eps
    assert g["final_bound"] <= g["start_bound"] + g["reg_cost"]


def test_reproducible_with_a_seed():
    X = _points(15, 6, 6)
    a = embed(X, 3, device="cpu", baseline_draws=0, seed=3, polish=False, max_iters=200)
    b = embed(X, 3, device="cpu", baseline_draws=0, seed=3, polish=False, max_iters=200)
    assert np.array_equal(a.M, b.M)


def test_float32_input_gives_float32_embedding():
    X = _points(12, 5, 7).astype(np.float32)
    res = embed(X, 3, device="cpu", baseline_draws=0, polish=False, max_iters=100)
    assert res.embedding.dtype == np.float32


def test_dim_at_least_d_warns_and_bad_options_raise():
    X = _points(12, 4, 8)
    with pytest.warns(DerandWarning, match="not below the input dimension"):
        embed(X, 4, device="cpu", baseline_draws=0, polish=False, max_iters=50)
    with pytest.raises(OptionError, match="The 'dim' parameter must be a positive integer. Got 0 instead."):
        embed(X, 0)
    with pytest.raises(OptionError, match="The 'eps' parameter"):
        embed(X, 2, eps=-1.0)
    with pytest.raises(OptionError, match="between 0.001 and 1000"):
        embed(X, 2, eps=1e-9)
    with pytest.raises(InputError, match="fewer than 2 distinct points"):
        embed(np.ones((6, 3)), 2)


# ------------------------------------------------------------- baselines
def test_baseline_maps():
    X = _points(30, 12, 9)
    P = pca_map(X, 4)
    assert np.allclose(P @ P.T, np.eye(4))
    S = sparse_map(400, 50, seed=0)
    assert abs(np.mean(np.sum(S ** 2, axis=0)) - 1.0) < 0.1  # columns keep unit length on average
    G = gaussian_maps(12, 4, 1, seed=2)[0]
    start = certify_embedding(X, X @ G.T).distortion
    mm = minimax_map(X, G, bulk_betas=(10.0,), betas=(100.0,), iters_per_beta=30)
    assert mm.distortion <= start and mm.distortion == pytest.approx(certify_embedding(X, X @ mm.M.T).distortion)


# ----------------------------------------------------------------- readers
def test_point_readers(tmp_path):
    X = _points(6, 3, 10)
    np.save(tmp_path / "a.npy", X.astype(np.float32))
    np.savez(tmp_path / "b.npz", pts=X, other=X[:2])
    (tmp_path / "c.csv").write_text("x,y,z\n" + "\n".join(",".join(f"{v:.17g}" for v in row) for row in X) + "\n")
    assert read_points(tmp_path / "a.npy").dtype == np.float32
    assert np.array_equal(read_points(tmp_path / "b.npz", key="pts"), X)
    assert np.array_equal(read_points(tmp_path / "c.csv"), X)
    write_array(tmp_path / "d.txt", X)
    assert np.array_equal(read_points(tmp_path / "d.txt"), X)


@pytest.mark.parametrize(
    "name,make,match",
    [
        ("nan.npy", lambda p: np.save(p, np.array([[1.0, np.nan], [2.0, 3.0]])), "row 1 holds NaN"),
        ("inf.csv", lambda p: p.write_text("1,2\n3,inf\n"), ":2: NaN or infinity"),
        ("flat.npy", lambda p: np.save(p, np.arange(5.0)), "expected a 2-D array"),
        ("text.npy", lambda p: p.write_text("1 2\n3 4\n"), "not a valid .npy file"),
        ("str.npy", lambda p: np.save(p, np.array([["a", "b"], ["c", "d"]])), "expected a numeric array"),
        ("obj.npy", lambda p: np.save(p, np.array([[1, None]], dtype=object), allow_pickle=True), "Python objects"),
        ("bad.csv", lambda p: p.write_text("1,2\n3,x\n"), ":2: 'x' is not a number"),
        ("ragged.txt", lambda p: p.write_text("1 2\n3\n"), ":2: expected 2 numbers"),
        ("two.npz", lambda p: np.savez(p, a=np.eye(2), b=np.eye(2)), "choose one with --key"),
        ("one.npy", lambda p: np.save(p, np.ones((1, 3))), "at least 2 points"),
        ("data.bin", lambda p: p.write_bytes(b"\x00"), "unknown point-file extension"),
    ],
)
def test_bad_point_files(tmp_path, name, make, match):
    p = tmp_path / name
    make(p)
    with pytest.raises(InputError, match=match):
        read_points(p)


# --------------------------------------------------------------------- CLI
def test_cli_embed_and_certify(tmp_path):
    X = _points(30, 12, 11)
    np.save(tmp_path / "x.npy", X)
    emb, mp, cert = tmp_path / "e.npy", tmp_path / "m.npy", tmp_path / "c.json"
    res = runner.invoke(app, ["jl", "embed", str(tmp_path / "x.npy"), "--dim", "4", "-o", str(emb), "-m", str(mp),
                              "-c", str(cert), "--baseline-draws", "5", "--device", "cpu", "-q"])
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    for key in ("n", "d", "k", "pairs_checked", "duplicates", "r_min", "r_max", "eps_sq", "eps_opt", "distortion",
                "extreme_pairs", "scale", "baselines", "jl_min_dim", "sosp", "seed", "device", "seconds"):
        assert key in c
    Y, M = np.load(emb), np.load(mp)
    assert Y.shape == (30, 4) and M.shape == (4, 12) and np.allclose(X @ M.T, Y)
    res = runner.invoke(app, ["certify", "jl", str(tmp_path / "x.npy"), str(emb), "--json", "--baseline-draws", "0"])
    assert res.exit_code == 0, res.output
    again = json.loads(res.stdout)
    assert again["distortion"] == pytest.approx(c["distortion"], rel=1e-12)
    assert again["extreme_pairs"] == c["extreme_pairs"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--dim", "0"], "The 'dim' parameter must be a positive integer"),
        (["--dim", "x"], "Invalid value for '--dim'"),
        (["--dim", "3", "--eps", "-1"], "The 'eps' parameter"),
    ],
)
def test_cli_bad_options_write_nothing(tmp_path, args, message):
    np.save(tmp_path / "x.npy", _points(10, 5))
    out = tmp_path / "e.npy"
    res = runner.invoke(app, ["jl", "embed", str(tmp_path / "x.npy"), "-o", str(out), *args])
    assert res.exit_code != 0 and not out.exists()
    assert message in (res.stderr + res.output).replace("\n", " ")
    assert "Traceback" not in res.output


def test_cli_bad_points_and_mismatched_embedding(tmp_path):
    np.save(tmp_path / "nan.npy", np.array([[np.nan, 1.0], [1.0, 2.0]]))
    res = runner.invoke(app, ["jl", "embed", str(tmp_path / "nan.npy"), "--dim", "1"])
    assert res.exit_code == 1 and "NaN" in res.stderr
    np.save(tmp_path / "x.npy", _points(10, 5))
    np.save(tmp_path / "y.npy", _points(9, 2))
    res = runner.invoke(app, ["certify", "jl", str(tmp_path / "x.npy"), str(tmp_path / "y.npy")])
    assert res.exit_code == 1 and "has 9 rows" in res.stderr
