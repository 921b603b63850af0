"""derand benchmark: the baselines, the runners, the reports and the command line (small instances only)."""

from __future__ import annotations

import csv
import re
import time

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from solver.baselines import cvxpy_available, gw_expected_value, hyperplane_rounding, one_exchange, random_cuts
from solver.baselines.projections import pca_map
from solver.benchmark import (JL_COLUMNS, MAXCUT_COLUMNS, MAXCUT_METHODS, MethodRun, benchmark_jl, benchmark_maxcut,
                              generate_graph, load_best_known, run_jl_benchmark, run_maxcut_benchmark)
from solver.benchmark.maxcut import MATCH_FRACTION, register_maxcut_method
from solver.cli import app
from solver.errors import InputError, OptionError
from solver.io import read_graph
from solver.jl.datasets import make_set
from solver.jl.distortion import certify_embedding

from .conftest import DATA, brute_force_maxcut, random_graph

KARATE = DATA / "karate.edgelist"
# The paper's pipeline (without the later improvement phase where solve_maxcut has one),
# few PGD steps: tests assert, they do not tune.
DERAND = "derand-polish" if "derand-polish" in MAXCUT_METHODS else "derand"
FAST = {"solve_options": {"max_iters": 400}}


def _ok(rows):
    return [r for r in rows if r["status"] in ("ok", "time_limit")]


# ------------------------------------------------------------- baselines
def test_one_exchange_is_networkx_one_exchange():
    g = read_graph(KARATE)
    res = one_exchange(g, seed=0)
    nx_value, _ = nx.algorithms.approximation.maxcut.one_exchange(nx.karate_club_graph(), seed=0)
    assert res.cut == nx_value
    assert res.status == "local_optimum"
    s = np.where(res.sides, 1.0, -1.0)
    assert np.all(s * (g.adjacency @ s) <= 1e-12)  # no single move raises the cut
    assert res.cut == g.cut_value(res.sides)


def test_one_exchange_negative_weights_and_deadline():
    g = random_graph(30, 0.3, seed=4, weights="signed")
    res = one_exchange(g, seed=1)
    s = np.where(res.sides, 1.0, -1.0)
    assert np.all(s * (g.adjacency @ s) <= 1e-9)
    assert one_exchange(g, deadline=time.monotonic() - 1).status == "time_limit"


def test_random_cuts_and_hyperplanes_respect_trials_and_deadline():
    g = read_graph(KARATE)
    res = random_cuts(g, trials=300, seed=0, batch=100)
    assert res.trials == 300 and len(res.cuts) == 300
    assert res.best_cut == res.cuts.max() == g.cut_value(res.sides)
    early = random_cuts(g, trials=300, batch=100, deadline=time.monotonic() - 1)
    assert early.trials == 100  # the first batch always runs
    V = np.random.default_rng(0).standard_normal((g.n, 5))
    assert hyperplane_rounding(g, V, trials=300, batch=100, deadline=time.monotonic() - 1).trials == 100
    with pytest.raises(OptionError, match="'trials' parameter"):
        random_cuts(g, trials=0)


def test_gw_expected_value_matches_monte_carlo():
    g = read_graph(KARATE)
    V = np.random.default_rng(1).standard_normal((g.n, 4))
    hp = hyperplane_rounding(g, V, trials=20000, seed=2)
    assert abs(hp.mean_cut - gw_expected_value(g, V)) < 0.02 * gw_expected_value(g, V)


# ------------------------------------------------------------- instances
def test_generated_families_and_bad_specs():
    assert generate_graph("torus:4:5").m == 40
    reg = generate_graph("regular:3:20:1")
    assert reg.n == 20 and reg.m == 30
    pm = generate_graph("pm1:30:0.3")
    assert set(np.unique(pm.weights)) <= {-1.0, 1.0}
    assert generate_graph("pm1:30:0.3").m == pm.m  # deterministic
    with pytest.raises(OptionError, match="expected regular:D:N"):
        generate_graph("regular:3")
    with pytest.raises(OptionError, match="N\\*D even"):
        generate_graph("regular:3:21")
    with pytest.raises(OptionError, match="unknown family"):
        generate_graph("cube:3")


def test_best_known_reader(tmp_path):
    good = tmp_path / "bk.csv"
    good.write_text("instance,n,m,best_known\nG1,800,19176,11624\n")
    assert load_best_known(good, tmp_path / "absent.csv") == {"G1": 11624.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("instance,best_known\nG1,lots\n")
    with pytest.raises(InputError, match="bad.csv:2: best_known 'lots'"):
        load_best_known(bad)
    with pytest.raises(InputError, match="columns"):
        load_best_known(tmp_path / "bk.csv", _write(tmp_path / "x.csv", "a,b\n1,2\n"))


def _write(path, text):
    path.write_text(text)
    return path


# ---------------------------------------------------------------- maxcut
@pytest.fixture(scope="module")
def maxcut_rows():
    methods = [DERAND, "gw-bm", "one-exchange", "random"]
    rows, status = run_maxcut_benchmark([str(KARATE), "regular:3:16", "no/such/graph.txt", "torus:4:4"],
                                        methods=methods, trials=200, device="cpu", options=FAST,
                                        best_known={"karate": 68.0})
    assert status == "complete"
    return rows


def test_rows_have_the_columns_and_cuts_never_exceed_the_bound(maxcut_rows):
    assert all(tuple(r) == MAXCUT_COLUMNS for r in maxcut_rows)
    ok = _ok(maxcut_rows)
    assert len(ok) == 12
    for r in ok:
        assert r["cut"] <= r["upper_bound"] + 1e-9, r
        assert r["certified_ratio"] == pytest.approx(r["cut"] / r["upper_bound"])
        assert r["seconds"] >= 0
    karate = [r for r in ok if r["instance"] == "karate"]
    assert all(r["best_known"] == 68.0 and r["ratio_best_known"] == r["cut"] / 68.0 for r in karate)


def test_upper_bound_is_at_least_the_optimum(maxcut_rows):
    g = generate_graph("regular:3:16")
    best = brute_force_maxcut(g)
    rows = [r for r in maxcut_rows if r["instance"] == "regular:3:16"]
    assert all(r["upper_bound"] >= best - 1e-9 >= r["cut"] - 1e-9 for r in rows)


def test_gw_best_beats_a_random_cut_and_its_expectation_is_closed_form(maxcut_rows):
    g = read_graph(KARATE)
    gw = next(r for r in maxcut_rows if r["instance"] == "karate" and r["method"] == "gw-bm")
    assert gw["cut"] >= random_cuts(g, trials=1, seed=5).best_cut
    assert gw["trials"] == 200
    assert gw["expected_cut"] <= gw["sdp_value"] + 1e-9
    assert gw["expected_cut"] >= 0.878 * gw["sdp_value"]
    der = next(r for r in maxcut_rows if r["instance"] == "karate" and r["method"] == DERAND)
    assert der["derandomized_cut"] is not None and der["cut"] >= der["derandomized_cut"]
    assert der["sdp_value"] == gw["sdp_value"]  # the same Burer-Monteiro vectors


def test_a_failing_instance_is_recorded_not_fatal(maxcut_rows):
    bad = [r for r in maxcut_rows if r["instance"] == "graph"]
    assert len(bad) == 4 and all(r["status"] == "error" and r["cut"] is None for r in bad)
    assert "cannot read the instance" in bad[0]["note"] and "no such file" in bad[0]["note"]
    assert any(r["instance"] == "torus:4:4" for r in _ok(maxcut_rows))  # the run went on


def test_a_failing_method_is_recorded_and_the_registry_takes_new_methods():
    register_maxcut_method("boom", lambda ctx: 1 / 0, description="always fails")
    register_maxcut_method("half", lambda ctx: MethodRun(ctx.graph.total_weight / 2, note="w/2"),
                           description="half the weight")
    try:
        rows, _ = run_maxcut_benchmark(["torus:3:4"], methods=["boom", "half"], device="cpu")
    finally:
        MAXCUT_METHODS.pop("boom", None)
        MAXCUT_METHODS.pop("half", None)
    boom, half = rows
    assert boom["status"] == "error" and boom["note"].startswith("ZeroDivisionError") and boom["cut"] is None
    assert half["status"] == "ok" and half["cut"] == 12.0 and half["note"] == "w/2"
    assert half["upper_bound"] >= brute_force_maxcut(generate_graph("torus:3:4")) - 1e-9


def test_time_limits_and_bad_options():
    g = "regular:3:20"
    rows, _ = run_maxcut_benchmark([g], methods=["random"], trials=10**6, time_limits={None: 0.05},
                                   device="cpu", upper_bound=False)
    assert rows[0]["status"] == "time_limit" and rows[0]["trials"] < 10**6 and rows[0]["upper_bound"] is None
    with pytest.raises(OptionError, match="'methods' parameter must be names from derand"):
        run_maxcut_benchmark([g], methods=["nope"])
    with pytest.raises(OptionError, match="unknown method 'nope'"):
        run_maxcut_benchmark([g], methods=["random"], time_limits={"nope": 1})
    with pytest.raises(OptionError, match="positive number of seconds"):
        run_maxcut_benchmark([g], methods=["random"], time_limits={None: -1})
    with pytest.raises(OptionError, match="'trials' parameter"):
        run_maxcut_benchmark([g], trials=0)


def test_match_time_runs_the_reference_first_and_gives_the_others_its_time(tmp_path):
    limits = []
    register_maxcut_method("ref", lambda ctx: MethodRun(1.0, seconds=2.0), description="takes 2 s")
    register_maxcut_method("probe", lambda ctx: limits.append(ctx.time_limit) or MethodRun(2.0),
                           description="records its time limit")
    try:
        rows, _ = run_maxcut_benchmark(["torus:3:4"], methods=["probe", "ref"], match_time="ref", device="cpu",
                                       upper_bound=False)
        assert [r["method"] for r in rows] == ["ref", "probe"]
        assert limits == [pytest.approx(MATCH_FRACTION * 2.0)]
        assert "time limit 1.94 s (0.97 x ref's)" in rows[1]["note"]
        # A smaller limit of its own wins, and then no note.
        rows, _ = run_maxcut_benchmark(["torus:3:4"], methods=["ref", "probe"], match_time="ref", device="cpu",
                                       time_limits={"probe": 1.0}, upper_bound=False)
        assert limits[-1] == 1.0 and rows[1]["note"] == ""
        # Resumed: the reference is not run again, its seconds come from results.csv.
        out = tmp_path / "bench"
        benchmark_maxcut(["torus:3:4"], out, methods=["ref"], device="cpu", upper_bound=False, plots=False)
        again = benchmark_maxcut(["torus:3:4"], out, methods=["ref", "probe"], device="cpu", upper_bound=False,
                                 plots=False, resume=True, match_time="ref")
        assert len(again.rows) == 2 and limits[-1] == pytest.approx(MATCH_FRACTION * 2.0)
        with pytest.raises(OptionError, match="'match_time' parameter must be one of the methods run"):
            run_maxcut_benchmark(["torus:3:4"], methods=["probe"], match_time="ref")
    finally:
        MAXCUT_METHODS.pop("ref", None)
        MAXCUT_METHODS.pop("probe", None)


@pytest.mark.skipif(not cvxpy_available(), reason="needs cvxpy (the gw extra)")
def test_gw_cvxpy_agrees_with_burer_monteiro_and_skips_large_graphs():
    rows, _ = run_maxcut_benchmark([str(KARATE), "regular:3:40"], methods=["gw-bm", "gw-cvxpy"], trials=200,
                                   device="cpu", options={"cvxpy_max_n": 35})
    by = {(r["instance"], r["method"]): r for r in rows}
    bm, cv = by["karate", "gw-bm"], by["karate", "gw-cvxpy"]
    assert cv["status"] == "ok" and cv["cut"] <= cv["upper_bound"] + 1e-9
    assert cv["sdp_value"] == pytest.approx(bm["sdp_value"], rel=5e-3)
    assert cv["expected_cut"] == pytest.approx(bm["expected_cut"], rel=1e-2)
    skipped = by["regular:3:40", "gw-cvxpy"]
    assert skipped["status"] == "skipped" and "cvxpy_max_n = 35" in skipped["note"] and skipped["cut"] is None


def test_gw_cvxpy_without_cvxpy_is_skipped_cleanly(monkeypatch):
    import solver.benchmark.maxcut as bm

    monkeypatch.setitem(bm.MAXCUT_METHODS, "gw-cvxpy",
                        bm.MaxCutMethod("gw-cvxpy", bm._run_gw_cvxpy, "", lambda: False, "cvxpy is not installed"))
    assert "gw-cvxpy" not in bm.available_maxcut_methods()
    rows, _ = run_maxcut_benchmark(["torus:3:3"], methods=["gw-cvxpy"], device="cpu", upper_bound=False)
    assert rows[0]["status"] == "skipped" and "not installed" in rows[0]["note"]


def test_reports_and_resume(tmp_path):
    out = tmp_path / "bench"
    first = benchmark_maxcut(["torus:3:4", "regular:3:12"], out, methods=["one-exchange"], device="cpu",
                             command="derand benchmark maxcut ...")
    assert first.status == "complete" and (out / "results.csv").exists() and (out / "results.md").exists()
    with open(out / "results.csv") as fh:
        header = next(csv.reader(fh))
    assert header[:8] == ["instance", "n", "m", "method", "cut", "upper_bound", "best_known", "seconds"]
    seconds = {r["instance"]: r["seconds"] for r in first.rows}
    again = benchmark_maxcut(["torus:3:4", "regular:3:12"], out, methods=["one-exchange", "random"], device="cpu",
                             resume=True, trials=50)
    assert len(again.rows) == 4
    kept = {r["instance"]: r["seconds"] for r in again.rows if r["method"] == "one-exchange"}
    assert kept == pytest.approx(seconds)  # not run again: read back from results.csv
    md = (out / "results.md").read_text()
    assert "## Summary" in md and "| torus:3:4 |" in md and "one-exchange" in md
    pytest.importorskip("matplotlib")
    for name in ("cut_ratio.png", "time.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(again.files) >= {"results.csv", "results.md", "cut_ratio.png", "time.png"}


# -------------------------------------------------------------------- jl
def test_jl_rows_are_certified():
    rows, status = run_jl_benchmark(["isotropic", "missing.npy"], [3, 4], methods=["gaussian", "sparse", "pca"],
                                    n=40, d=10, draws=8, device="cpu")
    assert status == "complete" and all(tuple(r) == JL_COLUMNS for r in rows)
    ok = _ok(rows)
    assert {r["method"] for r in ok} == {"gaussian-median", "gaussian-best", "sparse-median", "sparse-best", "pca"}
    assert all(r["distortion"] >= 1 and 0 <= r["eps_opt"] < 1 for r in ok)
    by = {(r["k"], r["method"]): r for r in ok}
    for k in (3, 4):
        assert by[k, "gaussian-best"]["distortion"] <= by[k, "gaussian-median"]["distortion"]
        assert by[k, "gaussian-best"]["draws"] == 8
    X = make_set("isotropic", n=40, d=10)
    assert by[3, "pca"]["distortion"] == pytest.approx(certify_embedding(X, X @ pca_map(X, 3).T).distortion)
    bad = [r for r in rows if r["dataset"] == "missing"]
    assert len(bad) == 10 and all(r["status"] == "error" and "no such file" in r["note"] for r in bad)


def test_jl_derand_and_minimax_with_reports(tmp_path):
    rep = benchmark_jl(["clustered"], [3], tmp_path, methods=["derand", "minimax", "pca"], n=30, d=8, device="cpu",
                       time_limits={None: 1.0}, options={"embed_options": {"max_iters": 50, "polish": False}})
    by = {r["method"]: r for r in rep.rows}
    assert by["derand"]["distortion"] >= 1 and by["derand"]["derandomized_distortion"] >= 1
    assert by["minimax"]["distortion"] <= by["pca"]["distortion"] or "gaussian" in by["minimax"]["note"]
    assert "## Distortion D per data set and k" in (tmp_path / "results.md").read_text()
    with pytest.raises(OptionError, match="'dim' parameter"):
        run_jl_benchmark(["isotropic"], [0])
    with pytest.raises(OptionError, match="must be names from derand, gaussian"):
        run_jl_benchmark(["isotropic"], [3], methods=["umap"])


# ------------------------------------------------------------------- cli
runner = CliRunner()


def test_cli_maxcut_benchmark(tmp_path):
    out = tmp_path / "res"
    res = runner.invoke(app, ["benchmark", "maxcut", str(KARATE), "torus:3:5", "--out", str(out), "--methods",
                              "gw-bm,one-exchange", "-m", "random", "--trials", "50", "--time-limit", "30",
                              "--time-limit", "gw-bm=20", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    assert "MAX-CUT benchmark: 2 instance(s)" in res.output and "wrote" in res.output
    with open(out / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["method"] for r in rows[:3]] == ["gw-bm", "one-exchange", "random"]
    assert all(float(r["cut"]) <= float(r["upper_bound"]) + 1e-9 for r in rows)
    md = (out / "results.md").read_text()
    assert re.search(r"derand benchmark maxcut \S+karate.edgelist torus:3:5 --out \S+ --methods gw-bm,one-exchange "
                     r"--methods random --trials 50 --time-limit 30 --time-limit gw-bm=20 --device cpu", md)


@pytest.mark.parametrize("args, message", [
    (["--methods", "foo"], "The 'methods' parameter must be names from"),
    (["--time-limit", "soon"], "The '--time-limit' parameter must be SECONDS or METHOD=SECONDS. Got 'soon'"),
    (["--time-limit", "foo=3"], "unknown method 'foo'"),
    (["--trials", "0"], "The 'trials' parameter must be a positive integer. Got 0"),
    (["--threads", "0"], "The 'threads' parameter"),
    (["--match-time", "neal", "--methods", "random"], "The 'match_time' parameter must be one of the methods run"),
])
def test_cli_maxcut_benchmark_bad_options(tmp_path, args, message):
    res = runner.invoke(app, ["benchmark", "maxcut", "torus:3:3", "--out", str(tmp_path / "a" / "o"), "-q"] + args)
    assert res.exit_code == 1
    assert message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "a").exists()  # no empty --out (or parent) left behind


def test_failed_benchmark_removes_only_the_folders_it_created(tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    for out in (kept, tmp_path / "new" / "deeper"):
        with pytest.raises(OptionError):
            benchmark_maxcut(["torus:3:3"], out, methods=["foo"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"] and (kept / "notes.txt").read_text() == "mine"
    res = runner.invoke(app, ["benchmark", "jl", "isotropic", "--dim", "5", "--methods", "foo", "--out",
                              str(tmp_path / "j"), "-q"])
    assert res.exit_code == 1 and "Traceback" not in res.output and not (tmp_path / "j").exists()


def test_cli_out_must_be_a_folder_and_jl_bad_dim(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("x")
    res = runner.invoke(app, ["benchmark", "maxcut", "torus:3:3", "--out", str(file), "-q"])
    assert res.exit_code == 1 and "exists and is not a folder" in res.output
    res = runner.invoke(app, ["benchmark", "jl", "isotropic", "--dim", "ten", "--out", str(tmp_path / "j")])
    assert res.exit_code == 1 and "The '--dim' parameter must be positive integers" in res.output
    res = runner.invoke(app, ["benchmark", "jl", "isotropic", "--out", str(tmp_path / "j")])
    assert res.exit_code == 2  # --dim is required: the option parser says so


def test_cli_jl_benchmark(tmp_path):
    res = runner.invoke(app, ["benchmark", "jl", "isotropic", "anisotropic", "--dim", "3,5", "--out", str(tmp_path),
                              "--methods", "gaussian,pca", "--n", "30", "--d", "8", "--draws", "5", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    with open(tmp_path / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2 * 3 and {r["k"] for r in rows} == {"3", "5"}
    assert "JL benchmark" in res.output
