"""The improvement phase: annealing restarts and breakout local search from the derandomized cut.

After the derandomized (and 1-flip polished) cut, :func:`improve_cut` looks
for a better one and never returns a worse one: the best cut seen is kept,
and the start is the first one seen. Two searches, alone or in turns:

- **annealing restarts from the best cut** (``anneal``): Metropolis sweeps
  at a temperature hot enough to leave the start's neighbourhood, cooled
  geometrically to near zero, each run starting from the best cut so far,
  the starting temperature cycling through a short ladder;
- **breakout local search** (``tabu``, Benlic & Hao 2013): steepest ascent
  to a 1-flip local optimum, then tabu-directed, recency-based or random
  perturbations of adaptive strength;
- ``hybrid`` (the default): a BLS episode from the start itself, then
  annealing runs, each followed by a BLS episode from where it ended.

The per-move loops are sequential by nature, so the kernels below are
scalar loops over CSR arrays, compiled with numba when it is importable
(``@njit(cache=True)``: compiled once per machine, then loaded from numba's
cache). Without numba the very same functions run as plain Python:
identical moves and answers, about a hundred times slower.
"""

from __future__ import annotations

import math
import threading
import time
import types
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from ..core.jit import HAVE_NUMBA
from ..core.jit import jit as _jit
from ..core.progress import PhaseProgress
from ..errors import DerandWarning, check_integer, check_option
from ..graph import Graph
from .memory import check_chains

__all__ = ["DEFAULT_ROUNDS", "DEFAULT_STALL", "HAVE_NUMBA", "METHODS", "HeadStart", "ImprovementResult",
           "chain_seed", "default_sweeps", "default_time_cap", "head_start_for", "improve_budget", "improve_cut"]


#: The searches :func:`improve_cut` runs.
METHODS = ("hybrid", "anneal", "tabu")

# BLS parameters for MAX-CUT (Benlic & Hao 2013): jump magnitude L0 growing by
# one while the search falls back into the same local optimum, Lmax after T
# non-improving local optima in a row; directed (tabu) perturbations with
# probability max(exp(-omega/T), P0), otherwise recency-based with
# probability Q, else random. The paper's L0 = 0.01 n and P0, Q, T are kept;
# the tenure range [3, 0.2 n] is twice the paper's n/10: larger cuts at equal
# moves on Gset.
_T = 1000
_P0 = 0.8
_Q = 0.5
_L0 = 0.01
_LMAX = 0.1
_TENURE_MIN = 3
_TENURE = 0.2
# A BLS episode lasts _EPISODE n + 1000 moves.
_EPISODE = 20

# Annealing: starting inverse temperatures (in units of 1 / mean |w|), used in
# turn, cooled geometrically to _BETA_END over default_sweeps(n) sweeps.
# beta = 1 accepts a move that loses one unit edge with probability 1/e; at
# beta = 5 such a move is taken once in 150 tries, and colder sweeps gain
# nothing. Chosen on Gset against neal; the comparison at these settings is
# benchmarks/results/benchmark_anneal/summary.md.
_BETA_LADDER = (0.5, 0.25, 0.15, 0.35, 0.2)
_BETA_END = 5.0


def default_sweeps(n: int) -> int:
    """Sweeps of one annealing run: 2 n, between 3000 and 10 000.

    A larger graph needs slower cooling; on dense graphs of up to 2000
    vertices shorter runs leave time for more rounds of BLS, which pay more.
    """
    return int(min(10_000, max(3000, 2 * n)))


# The counters the kernels share with the driver, one record: moves made, the BLS jump
# magnitude, idle local optima, the Zobrist hash (now and at the last local optimum),
# the random state, the move of the best cut, local optima met, whether a search has
# started, the recency list's ends, and the current and best cut values.
_COUNTERS = np.dtype([("it", np.int64), ("jump", np.int64), ("omega", np.int64), ("hash", np.int64),
                      ("prev_hash", np.int64), ("rng", np.int64), ("best_it", np.int64), ("local_optima", np.int64),
                      ("started", np.int64), ("lru_head", np.int64), ("lru_tail", np.int64), ("cur", np.float64),
                      ("best", np.float64)])

# Kernel return codes.
_CHUNK_DONE, _TARGET = 0, 1


class _Edges(NamedTuple):
    """The relabelled graph, CSR."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray


class _State(NamedTuple):
    """What a move updates: the sides, gains and best sides; tabu, hash keys, the recency list and the
    tenure wheel; the selection trees; the integer and float counters (indexed by _IT, _L... and _CUR, _BEST)."""

    x: np.ndarray
    gain: np.ndarray
    best_x: np.ndarray
    tabu_until: np.ndarray
    zobrist: np.ndarray
    lru_prev: np.ndarray
    lru_next: np.ndarray
    wheel_head: np.ndarray
    wheel_next: np.ndarray
    wheel_vertex: np.ndarray
    tv_all: np.ndarray
    ti_all: np.ndarray
    tv_free: np.ndarray
    ti_free: np.ndarray
    counters: np.ndarray  # one _COUNTERS record


class _Rule(NamedTuple):
    """The breakout local search's settings for one graph."""

    tenure_min: int
    tenure_max: int
    jump_min: int
    jump_max: int
    idle_limit: int
    p_min: float
    p_recency: float
    use_tree: bool


# ----------------------------------------------------------------- kernels
_KERNELS: list[str] = []


def _kernel(f):
    """Compile ``f`` (numba) and register it, so that the plain-Python engine swaps every kernel."""
    _KERNELS.append(f.__name__)
    return _jit(f)


@_kernel
def _keep_best(x, best_x, c):
    """The current cut becomes the best: its value, its sides and the move count it was reached at."""
    c["best"] = c["cur"]
    for v in range(x.shape[0]):
        best_x[v] = x[v]
    c["best_it"] = c["it"]


@_kernel
def _rand(c):
    """xorshift32 (Marsaglia 2003) on an int64 slot: identical in numba and Python."""
    s = c["rng"]
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    c["rng"] = s
    return s


@_kernel
def _tree_set(tv, ti, size, v, value):
    """Set leaf ``v`` of a max segment tree; ties go to the lower index."""
    k = size + v
    tv[k] = value
    k >>= 1
    while k >= 1:
        a = 2 * k
        if tv[a] >= tv[a + 1]:
            b = a
        else:
            b = a + 1
        if tv[k] == tv[b] and ti[k] == ti[b]:
            return  # this node, hence every ancestor, is unchanged
        tv[k] = tv[b]
        ti[k] = ti[b]
        k >>= 1


@_kernel
def _tree_build(tv, ti, size, gain, tabu_until, it, free_only):
    n = gain.shape[0]
    for v in range(size):
        if v < n and (not free_only or tabu_until[v] <= it):
            tv[size + v] = gain[v]
        else:
            tv[size + v] = -np.inf
        ti[size + v] = v
    for k in range(size - 1, 0, -1):
        a = 2 * k
        if tv[a] >= tv[a + 1]:
            tv[k] = tv[a]
            ti[k] = ti[a]
        else:
            tv[k] = tv[a + 1]
            ti[k] = ti[a + 1]


@_kernel
def _reset_gains(e, st, use_tree):
    """Gains from scratch (gain_i = x_i (A x)_i), no vertex tabu, trees rebuilt."""
    indptr, indices, weights = e.indptr, e.indices, e.weights
    x, gain, tabu_until, wheel_head, c = st.x, st.gain, st.tabu_until, st.wheel_head, st.counters[0]
    tv_all, ti_all, tv_free, ti_free = st.tv_all, st.ti_all, st.tv_free, st.ti_free
    n = x.shape[0]
    for v in range(n):
        s = 0.0
        for k in range(indptr[v], indptr[v + 1]):
            s += weights[k] * x[indices[k]]
        gain[v] = x[v] * s
        tabu_until[v] = 0
    for k in range(wheel_head.shape[0]):
        wheel_head[k] = -1
    if use_tree:
        size = tv_all.shape[0] // 2
        _tree_build(tv_all, ti_all, size, gain, tabu_until, c["it"], False)
        _tree_build(tv_free, ti_free, size, gain, tabu_until, c["it"], True)


@_kernel
def _flip(v, tenure, e, st, use_tree):
    """Flip vertex ``v``: update gains, the cut, the hash, the recency list and the tabu list."""
    indptr, indices, weights = e.indptr, e.indices, e.weights
    x, gain, tabu_until, zobrist, lru_prev, lru_next = st.x, st.gain, st.tabu_until, st.zobrist, st.lru_prev, st.lru_next
    wheel_head, wheel_next, wheel_vertex = st.wheel_head, st.wheel_next, st.wheel_vertex
    tv_all, ti_all, tv_free, ti_free, c = st.tv_all, st.ti_all, st.tv_free, st.ti_free, st.counters[0]
    it = c["it"]
    g = gain[v]
    xv = x[v]
    size = tv_all.shape[0] // 2
    for k in range(indptr[v], indptr[v + 1]):
        j = indices[k]
        gain[j] -= 2.0 * weights[k] * x[j] * xv
        if use_tree:
            _tree_set(tv_all, ti_all, size, j, gain[j])
            if tabu_until[j] <= it:
                _tree_set(tv_free, ti_free, size, j, gain[j])
    gain[v] = -g
    x[v] = -xv
    c["cur"] += g
    c["hash"] ^= zobrist[v]
    # Move v to the tail (most recent end) of the recency list.
    if c["lru_tail"] != v:
        p = lru_prev[v]
        q = lru_next[v]
        if p >= 0:
            lru_next[p] = q
        else:
            c["lru_head"] = q
        lru_prev[q] = p
        t = c["lru_tail"]
        lru_next[t] = v
        lru_prev[v] = t
        lru_next[v] = -1
        c["lru_tail"] = v
    # Tabu for the next `tenure` moves.
    until = it + tenure + 1
    tabu_until[v] = until
    c["it"] = it + 1
    if use_tree:
        _tree_set(tv_all, ti_all, size, v, -g)
        _tree_set(tv_free, ti_free, size, v, -np.inf)
        # A timing wheel hands v back to the free tree when its tabu ends; a
        # node is reused W > tenure moves later, after its slot was emptied.
        W = wheel_head.shape[0]
        node = it % W
        wheel_vertex[node] = v
        wheel_next[node] = wheel_head[until % W]
        wheel_head[until % W] = node
        slot = (it + 1) % W
        node = wheel_head[slot]
        while node >= 0:
            u = wheel_vertex[node]
            if tabu_until[u] == it + 1:  # else a stale entry: u moved again since
                _tree_set(tv_free, ti_free, size, u, gain[u])
            node = wheel_next[node]
        wheel_head[slot] = -1


@_kernel
def _best_any(gain, tv_all, ti_all, use_tree):
    """The vertex of largest gain (lowest index among ties)."""
    if use_tree:
        return ti_all[1]
    best = 0
    for v in range(1, gain.shape[0]):
        if gain[v] > gain[best]:
            best = v
    return best


@_kernel
def _best_allowed(gain, tabu_until, tv_all, ti_all, tv_free, ti_free, use_tree, it, cur, best_cut, tol):
    """Best non-tabu vertex, or the best tabu one if it beats the best cut (aspiration)."""
    if use_tree:
        if tv_all[1] > tv_free[1] and (cur + tv_all[1] > best_cut + tol or tv_free[1] == -np.inf):
            return ti_all[1]
        return ti_free[1]
    bi = -1
    bg = -np.inf
    ai = -1
    ag = -np.inf
    for v in range(gain.shape[0]):
        g = gain[v]
        if tabu_until[v] > it:
            if g > ag:
                ag = g
                ai = v
        elif g > bg:
            bg = g
            bi = v
    if ai >= 0 and ag > bg and (cur + ag > best_cut + tol or bi < 0):
        return ai
    return bi


@_kernel
def _search(e, st, rule, move_target, tol, target):
    """Breakout local search cycles until ``c["it"] >= move_target`` or the target cut.

    A cycle is: perturb (skipped on the very first call), steepest ascent to a
    1-flip local optimum, book-keeping. The kernel returns only between
    cycles, so the trajectory does not depend on how the driver splits the
    run into calls.
    """
    x, gain, best_x, tabu_until, c = st.x, st.gain, st.best_x, st.tabu_until, st.counters[0]
    tv_all, ti_all, tv_free, ti_free = st.tv_all, st.ti_all, st.tv_free, st.ti_free
    tenure_min, tenure_max, jump_min, jump_max = rule.tenure_min, rule.tenure_max, rule.jump_min, rule.jump_max
    idle_limit, p_min, p_recency, use_tree = rule.idle_limit, rule.p_min, rule.p_recency, rule.use_tree
    n = x.shape[0]
    span = tenure_max - tenure_min + 1
    while True:
        if c["started"] != 0:
            # Jump magnitude and kind (BLS): strong after T idle local optima,
            # growing while the search falls back into the same optimum.
            omega = c["omega"]
            if omega > idle_limit:
                c["jump"] = jump_max
                c["omega"] = 0
                omega = 0
            elif c["hash"] == c["prev_hash"]:
                c["jump"] = min(c["jump"] + 1, jump_max)
            else:
                c["jump"] = jump_min
            c["prev_hash"] = c["hash"]
            p_directed = max(math.exp(-omega / idle_limit), p_min)
            r = _rand(c) / 4294967296.0
            if r < p_directed:
                kind = 0
            elif r < p_directed + (1.0 - p_directed) * p_recency:
                kind = 1
            else:
                kind = 2
            for _ in range(c["jump"]):
                if kind == 0:
                    v = _best_allowed(gain, tabu_until, tv_all, ti_all, tv_free, ti_free, use_tree,
                                      c["it"], c["cur"], c["best"], tol)
                elif kind == 1:
                    v = c["lru_head"]
                else:
                    v = _rand(c) % n
                tenure = tenure_min + _rand(c) % span
                _flip(v, tenure, e, st, use_tree)
        c["started"] = 1
        # Steepest ascent to a 1-flip local optimum.
        while True:
            v = _best_any(gain, tv_all, ti_all, use_tree)
            if gain[v] <= tol:
                break
            tenure = tenure_min + _rand(c) % span
            _flip(v, tenure, e, st, use_tree)
        c["local_optima"] += 1
        if c["cur"] > c["best"] + tol:
            _keep_best(x, best_x, c)
            c["omega"] = 0
            if c["best"] >= target - tol:
                return _TARGET
        else:
            c["omega"] += 1
        if c["it"] >= move_target:
            return _CHUNK_DONE


@_kernel
def _anneal(e, x, gain, best_x, betas, first, last, counters, tol, target, table):
    """Metropolis sweeps ``first .. last - 1`` of an annealing run (vertices in index order).

    A flip that raises the cut, or keeps it, is always taken; one that lowers
    it by d with probability exp(-beta d). The best cut is checked at the end
    of every sweep. Returns ``_TARGET`` once the target cut is reached.

    With integer weights every gain is an integer, so the acceptance
    thresholds exp(-beta d) 2^32 for d = 1 .. len(table) - 1 are tabulated
    once per sweep (``table``; empty otherwise) instead of an exp per
    downhill move: the same numbers, hence the same moves, in fewer cycles.
    """
    indptr, indices, weights = e.indptr, e.indices, e.weights
    c = counters[0]
    n = x.shape[0]
    K = table.shape[0]
    for s in range(first, last):
        b = betas[s]
        # Entries past 30 / beta + 1 would all be "never" (beta d > 30, no
        # random number drawn): they are not filled in, just skipped.
        top = min(K - 1, int(min(30.0 / b, 1e9)) + 1) if K > 0 else 0
        for d in range(1, top + 1):
            bg = -(b * d)
            table[d] = -1.0 if bg < -30.0 else math.exp(bg) * 4294967296.0
        for v in range(n):
            g = gain[v]
            if g < 0.0:
                d = int(-g)
                if d < K:
                    if d > top:
                        continue
                    threshold = table[d]
                    if threshold < 0.0 or _rand(c) >= threshold:
                        continue
                else:
                    bg = b * g
                    if bg < -30.0 or _rand(c) >= math.exp(bg) * 4294967296.0:
                        continue
            xv = x[v]
            for k in range(indptr[v], indptr[v + 1]):
                j = indices[k]
                gain[j] -= 2.0 * weights[k] * x[j] * xv
            gain[v] = -g
            x[v] = -xv
            c["cur"] += g
            c["it"] += 1
        if c["cur"] > c["best"] + tol:
            _keep_best(x, best_x, c)
            if c["best"] >= target - tol:
                return _TARGET
    return _CHUNK_DONE


_python_namespace: dict | None = None


def _python_kernels() -> dict:
    """The kernels as plain Python, whatever numba's presence: the fallback, and what tests compare."""
    global _python_namespace
    if not HAVE_NUMBA:
        return globals()
    if _python_namespace is None:
        namespace = dict(globals())
        for name in _KERNELS:
            namespace[name] = types.FunctionType(globals()[name].py_func.__code__, namespace, name)
        _python_namespace = namespace
    return _python_namespace


# ------------------------------------------------------------------ driver
@dataclass(frozen=True)
class ImprovementResult:
    """The best cut the improvement phase found from a starting cut.

    With several workers, the counts and times below are those of the chain
    that found the cut (``params["winner"]``); ``params["chains"]`` has every
    chain's seed, start, cut, rounds, moves and stop (``halted``: stopped
    because another chain reached the target, by Ctrl-C, or because chain 0,
    which carries the phase's budget, ended by the clock).

    Attributes
    ----------
    sides : numpy.ndarray
        Booleans, the best cut found (the start if nothing better was).
    cut, start_cut : float
        Its value, recomputed from ``sides``, and the start's; ``cut >= start_cut``.
    method : str
        ``hybrid``, ``anneal`` or ``tabu``.
    rounds : int
        Completed rounds: an annealing run, a BLS episode, or (hybrid) both (its first round: the BLS episode alone).
    moves : int
        Vertex flips, by annealing and by BLS.
    local_optima : int
        1-flip local optima BLS visited.
    best_found_move : int
        The move after which the best cut was reached (0: the start).
    best_found_seconds : float
        Seconds into the phase when the best cut was found (measured at the
        end of the kernel call that found it; calls last about 20 ms).
    stop : str
        ``stall`` (``max_stall`` rounds in a row without a better cut),
        ``rounds`` (``max_rounds`` done), ``time`` (the time budget or the
        deadline), ``target`` (the target cut, e.g. one the upper bound
        proves optimal, was reached) or ``interrupted`` (Ctrl-C).
    seconds : float
        The search, from when its kernels were ready.
    engine : str
        ``numba``, or ``python`` when numba is not importable.
    selection : str
        How BLS finds its best flip: ``tree`` (segment trees over the gains,
        O(deg log n) a move) or ``scan`` (O(n) a move, faster on small dense graphs).
    params : dict
        The parameters used; ``shortest_run`` is the shortest annealing run
        in sweeps (below ``sweeps`` only where a time budget alone ends the
        search and four full runs would not fit in it).
    warmup_seconds : float
        Compiling the kernels, or loading them from numba's cache, before the
        search's clock started (once per process).
    """

    sides: np.ndarray
    cut: float
    start_cut: float
    method: str
    rounds: int
    moves: int
    local_optima: int
    best_found_move: int
    best_found_seconds: float
    stop: str
    seconds: float
    engine: str
    selection: str
    params: dict
    warmup_seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"cut": self.cut, "start_cut": self.start_cut, "method": self.method, "rounds": self.rounds,
                "moves": self.moves, "local_optima": self.local_optima, "best_found_move": self.best_found_move,
                "best_found_seconds": self.best_found_seconds, "stop": self.stop, "seconds": self.seconds,
                "engine": self.engine, "selection": self.selection, "params": dict(self.params),
                "warmup_seconds": self.warmup_seconds}


#: Rounds of the default improvement phase (``derand maxcut`` without a time budget).
DEFAULT_ROUNDS = 24
#: Rounds in a row without a better cut after which the default phase stops.
DEFAULT_STALL = 12
#: The stall rule stops earlier where the best cut came early: after as many
#: rounds without a better cut as it took to find it, but never fewer than
#: this (benchmarks/results/default_vs_neal/ has what it saves and costs).
MIN_STALL = 4


def default_time_cap(n: int) -> float:
    """Seconds after which the default improvement phase stops: 1 s + 1 s per 1000 vertices, at most 10 s.

    A round (an annealing run of 3000 to 10 000 sweeps and a BLS episode of
    20 n moves) costs time roughly proportional to n on sparse graphs. On
    most graphs up to a few thousand vertices the default phase ends by its
    rounds (reproducibly); the cap is a safety net there, and it is what
    usually ends the phase from about 4000 vertices on. It keeps the whole
    pipeline under the annealer's time (the per-instance seconds in
    benchmarks/results/benchmark_anneal/summary.md).
    """
    return min(10.0, 1.0 + n / 1000.0)


def improve_budget(graph: Graph, improve_time: float | None,
                   time_limit: float | None) -> tuple[float | None, int | None, int | None]:
    """The phase's seconds, rounds and stall: by the clock alone if a time is given, else
    :data:`DEFAULT_ROUNDS` rounds, :data:`DEFAULT_STALL` without a better cut, capped by
    :func:`default_time_cap` (reproducible)."""
    if improve_time is not None or time_limit is not None:
        return improve_time, None, None
    return default_time_cap(graph.n), DEFAULT_ROUNDS, DEFAULT_STALL


def head_start_for(graph: Graph, *, workers: int, seed: int = 0, improve_time: float | None = None,
                   time_limit: float | None = None, deadline: float | None = None) -> "HeadStart | None":
    """The :class:`HeadStart` of a run with these options (None for one worker).

    By the clock (a time limit or an improvement time), its chains run to
    ``deadline`` or until chain 0 ends; under the round budget each runs its
    own rounds, reproducibly.
    """
    if workers < 2:
        return None
    check_chains(graph.n, graph.m, workers)  # chain 0 too: it starts later, from the derandomized cut
    budget, rounds, stall = improve_budget(graph, improve_time, time_limit)
    clock = rounds is None
    return HeadStart(graph, workers=workers, seed=seed, time_limit=None if clock else budget, max_rounds=rounds,
                     max_stall=stall, deadline=deadline)


_warned_python = False
_warmed_up = False
_warm_up_lock = threading.RLock()  # another thread waits for the warm-up; the warm-up's own calls come back in


def _warm_up() -> float:
    """Compile the kernels (or load them from numba's cache) on a 4-cycle, once per process; the seconds it took
    (or waited for, while another thread did it)."""
    global _warmed_up
    t = time.monotonic()
    with _warm_up_lock:
        if not _warmed_up:
            _warmed_up = True
            _run_every_kernel()
    return time.monotonic() - t


def _run_every_kernel() -> None:
    square = Graph.from_edges(4, [0, 1, 2, 3], [1, 2, 3, 0])
    for selection in ("tree", "scan"):  # two rounds: the first is BLS alone, the second anneals
        improve_cut(square, np.zeros(4, dtype=bool), max_rounds=2, selection=selection, engine="numba")


def _check_count(name: str, value, minimum: int) -> None:
    check_option(value is None or (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                                   and value >= minimum),
                 name, f"an integer >= {minimum}", value)


def improve_cut(
    graph: Graph,
    sides: np.ndarray,
    *,
    method: str = "hybrid",
    seed: int = 0,
    time_limit: float | None = None,
    max_rounds: int | None = None,
    max_stall: int | None = DEFAULT_STALL,
    sweeps: int | None = None,
    deadline: float | None = None,
    target: float | None = None,
    selection: str = "auto",
    engine: str = "auto",
    workers: int = 1,
    head_start: HeadStart | None = None,
    progress: PhaseProgress | None = None,
) -> ImprovementResult:
    """Look for a larger cut near ``sides``; never return a smaller one.

    Pseudocode (``hybrid``; ``anneal`` leaves out the BLS episodes, ``tabu``
    the annealing runs and keeps one BLS run going)::

        best = x = start
        repeat (one round)
            if not the first round:                      # the first: BLS from the start itself
                x = best                                 # annealing run
                for beta in geomspace(beta0, 5, S) / mean|w|:   # beta0 from a ladder, in turn; S = 2n in [3000, 10^4]
                    for v in vertices: flip v if gain_v >= 0, else with prob. exp(beta gain_v)
                    best = max(best, x)                  # checked after every sweep
            C = x; for 20 n + 1000 moves:                # BLS episode (Benlic & Hao 2013)
                C = steepest ascent from C (best improving flip until none)
                best = max(best, C); omega = 0 if C improved best else omega + 1
                L = Lmax if omega > T; L + 1 if C is the previous local optimum; else L0
                L flips: best non-tabu (aspiration: beats best) with prob. max(exp(-omega/T), P0),
                         else least recently flipped with prob. Q, else random
                every flipped vertex is tabu for a tenure drawn in [3, 0.2 n]
        until the budget is spent, max_stall rounds bring nothing, or best >= target

    Gains (the change of the cut if one vertex switched sides) are kept up
    to date flip by flip. The vertices are first relabelled by a seeded
    random permutation: the sweep order, and BLS's ties (to the lower index),
    are then random.

    Parameters
    ----------
    graph : Graph
    sides : array of bool, shape (n,)
        The starting cut.
    method : {"hybrid", "anneal", "tabu"}
    seed : int
        Seeds the relabelling and every random choice. Stopped by rounds
        (``max_rounds``, ``max_stall``) a search is reproducible anywhere,
        with numba or without; a time budget stops it where the clock says.
    time_limit : float, optional
        Seconds for this search.
    max_rounds : int, optional
        Stop after this many rounds.
    max_stall : int, optional
        Stop after this many rounds in a row without a better cut (default
        12; ``None``: never), or sooner where the best cut came early: after
        as many rounds without a better cut as it took to find it, at least
        :data:`MIN_STALL` (round counts: reproducible).
    sweeps : int
        Sweeps of an annealing run (default :func:`default_sweeps`: 2 n,
        between 3000 and 10 000). When the clock alone ends
        the search (``max_rounds`` and ``max_stall`` both ``None``), runs are
        shortened, down to 100 sweeps, so that at least four fit (by the
        time of a few sweeps, measured before the first run); where four
        full runs fit, the search makes the moves a round budget would.
    deadline : float, optional
        :func:`time.monotonic` time at which to stop at the latest.
    target : float, optional
        Stop once a cut of at least this value is found.
    selection : {"auto", "tree", "scan"}
        How BLS finds its best flip (the same moves either way).
    engine : {"auto", "numba", "python"}
        ``python`` runs the same kernels uncompiled.
    workers : int
        Independent searches run side by side in threads, one per CPU core
        you give it (the compiled kernels release the GIL); the best cut
        wins, ties to the lowest chain. Chain 0 is the one-worker search
        itself (same seed, same moves), chain i > 0 is seeded by
        :func:`chain_seed`. With a round budget the answer is then at least
        the one-worker answer and as reproducible; under a clock, chains
        share the machine. ``params["chains"]`` lists every chain's seed,
        start (``given`` or ``random``), start time and best-found time (in
        seconds on the phase's clock: negative before it began) and cut.
    head_start : HeadStart, optional
        Chains 1 to ``workers`` - 1, already running from random cuts (see
        :class:`HeadStart`); this call adds chain 0 from ``sides`` and
        closes them. A chain that started early also counts its
        ``best_found_seconds`` from this call, negative if it found its cut
        before.
    progress : callable, optional
        ``progress(milliseconds spent, milliseconds budgeted or 0, best cut)``
        after each kernel call (about every 20 ms).

    Returns
    -------
    ImprovementResult

    References
    ----------
    U. Benlic, J.-K. Hao, "Breakout local search for the max-cut problem",
    Engineering Applications of Artificial Intelligence 26 (2013) 1162-1173.
    S. Kirkpatrick, C. D. Gelatt, M. P. Vecchi, "Optimization by simulated
    annealing", Science 220 (1983) 671-680.
    """
    use_numba, warmup = _check_options(method=method, seed=seed, max_rounds=max_rounds, max_stall=max_stall,
                                       sweeps=sweeps, workers=workers, time_limit=time_limit, selection=selection,
                                       engine=engine)
    check_option(head_start is None or head_start.workers == workers, "workers",
                 f"the head start's workers ({getattr(head_start, 'workers', None)})", workers)
    start = time.monotonic()  # the budget starts once the kernels are compiled (or loaded from the cache)
    deadline = _earliest(deadline, start, time_limit)
    options = dict(method=method, time_limit=time_limit, max_rounds=max_rounds, max_stall=max_stall, sweeps=sweeps,
                   deadline=deadline, target=target, selection=selection, use_numba=use_numba, start=start)
    if workers == 1:
        return replace(_chain(graph, sides, seed=seed, progress=progress, **options), warmup_seconds=warmup)
    team = _Team(workers) if head_start is None else head_start.team
    try:
        team.phase_start = start
        team.target = math.inf if target is None else float(target)
        team.submit(0, graph, sides, seed=seed, start_kind="given", **options)
        if head_start is None:
            for i in range(1, workers):
                team.submit(i, graph, sides, seed=chain_seed(seed, i), start_kind="given", **options)
        return replace(team.join(progress), warmup_seconds=warmup)
    finally:
        team.close()


def _check_options(*, method, seed, max_rounds, max_stall, sweeps, workers, time_limit, selection, engine,
                   warm: bool = True) -> tuple[bool, float]:
    """Check :func:`improve_cut`'s options; whether the kernels are compiled, and the seconds their warm-up took
    (``warm=False``: left to the caller)."""
    global _warned_python
    check_option(method in METHODS, "method", f"one of {', '.join(map(repr, METHODS))}", method)
    check_integer("seed", seed)
    _check_count("max_rounds", max_rounds, 0)
    _check_count("max_stall", max_stall, 1)
    _check_count("sweeps", sweeps, 1)
    check_option(isinstance(workers, (int, np.integer)) and not isinstance(workers, bool) and workers >= 1,
                 "workers", "an integer >= 1", workers)  # _check_count would let None through
    check_option(time_limit is None or (isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool)
                                        and time_limit >= 0), "time_limit", "a non-negative number of seconds",
                 time_limit)
    check_option(selection in ("auto", "tree", "scan"), "selection", "one of 'auto', 'tree', 'scan'", selection)
    check_option(engine in ("auto", "numba", "python"), "engine", "one of 'auto', 'numba', 'python'", engine)
    if engine == "numba" and not HAVE_NUMBA:
        raise ImportError("engine='numba' needs numba: pip install numba")
    use_numba = HAVE_NUMBA and engine != "python"
    if engine == "auto" and not HAVE_NUMBA and not _warned_python:
        _warned_python = True
        warnings.warn("numba is not importable: the improvement phase runs as plain Python, "
                      "about 100x slower (pip install numba)", DerandWarning, stacklevel=3)
    return use_numba, (_warm_up() if use_numba and warm else 0.0)


def _earliest(deadline: float | None, start: float, time_limit: float | None) -> float | None:
    """The earlier of ``deadline`` and ``start + time_limit`` (either may be missing)."""
    if time_limit is None:
        return deadline
    return start + float(time_limit) if deadline is None else min(deadline, start + float(time_limit))


def chain_seed(seed: int, chain: int) -> int:
    """The seed of search ``chain`` of ``improve_cut(..., seed=seed, workers=...)``: ``seed`` itself for chain 0."""
    return seed if chain == 0 else int(np.random.SeedSequence([seed, chain]).generate_state(1)[0])


class _Team:
    """Searches in threads sharing a halt event and a running best cut (the compiled kernels release the GIL).

    A chain at the target halts the others, and so does Ctrl-C in the main thread while :meth:`join` waits.
    """

    def __init__(self, workers: int):
        self.halt = threading.Event()
        self.target = math.inf
        self.progress: PhaseProgress | None = None
        self.phase_start = time.monotonic()
        self.chains: dict[int, tuple[int, str, float, object]] = {}  # chain: seed, start, started at, future
        self._best = -math.inf
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="derand-improve")
        # gated chains wait for join: none reports progress (or is Ctrl-C'd) while the caller still starts threads
        self._go = threading.Event()

    def submit(self, chain: int, graph: Graph, sides: np.ndarray, *, seed: int, start_kind: str, warm: bool = False,
               gated: bool = True, **options) -> None:
        """Start search ``chain`` from ``sides``; its clock starts at ``options["start"]``. ``warm``: the thread
        first compiles the kernels or loads them (:func:`_warm_up`), off the caller's thread. ``gated``: the
        search waits for :meth:`join` (a head start's chains are not gated: they run before it)."""
        begun = options["start"]

        def report(spent: int, budget: int, cut: float) -> None:  # on the phase's clock, with the best of all chains
            with self._lock:
                self._best = max(self._best, cut)
                if self._best >= self.target:
                    self.halt.set()
                if self.progress is not None:
                    shift = int(1000 * (self.phase_start - begun))
                    self.progress(spent - shift, budget - shift if budget else 0, self._best)

        def run() -> ImprovementResult:
            if warm:
                _warm_up()
            if gated:
                self._go.wait()
            return _chain(graph, sides, seed=seed, progress=report, halt=self.halt, **options)

        self.chains[chain] = (seed, start_kind, begun, self._pool.submit(run))

    def join(self, progress: PhaseProgress | None = None) -> ImprovementResult:
        """Release the gated chains and wait for every chain (chain 0 ending by the clock halts the rest); the best
        cut, ties to the lowest chain. ``progress`` gets the chains' reports from now on."""
        order = sorted(self.chains)
        futures = [self.chains[i][3] for i in order]
        interrupted = False
        try:
            with self._lock:
                self.progress = progress
                if self._best >= self.target:
                    self.halt.set()
            self._go.set()
            while not all(f.done() for f in futures):
                wait(futures, timeout=0.1)  # short waits: Ctrl-C reaches the main thread between them
                if futures[0].done() and futures[0].result().stop in ("time", "target"):
                    self.halt.set()  # chain 0 carries the phase's budget; chains started early follow it
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self.close()
        results = [f.result() for f in futures]
        winner = max(range(len(results)), key=lambda i: (results[i].cut, -i))
        won = results[winner]
        shifts = [self.chains[i][2] - self.phase_start for i in order]  # a chain started early: negative
        if interrupted:
            stop = "interrupted"
        elif won.cut >= self.target or any(r.stop == "target" for r in results):
            stop = "target"
        else:  # a chain halted when chain 0 ended: chain 0's reason
            stop = results[0].stop if won.stop == "halted" else won.stop
        chains = [{"seed": self.chains[i][0], "start": self.chains[i][1], "started_seconds": shift, "cut": r.cut,
                   "rounds": r.rounds, "moves": r.moves, "best_found_seconds": r.best_found_seconds + shift,
                   "stop": r.stop} for i, r, shift in zip(order, results, shifts)]
        params = dict(won.params, workers=len(results), winner=winner, chains=chains)
        return replace(won, start_cut=results[0].start_cut, best_found_seconds=won.best_found_seconds + shifts[winner],
                       stop=stop, seconds=time.monotonic() - self.phase_start, params=params)

    def close(self) -> None:
        """Halt every chain and wait for its threads (within one kernel call, about 20 ms)."""
        self.halt.set()
        self._go.set()
        self._pool.shutdown(wait=True)


class HeadStart:
    """Chains 1, ..., ``workers`` - 1 of an improvement phase, started before its start cut exists.

    :func:`~solver.maxcut.solve.solve_maxcut` with ``workers >= 2`` makes one
    as a run begins. While the SDP, the bound and the derandomization run
    (on torch's threads), these chains search from random cuts, each drawn
    from its :func:`chain_seed`, on the other cores; ``improve_cut(...,
    head_start=it)`` then runs chain 0 from the derandomized cut beside them
    and returns the best cut of all. The chains compile the kernels (or load
    them from numba's cache) in their own threads, so the caller's work
    starts at once and the warm-up is off its clock. Use it as a context
    manager: leaving it halts the chains.

    A second chain from a random cut, started with the run, reached neal's
    cut more often than one from the derandomized cut when it is ready (a
    different start, and the front's idle core); the equal-time comparison
    is benchmarks/results/benchmark_anneal_equal_time_2workers/summary.md.

    Parameters
    ----------
    graph : Graph
    workers : int
        Chains of the phase, chain 0 included (at least 2).
    seed, method, engine
        As in :func:`improve_cut`; chain i is seeded by ``chain_seed(seed, i)``.
    time_limit, max_rounds, max_stall : optional
        Each chain's budget, counted from now (:func:`improve_cut`'s
        meaning). With none of them and no ``deadline``, the chains run
        until chain 0 ends by the clock, or until the phase is closed.
    deadline : float, optional
        :func:`time.monotonic` time at which to stop at the latest.

    Attributes
    ----------
    starts : list of numpy.ndarray
        The random cuts chains 1, 2, ... started from.
    """

    def __init__(self, graph: Graph, *, workers: int, seed: int = 0, method: str = "hybrid",
                 time_limit: float | None = None, max_rounds: int | None = None, max_stall: int | None = DEFAULT_STALL,
                 deadline: float | None = None, engine: str = "auto"):
        use_numba, _ = _check_options(method=method, seed=seed, max_rounds=max_rounds, max_stall=max_stall,
                                      sweeps=None, workers=workers, time_limit=time_limit, selection="auto",
                                      engine=engine, warm=False)  # the chains warm up in their threads
        check_option(workers >= 2, "workers", "an integer >= 2 (a head start runs chains 1 to workers - 1)", workers)
        self.workers = workers
        self.team = _Team(workers)
        start = time.monotonic()
        deadline = _earliest(deadline, start, time_limit)
        seeds = [chain_seed(seed, i) for i in range(1, workers)]
        self.starts = [np.random.default_rng([s, 1]).random(graph.n) < 0.5 for s in seeds]
        try:
            for i, (s, sides) in enumerate(zip(seeds, self.starts), 1):
                self.team.submit(i, graph, sides, seed=s, start_kind="random", warm=use_numba, gated=False,
                                 method=method, time_limit=time_limit, max_rounds=max_rounds, max_stall=max_stall,
                                 sweeps=None, deadline=deadline, target=None, selection="auto", use_numba=use_numba,
                                 start=start)
        except BaseException:  # Ctrl-C or a failed start: no chain may outlive the caller's handle
            self.team.close()
            raise

    def close(self) -> None:
        self.team.close()

    def __enter__(self) -> "HeadStart":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Search:
    """One search's data, set up once: the relabelled graph, the state its moves update, the BLS rule and the
    annealing schedule. Its methods run one annealing run and one BLS episode; :func:`_chain` drives the rounds."""

    def __init__(self, graph: Graph, start_sides: np.ndarray, *, seed: int, sweeps: int | None, selection: str,
                 use_numba: bool):
        self.k = globals() if use_numba else _python_kernels()
        n = self.n = graph.n
        start_cut = graph.cut_value(start_sides)
        # Relabel by a seeded random permutation: new vertex i is old vertex perm[i].
        rng = np.random.default_rng(seed)
        self.perm = rng.permutation(n)
        A = self.A = graph.adjacency[self.perm][:, self.perm].tocsr()
        A.sort_indices()
        weights = A.data.astype(np.float64)
        self.edges = _Edges(A.indptr.astype(np.int64), A.indices.astype(np.int64), weights)
        x = np.where(start_sides[self.perm], 1.0, -1.0)

        # BLS state.
        zobrist = rng.integers(1, 2**62, size=n, dtype=np.int64)
        lru_prev = np.arange(-1, n - 1, dtype=np.int64)
        lru_next = np.arange(1, n + 1, dtype=np.int64)
        if n:
            lru_next[-1] = -1
        tenure_min = max(1, min(_TENURE_MIN, n // 4))
        tenure_max = max(tenure_min, min(int(_TENURE * n), n - 2))
        jump_min = max(1, round(_L0 * n))
        jump_max = max(jump_min + 1, round(_LMAX * n))
        wheel_size = tenure_max + 2
        if selection == "auto":
            # A tree update costs ~2 log2(n) steps per neighbour, a scan ~n per move.
            avg_deg = 2.0 * graph.m / max(n, 1)
            selection = "tree" if (avg_deg + 1.0) * 2.0 * math.log2(max(n, 2)) < 0.5 * n else "scan"
        self.use_tree = use_tree = selection == "tree"
        size = 1 << max(0, (n - 1).bit_length()) if use_tree else 1
        counters = np.zeros(1, dtype=_COUNTERS)
        c = counters[0]
        c["rng"] = (seed * 2654435761 + 12345) % 4294967291 or 1
        c["lru_head"], c["lru_tail"] = 0, max(n - 1, 0)
        c["best"] = start_cut
        self.state = _State(x, np.empty(n), x.copy(), np.zeros(n, dtype=np.int64), zobrist, lru_prev, lru_next,
                            np.full(wheel_size, -1, dtype=np.int64), np.full(wheel_size, -1, dtype=np.int64),
                            np.zeros(wheel_size, dtype=np.int64), np.empty(2 * size), np.zeros(2 * size, dtype=np.int64),
                            np.empty(2 * size), np.zeros(2 * size, dtype=np.int64), counters)
        self.rule = _Rule(tenure_min, tenure_max, jump_min, jump_max, _T, _P0, _Q, use_tree)
        self.tol = 1e-9 * max(1.0, float(np.max(np.abs(weights)))) if weights.size else 1e-9
        self.episode = _EPISODE * n + 1000

        # Annealing schedule, in units of the mean |weight|.
        self.scale = float(np.mean(np.abs(weights))) if weights.size else 1.0
        self.full_sweeps = default_sweeps(n) if sweeps is None else int(sweeps)
        # Integer weights: integer gains, at most the largest weighted degree; a
        # table of acceptance thresholds per sweep then replaces the exp calls
        # (while it is small beside a sweep).
        self.table = np.empty(0)
        if weights.size and np.all(weights == np.round(weights)):
            top = float(np.max(np.abs(A).sum(axis=1))) if n else 0.0
            if top < min(4096.0, max(64.0, n / 4.0)):
                self.table = np.zeros(int(top) + 2)
        # Chunk sizes adapt so that a kernel call lasts about 20 ms; the sweeps' time so far.
        self.bls_chunk, self.sweep_chunk = 2000, 1
        self.anneal_seconds, self.anneal_sweeps = 0.0, 0
        self.shortest_run = self.full_sweeps

    def params(self, **run) -> dict:
        r = self.rule
        return {**run, "sweeps": self.full_sweeps, "beta_ladder": list(_BETA_LADDER), "beta_end": _BETA_END,
                "beta_unit": self.scale, "episode_moves": self.episode, "tenure": [r.tenure_min, r.tenure_max],
                "jump": [r.jump_min, r.jump_max], "T": _T, "P0": _P0, "Q": _Q}

    def restart_from_best(self) -> None:
        self.state.x[:] = self.state.best_x

    def bls_reset(self) -> None:
        """The cut, hash and gains of the current sides from scratch (the trees are rebuilt too: cheap, O(n))."""
        st, w = self.state, self.edges.weights
        x, c = st.x, st.counters[0]
        c["cur"] = float(x @ (self.A @ x)) * -0.25 + 0.25 * float(w.sum())
        c["started"], c["omega"], c["jump"] = 0, 0, self.rule.jump_min
        c["hash"] = int(np.bitwise_xor.reduce(st.zobrist[x > 0])) if self.n else 0
        self.k["_reset_gains"](self.edges, st, self.use_tree)

    def time_a_sweep(self, count: int = 5) -> float:
        """Seconds per sweep, timed at mid-schedule temperature on a scratch copy (the search's own state and
        random numbers are left untouched)."""
        st = self.state
        xs = st.x.copy()
        gs = xs * (self.A @ xs)
        betas = np.full(count, math.sqrt(float(np.mean(_BETA_LADDER)) * _BETA_END) / self.scale)
        t = time.monotonic()
        self.k["_anneal"](self.edges, xs, gs, xs.copy(), betas, 0, count, st.counters.copy(), self.tol,
                          math.inf, self.table.copy())
        return (time.monotonic() - t) / count

    def anneal(self, round_: int, run_sweeps: int, target_cut: float, tick) -> tuple[int, bool]:
        """One annealing run from the best cut, starting at the ladder's temperature for this round; returns the
        last kernel code and whether the clock (or a halt) ended it."""
        st = self.state
        beta0 = _BETA_LADDER[round_ % len(_BETA_LADDER)]
        betas = np.concatenate([np.geomspace(beta0, _BETA_END, run_sweeps), [np.inf] * 2]) / self.scale
        done, code = 0, _CHUNK_DONE
        while done < betas.size:
            t = time.monotonic()
            last = min(betas.size, done + self.sweep_chunk)
            code = self.k["_anneal"](self.edges, st.x, st.gain, st.best_x, betas, done, last, st.counters,
                                     self.tol, target_cut, self.table)
            elapsed = time.monotonic() - t
            sweep_seconds = elapsed / (last - done)
            self.anneal_seconds += elapsed
            self.anneal_sweeps += last - done
            self.sweep_chunk = int(min(max(1, 0.02 / max(sweep_seconds, 1e-7)), 4 * self.sweep_chunk + 1))
            done = last
            if not tick(t):
                return code, True
            if code == _TARGET:
                break
        return code, False

    def bls(self, target_cut: float, tick) -> tuple[int, bool]:
        """One BLS episode of ``episode`` moves from the current sides; as :meth:`anneal` returns."""
        c = self.state.counters[0]
        end = int(c["it"]) + self.episode
        while True:
            t = time.monotonic()
            move_target = min(end, int(c["it"]) + self.bls_chunk)
            code = self.k["_search"](self.edges, self.state, self.rule, move_target, self.tol, target_cut)
            elapsed = time.monotonic() - t
            self.bls_chunk = int(min(max(self.bls_chunk * (0.02 / max(elapsed, 1e-4)), 100), self.bls_chunk * 4,
                                     10**7))
            if not tick(t):
                return code, True
            if code == _TARGET or c["it"] >= end:
                return code, False


def _chain(graph: Graph, sides: np.ndarray, *, method: str, seed: int, time_limit: float | None,
           max_rounds: int | None, max_stall: int | None, sweeps: int | None, deadline: float | None,
           target: float | None, selection: str, use_numba: bool, start: float, progress: PhaseProgress | None,
           halt: threading.Event | None = None) -> ImprovementResult:
    """One search of :func:`improve_cut`, its clock started at ``start``; ``halt`` (set by another thread) stops it.

    Rounds: ``anneal`` an annealing run each; ``tabu`` a BLS episode each; ``hybrid`` a BLS episode from the
    start itself first (the derandomized cut is a strong start, which an annealing run's hot first sweeps
    would leave behind), then an annealing run followed by a BLS episode from where it ended.
    """
    start_sides = np.asarray(sides, dtype=bool)
    start_cut = graph.cut_value(start_sides)
    search = _Search(graph, start_sides, seed=seed, sweeps=sweeps, selection=selection, use_numba=use_numba)
    c = search.state.counters[0]
    target_cut = math.inf if target is None else float(target)
    adapt_sweeps = deadline is not None and max_rounds is None and max_stall is None
    params = search.params(method=method, max_rounds=max_rounds, max_stall=max_stall, time_limit=time_limit,
                           seed=seed)
    stop = "rounds"
    clock = {"best": c["best"], "found": 0.0}
    rounds = stall = found_at = 0
    if graph.n == 0 or graph.m == 0 or start_cut >= target_cut:
        stop = "target" if start_cut >= target_cut else "rounds"
        max_rounds = 0

    def tick(t: float) -> bool:
        """After a kernel call: record a new best; False once the deadline has passed."""
        now = time.monotonic()
        if c["best"] > clock["best"]:
            clock["best"], clock["found"] = c["best"], now - start
        if progress is not None:  # in milliseconds of the time budget, when there is one
            budget = 0 if deadline is None else int(1000 * (deadline - start))
            progress(int(1000 * (now - start)), budget, float(c["best"]))
        if halt is not None and halt.is_set():  # another chain reached the target, or Ctrl-C
            return False
        return deadline is None or now < deadline

    try:
        if method == "tabu":
            search.restart_from_best()
            search.bls_reset()
        while max_rounds is None or rounds < max_rounds:
            if deadline is not None and time.monotonic() >= deadline:
                stop = "time"
                break
            before = c["best"]
            code, out_of_time = _CHUNK_DONE, False
            if method == "anneal" or (method == "hybrid" and rounds > 0):
                search.restart_from_best()
                search.bls_reset()
                run_sweeps = search.full_sweeps
                if adapt_sweeps:  # at least four runs fit in the time
                    # The time of a sweep: measured, and averaged over every sweep so far (one
                    # chunk's time carries a call's overhead, would overestimate it and shorten
                    # runs for nothing, leaving the trajectory of the rounds-limited search).
                    per_sweep = (search.anneal_seconds / search.anneal_sweeps if search.anneal_sweeps
                                 else search.time_a_sweep())
                    run_sweeps = int(min(run_sweeps, max(100, (deadline - start) / (4.0 * max(per_sweep, 1e-9)))))
                    search.shortest_run = min(search.shortest_run, run_sweeps)
                code, out_of_time = search.anneal(rounds, run_sweeps, target_cut, tick)
            if method in ("tabu", "hybrid") and code != _TARGET and not out_of_time:
                if method == "hybrid":
                    if rounds == 0:
                        search.restart_from_best()
                    search.bls_reset()  # BLS starts from where the annealing run ended (or from the start)
                code, out_of_time = search.bls(target_cut, tick)
            if code == _TARGET:
                stop = "target"
                if halt is not None:
                    halt.set()
                break
            if out_of_time:
                stop = "halted" if halt is not None and halt.is_set() else "time"
                break
            rounds += 1
            if c["best"] > before:
                stall, found_at = 0, rounds
            else:
                stall += 1
            # more time rarely pays once the rounds without a gain outnumber those it took to find the best
            if max_stall is not None and stall >= min(max_stall, max(MIN_STALL, found_at)):
                stop = "stall"
                break
    except KeyboardInterrupt:
        stop = "interrupted"
    params["shortest_run"] = search.shortest_run
    out = np.empty(graph.n, dtype=bool)
    out[search.perm] = search.state.best_x > 0
    cut = graph.cut_value(out)
    best_found_seconds = clock["found"]
    if cut < start_cut:  # only float rounding could do this; never hand back less than the start
        out, cut = start_sides.copy(), start_cut
        best_found_seconds = 0.0
    return ImprovementResult(out, cut, start_cut, method, rounds, int(c["it"]), int(c["local_optima"]),
                             int(c["best_it"]), best_found_seconds, stop, time.monotonic() - start,
                             "numba" if use_numba else "python", "tree" if search.use_tree else "scan", params)
