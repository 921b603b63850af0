"""What a time limit leaves behind: a valid (possibly looser) bound, an honest partial scan, a status that
says so, and memory checks that stop a run before it starts. No test here measures speed."""

import json
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.core.memory import MemoryNeeded, available_bytes, check_memory
from solver.jl.pairs import scan_pairs
from solver.maxcut import bound as bound_module
from solver.maxcut import burer_monteiro, dual_upper_bound
from solver.maxcut.memory import derandomize_estimate, read_estimate, run_estimate
from solver.maxcut.solve import PHASE_SHARES, phase_deadlines

from .conftest import DATA, brute_force_maxcut, random_graph

runner = CliRunner()


def test_phase_deadlines_are_cumulative_and_end_at_the_limit():
    d = phase_deadlines(100.0, 10.0)
    assert d["sdp"] < d["bound"] < d["derandomize"] < d["end"] == 110.0
    assert d["sdp"] == 100.0 + 10.0 * PHASE_SHARES["sdp"]
    assert all(v is None for v in phase_deadlines(0.0, None).values())


@pytest.mark.parametrize("path", ["sparse", "lanczos"])
def test_a_bound_stopped_by_its_deadline_is_still_a_bound(monkeypatch, path):
    if path == "lanczos":
        monkeypatch.setattr(bound_module, "FILL_BUDGET", 0)
    monkeypatch.setattr(bound_module, "DENSE_LIMIT", 0)
    for seed in range(3):
        g = random_graph(14, 0.45, 70 + seed, weights="signed")
        V = burer_monteiro(g, rank=3, max_iters=5).V  # far from optimal: a large shift to find
        b = dual_upper_bound(g, V, seed=seed, deadline=time.monotonic() - 1.0)
        assert b.upper_bound >= brute_force_maxcut(g) - 1e-9


def _rows_pairs_extremes(X, Y, rows):
    """Exact extremes over every pair i < j with i in ``rows``, by brute force."""
    lo, hi = np.inf, -np.inf
    for i in rows:
        dx = ((X[i + 1:] - X[i]) ** 2).sum(1)
        dy = ((Y[i + 1:] - Y[i]) ** 2).sum(1)
        r = dy / dx
        if r.size:
            lo, hi = min(lo, r.min()), max(hi, r.max())
    return lo, hi


def test_a_scan_cut_short_reports_the_pairs_it_checked_exactly():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((700, 6))
    Y = X @ rng.standard_normal((6, 3))
    full = scan_pairs(X, [Y], tile=100)[0]
    part = scan_pairs(X, [Y], tile=100, deadline=time.monotonic() - 1.0)[0]  # past: one tile only
    assert full.complete and full.pairs == 700 * 699 // 2
    assert not part.complete and part.pairs == 100 * 99 // 2
    lo, hi = _rows_pairs_extremes(X[:100], Y[:100], range(100))
    assert part.r_min == pytest.approx(lo, rel=1e-12) and part.r_max == pytest.approx(hi, rel=1e-12)
    assert full.r_min <= part.r_min and full.r_max >= part.r_max  # a lower bound on the distortion


def test_certify_jl_under_a_spent_limit_says_it_is_incomplete():
    from solver.jl import certify_jl

    X = np.random.default_rng(1).standard_normal((5000, 8))
    cert = certify_jl(X, X[:, :3], baseline_draws=3, device="cpu", time_limit=1e-6)  # one 2048-row tile
    assert cert["status"] == "time_limit" and cert["complete"] is False
    assert cert["pairs_checked"] == 2048 * 2047 // 2
    assert any("stopped the scan" in n for n in cert["notes"]) and "baselines" not in cert


def test_structure_under_a_time_limit_still_runs_the_second_order_test():
    from solver.structure import discover_structure

    r = discover_structure(dim=6, width=8, samples=256, steps=10 ** 6, device="cpu", time_limit=1.0)
    assert r.status == "time_limit" and r.iterations < 10 ** 6
    assert np.isfinite(r.sosp.grad_norm) and np.isfinite(r.sosp.min_eigenvalue)


def test_memory_estimates_cover_the_measured_peaks():
    # benchmarks/results/memory_model.md, rank 16: (n, m, file bytes) -> whole run above start-up and the
    # derandomization phase alone, MiB; the 10^7-edge run: peak_memory_mib 7142 less the 327 MiB start-up
    measured = {(20000, 40000, 535571): (107.6, 100.9), (20000, 100000, 1288953): (149.1, 139.0),
                (60000, 300000, 4088953): (410.5, 255.3), (200000, 1000000, 14888965): (1161.3, 885.4),
                (2000000, 9999977, 168888668): (7142 - 327, None)}
    for (n, m, size), (whole, derand) in measured.items():
        assert read_estimate(size) + run_estimate(n, m, 16) >= whole * 2 ** 20
        if derand is not None:
            assert derandomize_estimate(n, m, 16) >= derand * 2 ** 20
        assert derandomize_estimate(n, m, 16) <= run_estimate(n, m, 16)


def test_a_phase_that_cannot_fit_is_refused_with_its_sizes(monkeypatch):
    monkeypatch.setenv("DERAND_MEMORY_LIMIT", "1000")
    assert available_bytes() == 0
    with pytest.raises(MemoryNeeded, match=r"the SDP needs about 1\.0 GiB of memory, but 0 MiB is available"):
        check_memory("the SDP", 2 ** 30)
    monkeypatch.setenv("DERAND_MEMORY_LIMIT", "lots")
    with pytest.raises(Exception, match="DERAND_MEMORY_LIMIT must be a number of bytes"):
        available_bytes()


def test_the_cli_refuses_a_run_that_would_not_fit_and_writes_nothing(tmp_path, monkeypatch):
    from solver.core.memory import _rss_bytes

    # a 200 x 200 torus: room for reading it (about 90 MiB by the model), not for the run (about 320 MiB)
    graph = tmp_path / "torus.txt"
    idx = np.arange(40000).reshape(200, 200)
    edges = np.concatenate([np.stack([idx, np.roll(idx, 1, 0)], -1).reshape(-1, 2),
                            np.stack([idx, np.roll(idx, 1, 1)], -1).reshape(-1, 2)]) + 1
    graph.write_text("".join(f"{a} {b}\n" for a, b in edges.tolist()))
    monkeypatch.setenv("DERAND_MEMORY_LIMIT", str(_rss_bytes() + 200 * 2 ** 20))
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = runner.invoke(app, ["maxcut", str(graph), "-o", str(out), "-c", str(cert), "-q", "--device", "cpu"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code == 1 and "needs about" in text and "a lower --rank needs less" in text
    assert "Traceback" not in text and not out.exists() and not cert.exists()


def test_maxcut_under_a_time_limit_writes_a_checked_answer(tmp_path):
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = runner.invoke(app, ["maxcut", str(DATA / "gnp120_pm1.rudy"), "-o", str(out), "-c", str(cert), "-q",
                              "--device", "cpu", "--time-limit", "0.5"])
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    assert c["bound"]["verified"] and c["cut_value"] <= c["upper_bound"]
    res = runner.invoke(app, ["certify", "maxcut", str(DATA / "gnp120_pm1.rudy"), str(out), "--check", str(cert),
                              "-q", "--device", "cpu"])
    assert res.exit_code == 0, res.output
