"""`--prove` and `--tighten` end to end: planted optima, the CLI's proof, bad options refused."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.graph import Graph
from solver.io import read_graph
from solver.maxcut import burer_monteiro, dual_upper_bound
from solver.maxcut.prove import prove_maxcut
from solver.maxcut.solve import solve_maxcut

from .conftest import DATA, brute_force_maxcut

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _planted_bipartite(n: int, seed: int) -> tuple[Graph, np.ndarray]:
    """A bipartite graph with positive weights: the bipartition cuts every edge, so it is the maximum cut."""
    rng = np.random.default_rng(seed)
    side = rng.random(n) < 0.5
    side[0], side[1] = True, False
    i, j = np.nonzero(np.triu(side[:, None] != side[None, :], 1) & (rng.random((n, n)) < 0.5))
    return Graph.from_edges(n, i, j, rng.integers(1, 6, len(i)).astype(float), name="planted"), side


@pytest.mark.parametrize("seed", range(3))
def test_proof_finds_a_planted_optimum(seed):
    """From the worst start the search reaches the planted cut (all the weight) and proves it."""
    g, side = _planted_bipartite(40, seed)
    V = burer_monteiro(g, device="cpu", seed=0).V
    basic = dual_upper_bound(g, V).upper_bound
    pr = prove_maxcut(g, np.zeros(g.n, dtype=bool), V, root_bound=basic, time_limit=120.0, seed=seed)
    assert pr.proved_optimal and pr.status == "optimal"
    assert pr.cut_value == pytest.approx(g.weights.sum()) == g.cut_value(side)
    assert pr.global_upper_bound == pytest.approx(pr.cut_value)


@pytest.mark.parametrize("seed", range(3))
def test_solve_with_prove_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 15
    i, j = np.nonzero(np.triu(rng.random((n, n)) < 0.6, 1))
    g = Graph.from_edges(n, i, j, rng.integers(-3, 6, len(i)).astype(float), name="signed-int")
    res = solve_maxcut(g, device="cpu", seed=seed, prove=True, improve=False)
    assert res.proved_optimal
    assert res.cut_value == brute_force_maxcut(g)
    cert = res.certificate()
    assert cert["proved_optimal"] and cert["upper_bound"] >= cert["cut_value"]
    assert cert["upper_bound"] <= cert["basic_upper_bound"]
    # the proof's bound, or a bound already within one unit of the cut
    assert cert["proof"] is not None or cert["basic_upper_bound"] < cert["cut_value"] + 1


def test_tightened_certificate_records_how_the_bound_was_made():
    """Half weights: floor(bound) proves nothing, so the tightening runs and closes the odd cycle's gap."""
    g = Graph.from_edges(7, np.arange(7), (np.arange(7) + 1) % 7, np.full(7, 0.5), name="C7")
    res = solve_maxcut(g, device="cpu", seed=0, tighten=5.0, improve=False)
    cert = res.certificate()
    assert cert["cut_value"] == 3.0 and cert["basic_upper_bound"] > 3.3
    t = cert["tighten"]
    assert t["verified"] and 3.0 <= t["upper_bound"] == cert["upper_bound"] < 3.01
    assert set(t["active_by_size"]) == {"3", "5", "7"} and t["method"].startswith("odd-clique")


def test_cli_proves_the_bundled_dense_example(tmp_path):
    cert_path, cut_path = tmp_path / "cert.json", tmp_path / "cut.tsv"
    res = run("maxcut", DATA / "g05_60.rudy", "--prove", "-q", "-c", cert_path, "-o", cut_path, "--device", "cpu")
    assert res.exit_code == 0, res.output
    cert = json.loads(cert_path.read_text())
    assert cert["proved_optimal"] is True
    assert cert["upper_bound"] < cert["cut_value"] + 1 < cert["basic_upper_bound"]
    assert cert["proof"]["open_nodes"] == 0 and cert["proof"]["nodes"] >= 1
    # certify the written cut from scratch, with its own proof
    res = run("certify", "maxcut", DATA / "g05_60.rudy", cut_path, "--prove", "--json", "--device", "cpu")
    assert res.exit_code == 0, res.output
    again = json.loads(res.stdout)
    assert again["proved_optimal"] is True and again["cut_value"] == cert["cut_value"]


@pytest.mark.parametrize("value", ["-3", "0", "nan", "soon"])
def test_cli_refuses_a_bad_tighten_value(tmp_path, value):
    out = tmp_path / "cut.tsv"
    res = run("maxcut", DATA / "karate.edgelist", "--tighten", value, "-o", out, "-q")
    assert res.exit_code != 0
    assert "--tighten" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_tighten_off_leaves_the_basic_bound():
    g = Graph.from_edges(5, np.arange(5), (np.arange(5) + 1) % 5, np.ones(5), name="C5")
    cert = solve_maxcut(g, device="cpu", seed=0, tighten="off", improve=False).certificate()
    assert cert["tighten"] is None and cert["proof"] is None
    assert cert["upper_bound"] == cert["basic_upper_bound"]


def test_a_proof_stopped_by_the_clock_marks_the_run(monkeypatch):
    """The run's status says time_limit when the search ended by the clock (a stand-in ends it at once)."""
    import dataclasses

    import solver.maxcut.solve as solve_module

    real = solve_module.prove_maxcut

    def stopped(*args, **kwargs):
        kwargs["node_limit"] = 1
        return dataclasses.replace(real(*args, **kwargs), status="time_limit", proved_optimal=False)

    monkeypatch.setattr(solve_module, "prove_maxcut", stopped)
    g = read_graph(DATA / "g05_60.rudy")  # the SDP bound alone leaves 10 units: the search runs
    res = solve_maxcut(g, device="cpu", seed=0, prove=True, improve=False)
    assert res.proof is not None and res.bound.upper_bound > res.cut_value + 1
    assert res.status == "time_limit" and res.certificate()["proof"]["status"] == "time_limit"
    assert res.upper_bound >= res.cut_value
