"""The improvement phase (annealing restarts + breakout local search): never worse, exact on small graphs, one answer per seed."""

from __future__ import annotations

import _thread
import importlib
import importlib.util
import itertools
import json
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.core import jit
from solver.errors import DerandWarning, OptionError
from solver.graph import Graph
from solver.maxcut import improve, solve_maxcut
from solver.maxcut.improve import METHODS, HeadStart, chain_seed, improve_cut
from solver.maxcut.local_search import one_flip_local_search

from .conftest import DATA, brute_force_maxcut, random_graph

SMALL = [random_graph(n, p, seed, weights=w)
         for (n, p, seed) in ((10, 0.5, 0), (14, 0.4, 1), (16, 0.3, 2))
         for w in ("unit", "positive", "signed")]
needs_numba = pytest.mark.skipif(not improve.HAVE_NUMBA, reason="numba is not importable")


class _Clock:
    """Stands in for :mod:`time` in ``improve``: each reading moves it on by ``tick`` seconds.

    A budget is then a number of readings (every kernel call takes three), so
    where a time-limited search stops, and how it sizes its chunks and runs,
    is the same on every machine.
    """

    def __init__(self, tick: float):
        self.tick = tick
        self._readings = itertools.count()  # next() is atomic under the GIL: safe across the chains' threads

    def monotonic(self) -> float:
        return next(self._readings) * self.tick


@pytest.fixture
def clock(monkeypatch):
    """``clock(tick)`` puts a :class:`_Clock` in place of the improvement phase's clock."""
    def install(tick: float) -> _Clock:
        fake = _Clock(tick)
        monkeypatch.setattr(improve, "time", fake)
        return fake

    return install


@pytest.fixture
def no_time_cap(monkeypatch):
    """The pipeline's improvement phase ends by its rounds or its stall, never by the safety cap on its time."""
    monkeypatch.setattr(importlib.import_module("solver.maxcut.improve"), "default_time_cap", lambda n: None)


def _toroidal_grid(rows: int, cols: int, seed: int) -> Graph:
    """A rows x cols torus with +-1 weights (Gset's G11-G13, G32-G34 family)."""
    rng = np.random.default_rng(seed)
    v = np.arange(rows * cols).reshape(rows, cols)
    heads = np.concatenate([v.ravel(), v.ravel()])
    tails = np.concatenate([np.roll(v, 1, axis=0).ravel(), np.roll(v, 1, axis=1).ravel()])
    return Graph.from_edges(rows * cols, heads, tails, rng.choice([-1.0, 1.0], size=heads.size))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("engine", ["auto", "python"])
def test_finds_the_brute_force_optimum_on_small_graphs(method, engine):
    for g in SMALL:
        res = improve_cut(g, np.zeros(g.n, dtype=bool), method=method, seed=0, max_rounds=2, engine=engine,
                          sweeps=300)
        assert res.cut == pytest.approx(brute_force_maxcut(g), abs=1e-9), g.name


@pytest.mark.parametrize("method", METHODS)
def test_never_below_the_start_and_the_cut_is_recomputed(method):
    rng = np.random.default_rng(5)
    for g in SMALL + [random_graph(40, 0.2, 3, weights="signed")]:
        start = one_flip_local_search(g, rng.random(g.n) < 0.5).sides
        res = improve_cut(g, start, method=method, seed=1, max_rounds=1, sweeps=50)
        assert res.start_cut == g.cut_value(start)
        assert res.cut >= res.start_cut
        assert res.cut == g.cut_value(res.sides)
        assert res.sides.dtype == bool and res.sides.shape == (g.n,)


@needs_numba
@pytest.mark.parametrize("selection", ["tree", "scan"])
def test_numba_and_plain_python_make_the_same_moves(selection):
    for g in SMALL[::2] + [_toroidal_grid(6, 7, 0)]:
        start = np.arange(g.n) % 3 == 0
        a, b = (improve_cut(g, start, seed=3, max_rounds=2, selection=selection, engine=engine,
                            sweeps=200) for engine in ("numba", "python"))
        assert (a.engine, b.engine) == ("numba", "python")
        assert np.array_equal(a.sides, b.sides) and a.cut == b.cut
        assert (a.moves, a.local_optima, a.best_found_move) == (b.moves, b.local_optima, b.best_found_move)


def test_the_plain_python_engine_swaps_every_kernel():
    # a kernel left out of the swap would run compiled inside the "plain Python" engine
    import inspect
    import types

    import solver.maxcut.improve as improve

    assert inspect.getsource(improve).count("@_kernel\n") == len(improve._KERNELS)
    compiled = {name for name, fn in vars(improve).items() if hasattr(fn, "py_func")}  # empty without numba
    assert compiled <= set(improve._KERNELS)
    namespace = improve._python_kernels()
    assert all(isinstance(namespace[name], types.FunctionType) for name in improve._KERNELS)
    assert "_keep_best" in improve._KERNELS


def test_the_hybrid_search_starts_with_a_bls_episode_from_the_start_itself():
    # Round 0 of "hybrid" is the BLS episode alone, from the given cut (no
    # annealing run melts it first): the same moves as "tabu"'s first episode.
    for g in SMALL[2::3] + [_toroidal_grid(10, 11, 4)]:
        start = one_flip_local_search(g, np.arange(g.n) % 2 == 0).sides
        a, b = (improve_cut(g, start, method=method, seed=6, max_rounds=1, sweeps=500) for method in ("hybrid", "tabu"))
        assert np.array_equal(a.sides, b.sides) and a.cut == b.cut
        assert (a.moves, a.local_optima, a.best_found_move) == (b.moves, b.local_optima, b.best_found_move)
        two = improve_cut(g, start, method="hybrid", seed=6, max_rounds=2, sweeps=500)
        # The second round is an annealing run (hot at first: many flips per sweep) and another episode.
        assert two.moves > 2 * a.moves + g.n


@pytest.mark.parametrize("weights", ["unit", "signed"])
def test_tabulated_acceptance_makes_the_same_moves_as_exp(weights):
    # Integer weights use a per-sweep table of acceptance thresholds; halving
    # every weight turns it off (non-integer weights) while every beta * gain
    # product, hence every decision, stays exactly the same (powers of two).
    g = random_graph(90, 0.12, 21, weights="unit")
    if weights == "signed":
        w = np.where(np.random.default_rng(2).random(g.m) < 0.5, -1.0, 1.0)
        g = Graph.from_edges(g.n, g.edges[:, 0], g.edges[:, 1], w)
    half = Graph.from_edges(g.n, g.edges[:, 0], g.edges[:, 1], g.weights / 2)
    start = np.arange(g.n) % 2 == 0
    a, b = (improve_cut(h, start, method="anneal", seed=5, max_rounds=3, max_stall=None, sweeps=150)
            for h in (g, half))
    assert a.moves > 1000
    assert np.array_equal(a.sides, b.sides) and a.cut == 2 * b.cut
    assert (a.moves, a.best_found_move) == (b.moves, b.best_found_move)


@pytest.mark.parametrize("method", ["hybrid", "tabu"])
def test_tree_and_scan_selection_make_the_same_moves(method):
    for g in SMALL[1::2] + [_toroidal_grid(8, 9, 1)]:
        a, b = (improve_cut(g, np.zeros(g.n, dtype=bool), method=method, seed=2, max_rounds=3, selection=selection,
                            sweeps=200) for selection in ("tree", "scan"))
        assert (a.selection, b.selection) == ("tree", "scan")
        assert np.array_equal(a.sides, b.sides)
        assert (a.moves, a.local_optima, a.best_found_move) == (b.moves, b.local_optima, b.best_found_move)


def test_a_seed_gives_one_answer_and_the_round_budget_is_kept():
    g = _toroidal_grid(20, 20, 2)
    a, b = (improve_cut(g, np.zeros(g.n, dtype=bool), seed=7, max_rounds=3, max_stall=None) for _ in range(2))
    assert np.array_equal(a.sides, b.sides) and a.moves == b.moves
    assert a.stop == "rounds" and a.rounds == 3
    assert 0 <= a.best_found_move <= a.moves and a.best_found_seconds <= a.seconds
    c = improve_cut(g, np.zeros(g.n, dtype=bool), seed=8, max_rounds=3, max_stall=None)
    assert not np.array_equal(a.sides, c.sides) or a.moves != c.moves


@pytest.mark.parametrize("method", METHODS)
def test_the_time_limit_is_respected(method, clock):
    g = _toroidal_grid(60, 60, 3)
    tick = clock(0.01).tick
    res = improve_cut(g, np.zeros(g.n, dtype=bool), method=method, time_limit=0.3, max_stall=None)
    # It stops at the first reading past the limit: within one kernel call (three readings).
    assert res.stop == "time" and 0.3 <= res.seconds <= 0.3 + 3 * tick + 1e-9
    assert res.cut >= res.start_cut and res.moves > 0
    clock(0.01)
    again = improve_cut(g, np.zeros(g.n, dtype=bool), method=method, time_limit=0.3, max_stall=None)
    assert (again.cut, again.moves, again.rounds) == (res.cut, res.moves, res.rounds)  # the clock alone decides


def test_a_time_budget_takes_the_same_moves_as_a_round_budget_while_full_runs_fit(clock):
    # Where four full annealing runs fit in the budget, the clock only decides
    # where the search stops: up to there it makes the moves of a search
    # ended by rounds (the sweep time is measured, not guessed). The clock
    # counts readings (a kernel call costs one tick, whatever it does), so
    # the budgets below are the same number of calls on every machine.
    g = _toroidal_grid(20, 20, 2)
    start = np.zeros(g.n, dtype=bool)
    clock(1e-3)  # the first sweep timing reads 1e-3 / 5 s a sweep: four 300-sweep runs take 0.24 s
    timed = improve_cut(g, start, seed=5, time_limit=0.3, max_stall=None, sweeps=300)
    assert timed.stop == "time" and timed.params["shortest_run"] == timed.params["sweeps"] == 300
    assert timed.rounds > 4
    counted = improve_cut(g, start, seed=5, max_rounds=timed.rounds + 1, max_stall=None, sweeps=300)
    assert counted.moves >= timed.moves
    if counted.best_found_move <= timed.moves:
        assert (counted.cut, counted.best_found_move) == (timed.cut, timed.best_found_move)
    else:
        assert counted.cut > timed.cut
    # A budget too small for four full runs shortens them.
    clock(1e-3)
    short = improve_cut(g, start, method="anneal", seed=5, time_limit=0.01, max_stall=None, sweeps=300)
    assert short.params["shortest_run"] < short.params["sweeps"]
    # A kernel call costs more than a sweep here (one tick for a chunk of any
    # length): the estimate is an average over every sweep so far, not the
    # last chunk's time, so the runs stay full.
    tiny = random_graph(30, 0.2, 1)
    clock(1e-3)
    res = improve_cut(tiny, np.zeros(tiny.n, dtype=bool), seed=1, time_limit=0.3, max_stall=None, sweeps=300)
    assert res.stop == "time" and res.rounds > 4 and res.params["shortest_run"] == res.params["sweeps"]


@pytest.mark.skipif(not improve.HAVE_NUMBA, reason="needs numba")
def test_the_warm_up_compiles_every_kernel_the_driver_calls():
    # In a fresh process: here earlier tests have compiled them already. A kernel
    # left out would be compiled (or loaded) on the search's clock.
    code = ("from solver.maxcut import improve; improve._warm_up(); "
            "print([k for k in ('_search', '_anneal', '_reset_gains') if not getattr(improve, k).signatures])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_stops_on_a_stall_and_at_a_target():
    g = SMALL[4]
    best = brute_force_maxcut(g)
    res = improve_cut(g, np.zeros(g.n, dtype=bool), max_stall=2, sweeps=100)
    assert res.stop == "stall" and res.rounds >= 2
    for method in METHODS:
        res = improve_cut(g, np.zeros(g.n, dtype=bool), method=method, target=best)
        assert res.stop == "target" and res.cut == pytest.approx(best)
    res = improve_cut(g, np.zeros(g.n, dtype=bool), target=-1.0)
    assert res.stop == "target" and res.moves == 0


def test_several_workers_keep_chain_zero_and_the_best_chain_wins():
    g = _toroidal_grid(20, 20, 2)
    start = np.zeros(g.n, dtype=bool)
    one = improve_cut(g, start, seed=7, max_rounds=3, max_stall=None)
    many = [improve_cut(g, start, seed=7, max_rounds=3, max_stall=None, workers=3) for _ in range(2)]
    chains = many[0].params["chains"]
    assert [c["seed"] for c in chains] == [7, chain_seed(7, 1), chain_seed(7, 2)]
    assert len({c["seed"] for c in chains}) == 3
    assert chains[0]["cut"] == one.cut and chains[0]["moves"] == one.moves  # chain 0 is the one-worker search
    for i, c in enumerate(chains[1:], 1):  # chain i is the one-worker search with its seed
        alone = improve_cut(g, start, seed=c["seed"], max_rounds=3, max_stall=None)
        assert (c["cut"], c["moves"]) == (alone.cut, alone.moves)
    winner = many[0].params["winner"]
    assert many[0].cut == max(c["cut"] for c in chains) == chains[winner]["cut"] >= one.cut
    assert all(c["cut"] < many[0].cut for c in chains[:winner])  # ties go to the lowest chain
    assert many[0].cut == g.cut_value(many[0].sides)
    assert np.array_equal(many[0].sides, many[1].sides)  # reproducible
    assert [(c["cut"], c["moves"]) for c in chains] == [(c["cut"], c["moves"]) for c in many[1].params["chains"]]


def test_a_worker_at_the_target_stops_the_others_and_ctrl_c_stops_them_all():
    g = SMALL[4]
    best = brute_force_maxcut(g)
    res = improve_cut(g, np.zeros(g.n, dtype=bool), target=best, workers=3, max_stall=None)
    assert res.stop == "target" and res.cut == pytest.approx(best)
    assert {c["stop"] for c in res.params["chains"]} <= {"target", "halted"}
    big = _toroidal_grid(60, 60, 3)
    pressed = []

    def ctrl_c(*_):  # what the terminal does: KeyboardInterrupt in the main thread, once
        if not pressed:
            pressed.append(time.monotonic())
            _thread.interrupt_main()

    res = improve_cut(big, np.zeros(big.n, dtype=bool), workers=2, time_limit=30, max_stall=None, progress=ctrl_c)
    # Without the halt the chains would run out their 30 s and report "time".
    assert res.stop == "interrupted" and pressed and res.seconds < 30
    assert {c["stop"] for c in res.params["chains"]} == {"halted"} and res.cut >= res.start_cut


def test_a_head_start_runs_its_chains_from_random_cuts_beside_chain_zero():
    g = _toroidal_grid(20, 20, 2)
    start = np.zeros(g.n, dtype=bool)
    runs = []
    for _ in range(2):
        with HeadStart(g, workers=3, seed=7, max_rounds=3, max_stall=None) as head:
            time.sleep(0.05)  # the front of a run
            runs.append((improve_cut(g, start, seed=7, max_rounds=3, max_stall=None, workers=3, head_start=head),
                         head.starts))
    (res, starts), (again, starts_again) = runs
    chains = res.params["chains"]
    assert [c["start"] for c in chains] == ["given", "random", "random"]
    assert chains[0]["started_seconds"] == 0.0 and all(c["started_seconds"] < 0 for c in chains[1:])
    one = improve_cut(g, start, seed=7, max_rounds=3, max_stall=None)
    assert (chains[0]["cut"], chains[0]["moves"]) == (one.cut, one.moves)
    for i, c in enumerate(chains[1:], 1):  # chain i: the one-worker search with its seed, from its random cut
        assert c["seed"] == chain_seed(7, i) and 0.3 < starts[i - 1].mean() < 0.7
        alone = improve_cut(g, starts[i - 1], seed=c["seed"], max_rounds=3, max_stall=None)
        assert (c["cut"], c["moves"]) == (alone.cut, alone.moves)
    assert not np.array_equal(starts[0], starts[1]) and all(map(np.array_equal, starts, starts_again))
    assert res.cut == max(c["cut"] for c in chains) == g.cut_value(res.sides) and res.start_cut == 0.0
    assert res.cut >= one.cut and np.array_equal(res.sides, again.sides)  # reproducible
    with HeadStart(g, workers=3) as head, pytest.raises(OptionError, match="'workers' parameter must be the head"):
        improve_cut(g, start, workers=2, head_start=head)
    with pytest.raises(OptionError, match="'workers' parameter must be an integer >= 2"):
        HeadStart(g, workers=1)


def test_a_head_start_warms_the_kernels_up_in_its_own_threads(monkeypatch):
    calls = []
    begun = threading.Event()
    real = improve._run_every_kernel

    def run_every_kernel():
        calls.append(threading.current_thread().name)
        begun.set()
        real()

    monkeypatch.setattr(improve, "_run_every_kernel", run_every_kernel)
    monkeypatch.setattr(improve, "_warmed_up", False)
    g = SMALL[1]
    with HeadStart(g, workers=2, max_rounds=1) as head:
        assert begun.wait(60)  # the front of a run: the chain's thread has begun the warm-up
        res = improve_cut(g, np.zeros(g.n, dtype=bool), workers=2, max_rounds=1, head_start=head)
    assert calls == ["derand-improve_0"]  # once, in the chain's thread; the caller waited for it
    assert res.cut == max(c["cut"] for c in res.params["chains"])
    assert all(c["stop"] == "rounds" for c in res.params["chains"])


def test_a_head_start_at_the_target_ends_the_phase_and_follows_chain_zero_s_clock():
    g = SMALL[4]
    best = brute_force_maxcut(g)
    with HeadStart(g, workers=2, max_stall=None) as head:  # no budget: it runs until the phase ends
        time.sleep(0.2)  # the front of a run; with no budget the phase then runs to the target
        res = improve_cut(g, np.zeros(g.n, dtype=bool), target=best, workers=2, max_stall=None, head_start=head)
    assert res.stop == "target" and res.cut == pytest.approx(best)
    big = _toroidal_grid(30, 30, 3)
    with HeadStart(big, workers=2, max_stall=None) as head:
        res = improve_cut(big, np.zeros(big.n, dtype=bool), workers=2, time_limit=0.3, max_stall=None, head_start=head)
    assert [c["stop"] for c in res.params["chains"]] == ["time", "halted"] and res.stop == "time"


def test_the_pipeline_with_workers_is_never_below_one_worker(no_time_cap):
    g = random_graph(70, 0.15, 4, weights="signed")
    one = solve_maxcut(g, device="cpu", seed=0).certificate()
    two = solve_maxcut(g, device="cpu", seed=0, workers=2).certificate()
    chains = two["improve"]["params"]["chains"]
    assert chains[0]["cut"] == one["improved_cut"] and chains[0]["start"] == "given"
    assert chains[1]["start"] == "random" and chains[1]["started_seconds"] < 0  # started with the run
    assert two["cut_value"] >= one["cut_value"] and two["cut_value"] == two["improved_cut"]
    again = solve_maxcut(g, device="cpu", seed=0, workers=2).certificate()["improve"]["params"]["chains"]
    assert [(c["cut"], c["moves"]) for c in again] == [(c["cut"], c["moves"]) for c in chains]  # round budgets

    def fail_in_the_front(phase, *_):
        if phase == "derandomize":
            raise RuntimeError("a failure while chain 1 runs")

    with pytest.raises(RuntimeError, match="while chain 1 runs"):
        solve_maxcut(g, device="cpu", workers=2, improve_time=30, progress=fail_in_the_front)
    assert not [t for t in threading.enumerate() if t.name.startswith("derand-improve")]  # the head start halted
    with pytest.raises(OptionError, match="The 'workers' parameter must be a positive integer. Got 0"):
        solve_maxcut(g, device="cpu", workers=0)
    res = CliRunner().invoke(app, ["maxcut", str(DATA / "karate.edgelist"), "-q", "--workers", "0"])
    assert res.exit_code == 1 and "The 'workers' parameter must be a positive integer" in res.output


def test_bad_options_are_named():
    g = SMALL[0]
    with pytest.raises(OptionError, match="The 'max_rounds' parameter must be an integer >= 0. Got -1"):
        improve_cut(g, np.zeros(g.n, dtype=bool), max_rounds=-1)
    with pytest.raises(OptionError, match="The 'method' parameter must be one of 'hybrid', 'anneal', 'tabu'"):
        improve_cut(g, np.zeros(g.n, dtype=bool), method="genetic")
    with pytest.raises(OptionError, match="The 'workers' parameter must be an integer >= 1. Got 0"):
        improve_cut(g, np.zeros(g.n, dtype=bool), workers=0)
    with pytest.raises(OptionError, match="The 'selection' parameter must be one of"):
        improve_cut(g, np.zeros(g.n, dtype=bool), selection="heap")
    with pytest.raises(OptionError, match="The 'improve_time' parameter must be a positive number"):
        solve_maxcut(g, device="cpu", improve_time=0)


def test_without_numba_the_same_module_runs_as_plain_python(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # "import numba" now raises ImportError
    jit_spec = importlib.util.spec_from_file_location("solver.core.jit", jit.__file__)
    fresh_jit = importlib.util.module_from_spec(jit_spec)
    jit_spec.loader.exec_module(fresh_jit)
    monkeypatch.setitem(sys.modules, "solver.core.jit", fresh_jit)  # what "from ..core.jit import" finds
    spec = importlib.util.spec_from_file_location("solver.maxcut._improve_without_numba", improve.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    assert not module.HAVE_NUMBA
    g = SMALL[2]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = module.improve_cut(g, np.zeros(g.n, dtype=bool), max_rounds=2, sweeps=300)
    assert res.engine == "python" and res.cut == pytest.approx(brute_force_maxcut(g))
    assert any(issubclass(w.category, DerandWarning) and "numba" in str(w.message) for w in caught)


def test_the_pipeline_never_lowers_the_polished_cut_and_records_the_search(no_time_cap):
    g = random_graph(70, 0.15, 4, weights="signed")
    res = solve_maxcut(g, device="cpu", seed=0)
    c = res.certificate()
    assert c["improved_cut"] >= c["polished_cut"] >= c["derandomized_cut"]
    assert c["cut_value"] == c["improved_cut"] == g.cut_value(res.sides)
    assert c["cut_value"] <= c["upper_bound"]
    assert c["improve"]["stop"] in ("rounds", "stall", "target") and c["iterations"]["improve_moves"] >= 0
    assert 0 <= c["best_found_seconds"] <= c["seconds"]["total"]
    off = solve_maxcut(g, device="cpu", seed=0, improve=False).certificate()
    assert off["improved_cut"] is None and off["improve"] is None and off["cut_value"] == off["polished_cut"]


def test_the_annealing_baseline_returns_a_recomputed_cut():
    pytest.importorskip("neal")  # the 'anneal' extra
    from solver.baselines.anneal import anneal_cut

    g = SMALL[5]
    res = anneal_cut(g, reads=3, sweeps=200, seed=1)
    assert res.cut == g.cut_value(res.sides) and res.mean_cut <= res.cut <= brute_force_maxcut(g) + 1e-9
    assert anneal_cut(g, reads=3, sweeps=200, seed=1).cut == res.cut
    with pytest.raises(OptionError, match="The 'reads' parameter must be a positive integer. Got 0"):
        anneal_cut(g, reads=0)


def test_cli_improvement_options(tmp_path, clock):
    cert = tmp_path / "cert.json"
    run = CliRunner().invoke
    tick = clock(1e-3).tick
    res = run(app, ["maxcut", str(DATA / "gnp120_pm1.rudy"), "-c", str(cert), "-q", "--device", "cpu",
                    "--improve-time", "0.3", "--workers", "1"])  # one search on the fake clock
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    assert c["status"] == "complete" and c["improve"]["stop"] in ("time", "target")
    assert c["improve"]["seconds"] <= 0.3 + 3 * tick + 1e-9 and c["improve"]["moves"] > 0
    assert c["cut_value"] == c["improved_cut"] >= c["polished_cut"] >= c["derandomized_cut"]
    res = run(app, ["maxcut", str(DATA / "gnp120_pm1.rudy"), "-c", str(cert), "-q", "--device", "cpu", "--no-improve"])
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    assert c["improved_cut"] is None and c["cut_value"] == c["polished_cut"]
    res = run(app, ["maxcut", str(DATA / "karate.edgelist"), "-q", "--improve-time", "-1"])
    assert res.exit_code != 0 and "The 'improve_time' parameter must be a positive number" in res.output
