"""DerandSampler as a dimod sampler: dimod's own conformance tests, an Ocean-style script with one line
changed, the certificate in ``info``, and derand without dimod installed."""

import os
import subprocess
import sys
import textwrap
import unittest
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_without_dimod_derand_imports_and_the_sampler_says_what_to_install():
    """dimod hidden (a None entry in sys.modules makes every import of it fail): the rest of derand works."""
    script = textwrap.dedent("""
        import sys
        sys.modules["dimod"] = None
        import solver.cli, solver.ising, solver.model, solver.io.quadratic  # noqa: F401
        try:
            import solver.ocean  # noqa: F401
        except ImportError as exc:
            print("IMPORT-ERROR:", exc)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "IMPORT-ERROR: solver.ocean needs dimod: pip install 'derand[ocean]'" in res.stdout


dimod = pytest.importorskip("dimod")
import dimod.testing  # noqa: E402

from solver.ocean import DerandSampler, model_from_bqm  # noqa: E402


@dimod.testing.load_sampler_bqm_tests(DerandSampler)
class TestDimodConformance(unittest.TestCase):
    """dimod.testing's sampler tests: empty, one-variable and path BQMs of every BQM class, both vartypes."""

    def test_api(self):
        dimod.testing.assert_sampler_api(DerandSampler())


def test_an_ocean_script_runs_with_one_line_changed():
    """The shape of an Ocean tutorial: build a BQM, sample, read .first and aggregate; only the sampler differs."""
    # --- an Ocean user's script; sampler = neal.SimulatedAnnealingSampler() before the swap
    sampler = DerandSampler()
    bqm = dimod.generators.ran_r(1, 14, seed=4)
    bqm.add_linear_from({v: 0.5 * ((-1) ** v) for v in bqm.variables})
    sampleset = sampler.sample(bqm, num_reads=100, seed=1)
    best = sampleset.first
    energies = [datum.energy for datum in sampleset.aggregate().data(["energy"])]
    low = sampler.sample_ising(dict(bqm.linear), dict(bqm.quadratic), num_reads=10)
    qubo, offset = bqm.to_qubo()
    bits = sampler.sample_qubo(qubo)
    # --- end of the script
    exact = dimod.ExactSolver().sample(bqm).first.energy
    assert best.energy == pytest.approx(exact) and min(energies) == best.energy
    assert bqm.energy(best.sample) == pytest.approx(best.energy)
    assert low.first.energy == pytest.approx(exact - bqm.offset)
    assert bits.first.energy + offset == pytest.approx(exact)
    assert sampleset.info["energy_lower_bound"] <= exact + 1e-9


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_info_holds_a_bound_below_the_ground_state(vartype):
    rng = np.random.default_rng(11 if vartype == "SPIN" else 12)
    n = 12
    linear = {f"q{i}": float(rng.integers(-4, 5)) for i in range(n)}
    quadratic = {(f"q{i}", f"q{j}"): float(rng.integers(-4, 5)) for i in range(n) for j in range(i + 1, n)
                 if rng.random() < 0.5}
    bqm = dimod.BinaryQuadraticModel(linear, quadratic, 2.0, vartype)
    sampleset = DerandSampler().sample(bqm, tighten="off")
    info = sampleset.info
    ground = dimod.ExactSolver().sample(bqm).first.energy
    assert info["energy_lower_bound"] <= ground <= sampleset.first.energy
    assert info["gap"] == pytest.approx(sampleset.first.energy - info["energy_lower_bound"])
    assert info["certificate"]["energy"] == pytest.approx(sampleset.first.energy)
    assert set(info["seconds"]) >= {"sdp", "bound", "derandomize", "total"}
    assert set(sampleset.variables) == set(bqm.variables)


def test_labels_survive_the_round_trip():
    bqm = dimod.BinaryQuadraticModel({("a", 1): 1.0, "b": -1.0}, {(("a", 1), "b"): 2.0, ("b", 3): -1.5}, 0.0, "SPIN")
    model, variables = model_from_bqm(bqm)
    assert variables == list(bqm.variables)
    for values in ([-1, 1, 1], [1, -1, 1], [1, 1, -1]):
        assert model.energies(np.array(values)) == pytest.approx(bqm.energy(dict(zip(variables, values))))


def test_bad_parameters_raise_like_a_sampler():
    with pytest.raises(ValueError, match="num_reads"):
        DerandSampler().sample(dimod.BinaryQuadraticModel({"a": 1}, {}, 0, "SPIN"), num_reads=0)
    with pytest.raises(ValueError, match="time_limit"):
        DerandSampler().sample(dimod.BinaryQuadraticModel({"a": 1}, {("a", "b"): 1}, 0, "SPIN"), time_limit=-1)


def test_an_ocean_library_function_takes_it_as_its_sampler():
    """dwave-networkx's maximum_cut, written for any dimod sampler, gets the optimum with the sampler swapped."""
    dnx = pytest.importorskip("dwave_networkx")
    import warnings

    import networkx as nx

    from solver.graph import Graph
    from solver.maxcut import solve_maxcut

    graph = nx.Graph(nx.karate_club_graph().edges())  # unit weights: maximum_cut counts edges
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        side = dnx.maximum_cut(graph, DerandSampler())
    cut = sum(1 for u, v in graph.edges() if (u in side) != (v in side))
    result = solve_maxcut(Graph.from_networkx(graph), device="cpu", tighten="auto")
    assert result.proved_optimal and cut == result.cut_value
