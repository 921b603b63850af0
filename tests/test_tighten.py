"""The triangle-tightened bound and branch and bound: valid bounds, exact contractions, proofs equal to brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solver.graph import Graph
from solver.maxcut import burer_monteiro, dual_upper_bound
from solver.maxcut.bound import verified_psd_shift
from solver.maxcut.prove import Node, contract, prove_maxcut
from solver.maxcut.tighten import (
    CliqueCuts,
    dense_weights,
    separate_cliques,
    separate_triangles,
    tightened_upper_bound,
    clique_bound,
)

from .conftest import brute_force_maxcut, random_graph

SIGNS = [(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)]


def _cycle(n: int) -> Graph:
    i = np.arange(n)
    return Graph.from_edges(n, i, (i + 1) % n, np.ones(n), name=f"C{n}")


def _gram(n: int, p: int, seed: int) -> np.ndarray:
    V = np.random.default_rng(seed).standard_normal((n, p))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    return V


def _solved(g: Graph) -> tuple[float, np.ndarray, float]:
    """Brute-force optimum, the SDP factor and the basic bound."""
    V = burer_monteiro(g, device="cpu", seed=0).V
    return brute_force_maxcut(g), V, dual_upper_bound(g, V).upper_bound


def _all_cuts(n: int) -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def test_separation_matches_enumeration():
    X = (lambda V: V @ V.T)(_gram(14, 3, 0))
    found, viol = separate_triangles(X, 10_000, tol=1e-6)
    expected = {}
    for i, j, k in itertools.combinations(range(14), 3):
        for t, (a, b, c) in enumerate(SIGNS):
            v = -(1 + a * X[i, j] + b * X[i, k] + c * X[j, k])
            if v > 1e-6:
                expected[(i, j, k, t)] = v
    patterns = {(1, 1, 1): 0, (1, 1, -1): 1, (1, -1, 1): 2, (1, -1, -1): 3}
    assert np.all(found.sizes == 3)
    got = {(*map(int, v[:3]), patterns[tuple(int(s) for s in sg[:3])]): x
           for v, sg, x in zip(found.verts, found.signs, viol.tolist())}
    assert expected and got.keys() == expected.keys()
    assert all(got[key] == pytest.approx(expected[key], abs=1e-12) for key in got)
    top, top_viol = separate_triangles(X, 5, tol=1e-6)
    assert np.allclose(top_viol, sorted(expected.values(), reverse=True)[:5])
    assert np.all(np.diff(viol) <= 0)


@pytest.mark.parametrize("seed", range(3))
def test_verified_shift_makes_any_symmetric_matrix_psd(seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((40, 40))
    S = A + A.T
    shift, margin, estimate = verified_psd_shift(S)
    assert np.linalg.eigvalsh(S + shift * np.eye(40))[0] >= 0
    assert shift == pytest.approx(-np.linalg.eigvalsh(S)[0], rel=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_clique_bound_is_valid_for_any_multipliers(seed):
    """UB(gamma) >= max cut for every gamma >= 0 and every factor V, not only optimal ones."""
    g = random_graph(11, 0.6, seed, weights="signed")
    opt = brute_force_maxcut(g)
    rng = np.random.default_rng(seed)
    X = (lambda V: V @ V.T)(_gram(11, 2, seed))
    cuts, _ = separate_triangles(X, 60, tol=1e-9)  # a rank-2 Gram violates many triangles
    cuts = cuts.joined(separate_cliques(_gram(11, 2, seed + 1), 5, 30)[0]).joined(
        separate_cliques(_gram(11, 2, seed + 2), 7, 30)[0])
    assert set(cuts.sizes.tolist()) == {3, 5, 7}
    cuts = CliqueCuts(cuts.verts, cuts.signs, rng.exponential(0.5, len(cuts)))
    for V in (_gram(11, 3, seed + 10), _gram(11, 11, seed + 20)):
        ub, shift, margin, _ = clique_bound(dense_weights(g), V, cuts)
        assert ub >= opt - 1e-9
        assert shift >= 0 and margin >= 0
    with pytest.raises(ValueError):
        clique_bound(dense_weights(g), _gram(11, 3, 0), CliqueCuts(cuts.verts, cuts.signs, -cuts.gamma))


@pytest.mark.parametrize("seed,weights", [(0, "signed"), (1, "signed"), (2, "unit"), (3, "positive")])
def test_tightened_bound_between_optimum_and_basic_bound(seed, weights):
    g = random_graph(13, 0.7, seed, weights=weights)
    opt, V, basic = _solved(g)
    tb = tightened_upper_bound(g, V, time_limit=20.0, start_bound=basic)
    assert opt - 1e-9 <= tb.upper_bound <= basic + 1e-9
    assert tb.start_bound == basic
    assert np.allclose(np.linalg.norm(tb.V, axis=1), 1.0)
    # the certificate's bound recomputed from its own multipliers and factor
    assert clique_bound(dense_weights(g), tb.V, tb.cuts)[0] == pytest.approx(tb.upper_bound, rel=1e-12)


@pytest.mark.parametrize("n", [3, 5, 7])
def test_triangles_close_the_odd_cycle_gap(n):
    """The SDP bound of an odd cycle is n cos^2(pi / 2n) > n - 1; the metric polytope's is n - 1, the max cut."""
    g = _cycle(n)
    V = burer_monteiro(g, device="cpu", seed=0).V
    basic = dual_upper_bound(g, V).upper_bound
    assert basic > n - 1 + 0.2
    tb = tightened_upper_bound(g, V, time_limit=20.0, start_bound=basic)
    assert n - 1 - 1e-9 <= tb.upper_bound <= n - 1 + 0.02
    assert tb.to_dict(n - 1)["gap_closed"] > 0.95


def test_target_stops_the_tightening_early():
    g = _cycle(9)
    V = burer_monteiro(g, device="cpu", seed=0).V
    tb = tightened_upper_bound(g, V, time_limit=20.0, target=8.7)
    assert tb.stop == "target" and 8.0 <= tb.upper_bound < 8.7


@pytest.mark.parametrize("seed", range(3))
def test_contraction_keeps_every_cut_value(seed):
    g = random_graph(7, 0.7, seed, weights="signed")
    node = Node.root(g)
    rng = np.random.default_rng(seed)
    for _ in range(3):  # a chain of fixings, each checked on every cut of the child
        p, q = rng.choice(node.n, 2, replace=False)
        child = contract(node, int(p), int(q), int(rng.choice([-1, 1])))
        assert child.n == node.n - 1
        for x in _all_cuts(child.n):
            sides = child.expand(x)
            assert child.value(x) == pytest.approx(g.cut_value(sides), abs=1e-9)
        node = child
    with pytest.raises(ValueError):
        contract(node, 0, 0, 1)


def test_contracted_cuts_follow_the_renumbering():
    cuts = CliqueCuts.triangles([0, 1, 2], [2, 3, 4], [4, 5, 5], [0, 1, 2], [0.5, 1.0, 2.0])
    c = cuts.contracted(drop=2, into=0)
    assert len(c) == 1 and tuple(c.verts[0, :3]) == (1, 2, 4) and tuple(c.signs[0, :3]) == (1, 1, -1)
    assert c.gamma[0] == 1.0


@pytest.mark.parametrize("seed", range(3))
def test_contracted_cuts_keep_their_value_on_the_child(seed):
    """A cut moved onto the merged vertex says on the child what it said on the parent's face x_q = s x_p."""
    rng = np.random.default_rng(seed)
    n = 9
    members = np.array([rng.choice(n, 5, replace=False) for _ in range(40)])
    cuts = CliqueCuts.from_sets(members, rng.choice([-1.0, 1.0], size=members.shape))
    cuts = CliqueCuts(cuts.verts, cuts.signs, rng.exponential(1.0, len(cuts)))
    p, q, s = 1, 6, -1
    child = cuts.contracted(drop=q, into=p, sign=s)
    Vc = _gram(n - 1, 4, seed)
    V = np.insert(Vc, q, s * Vc[p], axis=0)  # the parent's factor on the face x_q = s x_p
    both = ~(np.any(cuts.verts == q, axis=1) & np.any(cuts.verts == p, axis=1))
    assert len(child) == int(np.sum(both))
    assert sorted(child.violation(Vc).round(12)) == sorted(cuts.take(both).violation(V).round(12))
    assert np.all(np.isin(child.sizes, [5]))


@pytest.mark.parametrize("seed,weights", [(0, "unit"), (1, "signed"), (2, "signed"), (3, "positive")])
def test_proof_equals_brute_force(seed, weights):
    """From the worst incumbent (every vertex on one side) the search must find and prove the optimum."""
    g = random_graph(14, 0.6, seed, weights=weights)
    opt, V, basic = _solved(g)
    pr = prove_maxcut(g, np.zeros(g.n, dtype=bool), V, root_bound=basic, time_limit=120.0, seed=seed)
    assert pr.status == "optimal" and pr.proved_optimal
    assert pr.cut_value == pytest.approx(opt, abs=1e-9)
    assert g.cut_value(pr.sides) == pytest.approx(pr.cut_value, abs=1e-12)
    assert pr.global_upper_bound >= opt - 1e-9
    assert pr.global_upper_bound <= opt + 1e-6 * max(1.0, abs(opt))
    d = pr.to_dict()
    assert d["open_nodes"] == 0 and d["nodes"] >= 1 and d["integer_weights"] == (weights == "unit")


def test_stopped_search_still_bounds_the_optimum():
    g = random_graph(16, 0.5, 7, weights="signed")
    opt, V, basic = _solved(g)
    pr = prove_maxcut(g, np.zeros(g.n, dtype=bool), V, root_bound=basic, node_limit=2, root_time=0.05)
    assert pr.global_upper_bound >= opt - 1e-9
    assert pr.cut_value <= opt + 1e-9
    if not pr.proved_optimal:
        assert pr.status == "node_limit" and pr.open_nodes > 0


@pytest.mark.parametrize("size", [5, 7])
def test_clique_separation_reports_true_violations(size):
    """Every greedy cut is an odd set with signs, violated by exactly the amount reported, and found once."""
    V = _gram(12, 2, size)  # rank 2: far from any cut, many violated cliques
    X = V @ V.T
    found, viol = separate_cliques(V, size, 1000, tol=1e-9)
    assert len(found) > 0 and np.all(found.sizes == size) and np.all(np.diff(viol) <= 0)
    assert len(set(found.keys())) == len(found)
    for verts, signs, v in zip(found.verts, found.signs, viol):
        members, s = verts[:size], signs[:size]
        assert len(set(members.tolist())) == size and s[0] == 1 and np.all(np.diff(members) > 0)
        lhs = (size - 1) / 2 + sum(s[a] * s[b] * X[members[a], members[b]]
                                   for a, b in itertools.combinations(range(size), 2))
        assert -lhs == pytest.approx(v, abs=1e-12) and v > 0
    assert np.allclose(found.violation(V), viol)
    # an exact cut x x^T violates none of them
    x = np.where(np.random.default_rng(0).random(12) < 0.5, 1.0, -1.0)
    assert np.all(found.violation(x[:, None]) <= 0)

