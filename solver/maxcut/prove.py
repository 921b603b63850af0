"""Optimality proofs for MAX-CUT: branch and bound on the triangle-tightened SDP bound.

A node fixes pairs of vertices to the same or to opposite sides. Fixing
x_q = s x_p *contracts* the graph: q disappears, its edges move to p with
their weights multiplied by s, and what they contribute for certain goes into
a constant::

    w_qj (1 - s x_p x_j) / 2  =  (1 - s) w_qj / 2  +  s w_qj (1 - x_p x_j) / 2.

So every node is again a MAX-CUT instance (signed weights, fewer vertices)
plus a constant, bounded by the same machinery
(:func:`~solver.maxcut.tighten.tightened_upper_bound`), warm-started from
its parent's factor and multipliers. Every node also rounds its own SDP
vectors (random hyperplanes and, on larger nodes, the derandomized rounding)
and polishes the cut on the whole graph: a better incumbent prunes more.

Best-bound search: the open node with the largest parent bound is expanded
first, so the largest bound over open nodes is the global bound at every
moment. With integer weights a node is closed once floor(bound) <= the
incumbent; otherwise once bound <= incumbent + ``tolerance`` |incumbent|.

References
----------
.. [1] F. Rendl, G. Rinaldi, A. Wiegele, "Solving Max-Cut to optimality by
   intersecting semidefinite and polyhedral relaxations", Math. Program. 121
   (2010).
.. [2] N. Krislock, J. Malick, F. Roupin, "BiqCrunch: a semidefinite
   branch-and-bound method for solving binary quadratic problems", ACM TOMS
   43 (2017).
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..core.device import thread_budget
from ..errors import OptionError
from ..graph import Graph
from .derandomize import derandomize
from .local_search import one_flip_local_search
from .tighten import TIGHTEN_LIMIT, CliqueCuts, TightenedBound, dense_weights, dense_work, tightened_upper_bound

__all__ = ["Node", "ProofResult", "contract", "prove_maxcut"]

#: Separation rounds a child node runs before it branches (it also stops when
#: a round closes under STALL of its distance to the prune target).
NODE_ROUNDS = 6
STALL = 0.05
#: The root stops once this many rounds together closed under STALL of its distance to the target: its
#: bound oscillates from round to round as cuts enter and leave the working set.
ROOT_PATIENCE = 3
#: L-BFGS iterations per multiplier step in a child (it starts from its parent's factor and multipliers).
NODE_INNER_ITERS = 150
#: Seconds at most per node's tightening.
NODE_SECONDS = 10.0
#: Random hyperplanes each node rounds its vectors with, beside the derandomized rounding.
HYPERPLANES = 16
#: PGD budget of a node's derandomization (it decides every vertex in about 200 steps at n = 100).
DERANDOMIZE_ITERS = 1000


@dataclass(frozen=True)
class Node:
    """A subproblem: the contracted weight matrix, its constant, and where each original vertex went.

    Original vertex v sits on node vertex ``rep[v]`` with sign ``sign[v]``:
    x_v = sign[v] * x_rep[v]. Every cut of the node, plus ``constant``, is
    the value of that cut expanded to the original graph.
    """

    W: np.ndarray
    constant: float
    rep: np.ndarray
    sign: np.ndarray
    depth: int = 0

    @classmethod
    def root(cls, graph: Graph) -> "Node":
        return cls(dense_weights(graph), 0.0, np.arange(graph.n), np.ones(graph.n), 0)

    @property
    def n(self) -> int:
        return self.W.shape[0]

    def expand(self, x: np.ndarray) -> np.ndarray:
        """Original sides (bool) from node spins x in {-1, 1}^n."""
        return (self.sign * x[self.rep]) > 0

    def value(self, x: np.ndarray) -> float:
        """constant + cut of the node at spins x."""
        return self.constant + 0.25 * float(np.sum(self.W * (1.0 - np.outer(x, x))))


def contract(node: Node, p: int, q: int, s: int) -> Node:
    """The node with x_q = s x_p fixed: q merged into p (``p != q``, s in {1, -1})."""
    if p == q or s not in (1, -1):
        raise ValueError("contract needs two distinct vertices and a sign of 1 or -1")
    W = node.W.copy()
    constant = node.constant + (1 - s) / 2 * float(math.fsum(W[q].tolist()))
    W[p, :] += s * W[q, :]
    W[:, p] += s * W[:, q]
    W[p, p] = 0.0
    W = np.delete(np.delete(W, q, axis=0), q, axis=1)
    rep = node.rep.copy()
    sign = node.sign.copy()
    moved = rep == q
    rep[moved] = p
    sign[moved] *= s
    rep = rep - (rep > q)
    return Node(W, constant, rep, sign, node.depth + 1)


@dataclass(frozen=True)
class ProofResult:
    """The outcome of branch and bound.

    ``status``: ``optimal`` (proved), ``time_limit`` or ``node_limit`` (the
    best cut, with the global bound over the open nodes).
    """

    sides: np.ndarray
    cut_value: float
    proved_optimal: bool
    global_upper_bound: float
    root_bound: float
    root_tightened: TightenedBound | None
    nodes: int
    open_nodes: int
    max_depth: int
    integer_weights: bool
    tolerance: float
    seconds: dict[str, float]
    status: str
    incumbent_updates: int = 0
    start_cut: float = float("nan")
    branching: str = "fractional"
    notes: tuple[str, ...] = field(default=())

    @property
    def gap(self) -> float:
        return self.global_upper_bound - self.cut_value

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "proved_optimal": self.proved_optimal,
            "cut_value": self.cut_value,
            "start_cut": self.start_cut,
            "global_upper_bound": self.global_upper_bound,
            "gap": self.gap,
            "relative_gap": self.gap / abs(self.cut_value) if self.cut_value else float("nan"),
            "root_bound": self.root_bound,
            "root_tightened_bound": None if self.root_tightened is None else self.root_tightened.upper_bound,
            "root_tighten": None if self.root_tightened is None else self.root_tightened.to_dict(self.start_cut),
            "nodes": self.nodes,
            "open_nodes": self.open_nodes,
            "max_depth": self.max_depth,
            "incumbent_updates": self.incumbent_updates,
            "integer_weights": self.integer_weights,
            "prune_rule": "floor(bound) <= cut" if self.integer_weights else
                          f"bound <= cut + {self.tolerance:g} |cut|",
            "branching": self.branching,
            "seconds": dict(self.seconds),
            "notes": list(self.notes),
        }


def _integral(w: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(w)) and np.array_equal(w, np.round(w)))


def _node_graph(node: Node) -> Graph:
    i, j = np.nonzero(np.triu(node.W, 1))
    return Graph.from_edges(node.n, i, j, node.W[i, j], name="node")


def _round_node(graph: Graph, node: Node, V: np.ndarray, rng: np.random.Generator,
                seed: int) -> tuple[np.ndarray, float]:
    """Round the node's vectors: the derandomized rounding (the paper's method) and a few random hyperplanes;
    the better, polished by 1-flip local search on the whole graph."""
    G = rng.standard_normal((V.shape[1], HYPERPLANES))
    X = np.where(V @ G >= 0, 1.0, -1.0)  # (n, H)
    vals = node.constant + 0.25 * (np.sum(node.W) - np.einsum("ih,ij,jh->h", X, node.W, X))
    x, value = X[:, int(np.argmax(vals))], float(np.max(vals))
    if np.any(node.W):
        d = derandomize(_node_graph(node), V, max_iters=DERANDOMIZE_ITERS, seed=seed, device="cpu")
        xd = np.where(d.sides, 1.0, -1.0)
        if node.value(xd) >= value:
            x = xd
    polished = one_flip_local_search(graph, node.expand(x))
    return polished.sides, polished.cut


def _branch_pair(V: np.ndarray, rule: str) -> tuple[int, int]:
    """The pair to fix: vertex 0 and the vertex whose Gram entry with it is closest to 0 (``fractional``, the
    hardest decision first) or farthest (``decided``, one child is likely to close at once)."""
    g = V[1:] @ V[0]
    q = int(np.argmin(np.abs(g)) if rule == "fractional" else np.argmax(np.abs(g))) + 1
    return 0, q


def prove_maxcut(
    graph: Graph,
    sides: np.ndarray,
    V: np.ndarray,
    *,
    root_bound: float,
    time_limit: float | None = None,
    node_limit: int | None = None,
    root_time: float | None = None,
    tolerance: float = 1e-9,
    branching: str = "fractional",
    seed: int = 0,
    progress: Callable[[str, float, float], None] | None = None,
) -> ProofResult:
    """Prove a cut optimal, or improve it and bound the gap, by branch and bound.

    Pseudocode::

        incumbent = sides;  open = [(root, bound)]
        while open and time and nodes remain:
            node = open.pop(largest bound)
            if prunable(node.parent_bound): continue
            bound = node.constant + tightened bound of node (warm start from the parent)
            round node's vectors -> maybe a better incumbent
            if not prunable(bound): fix x_q = +x_p and x_q = -x_p, push both children
        global bound = max(incumbent, largest bound of an open node)

    Parameters
    ----------
    graph : Graph
        At most :data:`~solver.maxcut.tighten.TIGHTEN_LIMIT` vertices.
    sides : array of bool (n,)
        The starting incumbent (derand's cut).
    V : array (n, p)
        The SDP factor the root starts from.
    root_bound : float
        The basic SDP bound (for the record).
    time_limit : float, optional
        Seconds for the whole search; the result is valid whenever it stops.
    node_limit : int, optional
    root_time : float, optional
        Seconds for the root's tightening (default: a third of the time limit, at most 60 s; 60 s without one).
    tolerance : float
        Relative optimality tolerance for non-integer weights.
    branching : {"fractional", "decided"}
    seed : int
    progress : callable, optional
        ``progress("tighten", seconds, root_time)`` during the root,
        ``progress("prove", closed nodes, nodes)`` and
        ``progress("gap closed", root gap - gap, root gap)`` after every branching.

    Returns
    -------
    ProofResult
    """
    start = time.monotonic()
    n = graph.n
    if n > TIGHTEN_LIMIT:
        raise OptionError(f"--prove works on dense matrices and takes at most {TIGHTEN_LIMIT} vertices; "
                          f"this graph has {n}")
    if branching not in ("fractional", "decided"):
        raise OptionError(f"The 'branching' parameter must be fractional or decided. Got {branching!r} instead.")
    deadline = None if time_limit is None else start + time_limit
    integer = _integral(graph.weights)
    rng = np.random.default_rng(seed)
    best_sides = np.asarray(sides, dtype=bool).copy()
    best = graph.cut_value(best_sides)
    start_cut = best

    def left() -> float:
        return math.inf if deadline is None else deadline - time.monotonic()

    if root_time is None:
        root_time = 60.0 if time_limit is None else min(60.0, time_limit / 3)
    notes: list[str] = []
    seconds: dict[str, float] = {}
    state = _Search(graph, best_sides, best, integer, tolerance)
    state.current = root_bound  # the bound of the node being worked on, until its children are in the heap
    status = "optimal"
    rt = None
    t_root = time.monotonic()
    t_branch = None
    with thread_budget(dense_work(n)):
        try:
            root = Node.root(graph)
            rt = tightened_upper_bound(root.W, V, time_limit=max(1e-3, min(root_time, left())),
                                       start_bound=root_bound, target=state.target(), seed=seed,
                                       stall=STALL, patience=ROOT_PATIENCE, progress=progress)
            state.current = min(root_bound, rt.upper_bound)
            state.offer(*_round_node(graph, root, rt.V, rng, seed))
            root_gap = max(state.current - state.best, 0.0)
            state.evaluated(root, state.current, rt.V, rt.cuts)
            t_branch = time.monotonic()
            while state.heap:
                if left() <= 0:
                    status = "time_limit"
                    break
                if node_limit is not None and state.nodes >= node_limit:
                    status = "node_limit"
                    break
                bound, node, Vn, cuts = state.pop()
                if state.closes(bound):
                    state.close(bound)
                    state.current = None
                    continue
                p, q = _branch_pair(Vn, branching)
                for sgn in (1, -1):  # x_q = +x_p and x_q = -x_p
                    child = contract(node, p, q, sgn)
                    state.nodes += 1
                    state.max_depth = max(state.max_depth, child.depth)
                    if child.n <= 2:  # tiny: solve by enumeration
                        xs = np.array([[1.0, 1.0], [1.0, -1.0]])[:, :child.n]
                        xb = max(xs, key=child.value)
                        state.offer(child.expand(xb), graph.cut_value(child.expand(xb)))
                        state.close(child.value(xb))
                        continue
                    tb = tightened_upper_bound(child.W, np.delete(Vn, q, axis=0),
                                               time_limit=max(1e-3, min(NODE_SECONDS, left())),
                                               target=state.target() - child.constant, cuts=cuts.contracted(q, p, sgn),
                                               max_rounds=NODE_ROUNDS, stall=STALL, inner_iters=NODE_INNER_ITERS,
                                               seed=seed + state.nodes)
                    state.offer(*_round_node(graph, child, tb.V, rng, seed + state.nodes))
                    # the child's cuts are a subset of the parent's: its bound is at most the parent's
                    state.evaluated(child, min(bound, child.constant + tb.upper_bound), tb.V, tb.cuts)
                state.current = None
                if progress is not None:
                    progress("prove", state.nodes - len(state.heap), state.nodes)
                    progress("gap closed", max(root_gap - (state.global_bound() - state.best), 0.0), root_gap)
        except KeyboardInterrupt:
            status = "interrupted"
            notes.append("prove: interrupted; the answer is the best cut found, the bound covers every open node")
    end = time.monotonic()
    seconds["root"] = (t_branch or end) - t_root
    seconds["branch"] = 0.0 if t_branch is None else end - t_branch
    proved = status == "optimal"
    glob = state.best if proved and integer else state.global_bound()
    seconds["total"] = end - start
    return ProofResult(state.best_sides, float(state.best), proved, float(glob), float(root_bound), rt, state.nodes,
                       0 if proved else len(state.heap) + (state.current is not None), state.max_depth, integer,
                       tolerance, seconds, status, state.updates, float(start_cut), branching, tuple(notes))


class _Search:
    """The incumbent, the open nodes (a max-heap on their bounds) and the largest bound of a closed node."""

    def __init__(self, graph: Graph, sides: np.ndarray, cut: float, integer: bool, tolerance: float):
        self.graph, self.integer, self.tolerance = graph, integer, tolerance
        self.best_sides, self.best = sides, cut
        self.heap: list[tuple[float, int, Node, np.ndarray, CliqueCuts]] = []
        self.closed_bound = -math.inf
        self.nodes, self.max_depth, self.updates, self._count = 1, 0, 0, 0
        self.current: float | None = None

    def target(self) -> float:
        """Node bounds below this close the node: floor(bound) <= cut for integer weights."""
        if self.integer:
            return self.best + 1.0 - 1e-6
        return self.best + self.tolerance * max(abs(self.best), 1.0)

    def closes(self, bound: float) -> bool:
        return bound < self.target()

    def close(self, bound: float) -> None:
        self.closed_bound = max(self.closed_bound, bound)

    def offer(self, sides: np.ndarray, cut: float) -> None:
        if cut > self.best:
            self.best_sides, self.best, self.updates = sides, cut, self.updates + 1

    def evaluated(self, node: Node, bound: float, V: np.ndarray, cuts: CliqueCuts) -> None:
        if self.closes(bound):
            self.close(bound)
            return
        self._count += 1
        heapq.heappush(self.heap, (-bound, self._count, node, V, cuts))

    def pop(self) -> tuple[float, Node, np.ndarray, CliqueCuts]:
        neg, _, node, V, cuts = heapq.heappop(self.heap)
        self.current = -neg
        return -neg, node, V, cuts

    def global_bound(self) -> float:
        """The best cut, or the largest bound of an open node, the node in hand, or a node closed by tolerance."""
        open_bound = max([-h[0] for h in self.heap] + [self.current if self.current is not None else -math.inf])
        closed = self.closed_bound
        if self.integer:
            open_bound, closed = (math.floor(b + 1e-6) if math.isfinite(b) else b for b in (open_bound, closed))
        return max(self.best, open_bound, closed)
