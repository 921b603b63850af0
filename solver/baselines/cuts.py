"""Combinatorial MAX-CUT baselines: the best of N random cuts, and one-exchange local search."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import check_option
from ..graph import Graph
from .gw import HyperplaneResult, best_of_sampled_cuts

__all__ = ["OneExchangeResult", "one_exchange", "random_cuts"]


def random_cuts(graph: Graph, *, trials: int = 1000, seed: int = 0, batch: int = 256,
                deadline: float | None = None) -> HyperplaneResult:
    """The best of ``trials`` uniformly random cuts (each vertex on a side by a fair coin).

    The expected cut is half the total weight; this is the trivial 1/2-approximation
    for non-negative weights. Vectorized: a batch of cuts is one sparse product.

    Parameters
    ----------
    graph : Graph
    trials : int
        Number of cuts drawn (fewer if ``deadline`` passes first; the result says how many).
    seed : int
    batch : int
        Cuts evaluated per sparse product.
    deadline : float, optional
        :func:`time.monotonic` time after which no new batch is started (at least one batch runs).

    Returns
    -------
    HyperplaneResult
        ``best_cut``, ``mean_cut``, the sides of the best cut and every cut value.
    """
    check_option(isinstance(trials, int) and trials >= 1, "trials", "a positive integer", trials)
    rng = np.random.default_rng(seed)
    return best_of_sampled_cuts(graph, lambda b: rng.integers(0, 2, size=(graph.n, b)) * 2.0 - 1.0,
                                trials=trials, batch=batch, deadline=deadline)


@dataclass(frozen=True)
class OneExchangeResult:
    """A cut that no single-vertex move improves, and how it was reached."""

    sides: np.ndarray
    cut: float
    flips: int
    status: str
    seconds: float

    def to_dict(self) -> dict:
        return {"cut": self.cut, "flips": self.flips, "status": self.status, "seconds": self.seconds}


def one_exchange(graph: Graph, *, seed: int = 0, deadline: float | None = None) -> OneExchangeResult:
    """networkx's ``one_exchange`` MAX-CUT heuristic, with gains kept up to date.

    The algorithm of :func:`networkx.algorithms.approximation.maxcut.one_exchange`:
    start from the empty cut (every vertex on one side); repeatedly move the
    vertex whose move raises the cut the most (ties broken at random), until
    no move raises it. networkx recomputes the whole cut for every candidate
    move, O(n m) per move; here the gain of every vertex,
    g_v = s_v sum_u w_uv s_u, is kept up to date, O(n + deg v) per move, so
    the same local search runs on Gset-sized graphs.

    Pseudocode::

        s = (+1, ..., +1); g = s * (A s)
        while max(g) > 0:
            v = a uniformly random argmax of g
            s_v = -s_v; update g on v and its neighbours

    Parameters
    ----------
    graph : Graph
    seed : int
        Seeds the tie-breaks.
    deadline : float, optional
        :func:`time.monotonic` time at which the search stops (``status="time_limit"``).

    Returns
    -------
    OneExchangeResult
        ``sides`` (bool per vertex), ``cut`` (recomputed), ``flips``, ``status``
        (``local_optimum`` or ``time_limit``).
    """
    start = time.monotonic()
    rng = np.random.default_rng(seed)
    A = graph.adjacency
    indptr, indices, data = A.indptr, A.indices, A.data
    s = np.ones(graph.n)
    h = A @ s  # h = A s
    gain = s * h
    flips, status = 0, "local_optimum"
    tol = 1e-12 * max(1.0, float(np.abs(graph.weights).sum()))
    while True:
        top = gain.max() if graph.n else 0.0
        if top <= tol:
            break
        if deadline is not None and flips % 64 == 0 and time.monotonic() > deadline:
            status = "time_limit"
            break
        ties = np.flatnonzero(gain >= top - tol)
        v = int(ties[rng.integers(len(ties))]) if len(ties) > 1 else int(ties[0])
        nbrs, w = indices[indptr[v]:indptr[v + 1]], data[indptr[v]:indptr[v + 1]]
        h[nbrs] -= 2.0 * s[v] * w
        s[v] = -s[v]
        gain[nbrs] = s[nbrs] * h[nbrs]
        gain[v] = -gain[v]
        flips += 1
    sides = s > 0
    return OneExchangeResult(sides, graph.cut_value(sides), flips, status, time.monotonic() - start)
