"""The Ising/QUBO benchmark: its generators keep the published families' laws, every method's energy is
recomputed and never below the ground state, derand's bound never above it, and missing peers skip."""

from __future__ import annotations

import csv
import importlib
import sys

import numpy as np
import pytest

from solver.benchmark import ising as bench
from solver.benchmark.ising import ISING_COLUMNS, generate_model, run_ising_benchmark, run_method
from solver.errors import OptionError

PEER_MODULES = ("dwave.samplers", "neal", "simulated_bifurcation")


def _integral(model) -> bool:
    return bool(np.all(model.linear == np.round(model.linear)) and np.all(model.quadratic == np.round(model.quadratic)))


def ground_state(model) -> float:
    """The lowest energy, by enumerating all 2^n assignments (n <= 16)."""
    n = model.n
    assert n <= 16
    bits = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(float)
    values = bits if model.vartype == "BINARY" else 2 * bits - 1
    return float(np.min(model.energies(values)))


def hide_peers(monkeypatch) -> None:
    for name in PEER_MODULES:
        monkeypatch.setitem(sys.modules, name, None)


# ----------------------------------------------------------------- generators
@pytest.mark.parametrize("spec", ["bqp:60:4", "be:40:0.5:2", "pm2d:5:1", "pm3d:4:3", "sk:20:7"])
def test_generators_are_deterministic_per_seed(spec):
    a, b = generate_model(spec), generate_model(spec)
    assert a.name == spec and a.vartype == b.vartype
    np.testing.assert_array_equal(a.linear, b.linear)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    np.testing.assert_array_equal(a.quadratic, b.quadratic)
    other = generate_model(spec.rsplit(":", 1)[0] + ":99")
    assert not (np.array_equal(a.pairs, other.pairs) and np.array_equal(a.quadratic, other.quadratic)
                and np.array_equal(a.linear, other.linear))


def test_bqp_is_beasleys_law_negated():
    n = 300
    model = generate_model(f"bqp:{n}:3")
    assert model.vartype == "BINARY" and model.n == n and model.offset == 0 and _integral(model)
    diagonal, off = -model.linear, -model.quadratic / 2  # E = -sum q_ii x_i - 2 sum_{i<j} q_ij x_i x_j
    assert np.all(off == np.round(off))
    assert np.all((np.abs(off) >= 1) & (np.abs(off) <= 100))
    assert np.all(np.abs(diagonal) <= 100)
    entries = n * (n + 1) // 2
    density = (np.count_nonzero(diagonal) + model.m) / entries
    assert abs(density - 0.1) < 0.01
    assert off.min() < -90 and off.max() > 90


def test_be_has_a_dense_diagonal_and_the_asked_density():
    n, d = 200, 0.3
    model = generate_model(f"be:{n}:{d}:1")
    assert model.vartype == "BINARY" and model.n == n and _integral(model)
    off = model.quadratic / 2  # x^T Q x: each off-diagonal q_ij counts twice
    assert np.all(off == np.round(off)) and np.all(np.abs(off) <= 50) and off.min() < -45 and off.max() > 45
    assert np.all(np.abs(model.linear) <= 100) and np.count_nonzero(model.linear) > 0.95 * n
    expected = d * (1 - 1 / 101)  # a drawn 0 leaves the pair empty
    assert abs(model.m / (n * (n - 1) / 2) - expected) < 0.02


@pytest.mark.parametrize("spec,n,degree", [("pm2d:6:2", 36, 4), ("pm3d:4:2", 64, 6)])
def test_lattices_are_periodic_pm_j(spec, n, degree):
    model = generate_model(spec)
    assert model.vartype == "SPIN" and model.n == n and model.m == n * degree // 2
    assert np.all(model.linear == 0) and set(np.unique(model.quadratic)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(np.bincount(model.pairs.ravel(), minlength=n), np.full(n, degree))


def test_sk_couples_every_pair():
    model = generate_model("sk:40:1")
    assert model.vartype == "SPIN" and model.m == 40 * 39 // 2 and np.all(model.linear == 0)
    assert set(np.unique(model.quadratic)) == {-1.0, 1.0}
    assert abs(np.mean(model.quadratic)) < 0.1


@pytest.mark.parametrize("spec,match", [
    ("bqp:abc:1", r"'bqp:abc:1'.*not an integer"),
    ("bqp:50", r"'bqp:50'.*expected bqp:N:SEED"),
    ("be:100:1.5:1", r"'be:100:1.5:1'.*DENSITY"),
    ("be:100:x:1", r"'be:100:x:1'.*not a number"),
    ("pm2d:2:1", r"'pm2d:2:1'.*at least 3"),
    ("sk:10:-1", r"'sk:10:-1'.*seed"),
    ("zzz:1:2", r"'zzz:1:2'.*unknown family"),
])
def test_bad_specs_name_the_spec(spec, match):
    with pytest.raises(OptionError, match=match):
        generate_model(spec)


# -------------------------------------------------------------------- methods
@pytest.mark.parametrize("spec", ["bqp:12:1", "sk:11:3"])
def test_every_method_recomputes_its_energy_above_the_ground_state(spec):
    model = generate_model(spec)
    lowest = ground_state(model)
    for name in bench.ISING_METHODS:
        run = run_method(name, model, time_limit=0.2, seed=1)
        if run.status == "skipped":
            continue
        assert run.status == "ok", (name, run.note)
        model.check_values(run.values)
        assert run.energy == model.energies(run.values)
        assert run.energy >= lowest
        assert run.seconds > 0
        if name == "derand":
            assert run.bound <= lowest <= run.energy


def test_peers_skip_cleanly_without_their_packages(monkeypatch):
    hide_peers(monkeypatch)
    assert bench.available_ising_methods() == ["derand"]
    rows = run_ising_benchmark(["pm2d:3:1"], time_limit=0.2)
    by = {r["method"]: r for r in rows}
    assert by["derand"]["status"] == "ok" and by["derand"]["energy"] is not None
    for name in ("neal", "tabu", "sb"):
        assert by[name]["status"] == "skipped" and by[name]["energy"] is None
        assert "not installed" in by[name]["note"]


def test_the_module_imports_without_any_peer(monkeypatch):
    hide_peers(monkeypatch)
    monkeypatch.setitem(sys.modules, "dimod", None)
    fresh = importlib.reload(bench)
    assert "derand" in fresh.available_ising_methods()
    importlib.reload(bench)  # back to the real modules for the tests after this one


def test_a_peer_needs_a_time_limit():
    with pytest.raises(OptionError, match="'time_limit'.*for neal"):
        run_method("neal", generate_model("sk:6:1"), time_limit=None)


# ---------------------------------------------------------------------- runner
@pytest.mark.filterwarnings("ignore::solver.errors.DerandWarning")  # 0.2 s may stop derand's SDP early
def test_results_csv_and_md_are_written(tmp_path):
    rows = run_ising_benchmark(["pm2d:3:1", "bqp:10:2"], methods=["derand", "neal"], time_limit=0.2,
                               seeds=[0, 1], out_dir=tmp_path, command="derand benchmark ising pm2d:3:1 bqp:10:2")
    assert len(rows) == 2 * 2 * 2
    with open(tmp_path / "results.csv", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert tuple(written[0]) == ISING_COLUMNS and len(written) == len(rows)
    for r in rows:  # one bound per instance and seed, on every method's row; never above an energy
        if r["status"] != "ok":  # a peer that is not installed
            assert r["status"] == "skipped" and r["energy"] is None
            continue
        derand = next(x for x in rows if x["method"] == "derand" and (x["instance"], x["seed"]) == (r["instance"],
                                                                                                   r["seed"]))
        assert r["bound"] == derand["bound"] and r["bound"] <= r["energy"]
        assert r["gap"] == r["energy"] - r["bound"]
    md = (tmp_path / "results.md").read_text()
    assert "## Summary" in md and "### pm2d" in md and "### bqp" in md
    assert "derand benchmark ising pm2d:3:1 bqp:10:2" in md and "logical CPUs" in md
    assert "0.2 s of wall time" in md


def test_match_gives_each_peer_derands_wall_time():
    rows = run_ising_benchmark(["sk:8:1"], methods=["neal", "derand"], time_limit=None, match="derand")
    derand, neal = rows
    assert derand["method"] == "derand" and neal["method"] == "neal"  # derand runs first
    assert neal["time_limit"] == derand["seconds"]


@pytest.mark.parametrize("kwargs,match", [
    ({"methods": ["derand", "gurobi"]}, "'methods'"),
    ({"match": "neal"}, "'match'"),
    ({"match": "derand", "methods": ["neal"]}, "must include derand"),
    ({"time_limit": None}, "'time_limit'"),
    ({"time_limit": -1.0}, "'time_limit'"),
    ({"seeds": []}, "'seeds'"),
])
def test_bad_options_are_refused_before_any_run(kwargs, match):
    with pytest.raises(OptionError, match=match):
        run_ising_benchmark(["sk:8:1"], **kwargs)


def test_the_command_line_runs_it_and_names_a_bad_spec(tmp_path):
    from typer.testing import CliRunner

    from solver.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["benchmark", "ising", "pm2d:3:1", "-o", str(tmp_path / "out"), "--methods", "derand",
                              "--time-limit", "0.5", "-q"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "results.csv").exists() and (tmp_path / "out" / "results.md").exists()
    res = runner.invoke(app, ["benchmark", "ising", "pm2d:x:1", "-o", str(tmp_path / "bad"), "-q"])
    assert res.exit_code == 1 and "pm2d:x:1" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "bad" / "results.csv").exists()
