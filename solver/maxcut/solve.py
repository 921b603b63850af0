"""The MAX-CUT pipeline: SDP, certified bound, derandomized rounding, polish.

:func:`relax_and_bound` (SDP, then its verified dual bound) and
:func:`bound_certificate` (the certificate keys that do not depend on how the
cut was found) are shared with :func:`~solver.maxcut.certify.certify_cut`, so a
cut from ``derand maxcut`` and a cut from anywhere else are judged by the same
code.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import __version__
from ..core.device import (make_generator, resolve_device, resolve_dtype, single_thread_below, thread_budget,
                           torch_threads)
from ..core.machine import available_cores
from ..core.progress import Progress, for_phase
from ..errors import OptionError, check_integer, check_option, check_seconds
from ..graph import Graph
from .bound import BoundResult, EigenGuess, dual_upper_bound, estimated_upper_bound
from .derandomize import DerandomizationResult, derandomize
from .local_search import LocalSearchResult, one_flip_local_search
from .improve import HeadStart, ImprovementResult, head_start_for, improve_budget, improve_cut
from .prove import ProofResult, prove_maxcut
from .tighten import TIGHTEN_LIMIT, TightenedBound, dense_work, tightened_upper_bound
from .memory import check_derandomize, check_run
from .sdp import ADAPTIVE_RANK_ABOVE, SPARSE_DEGREE, RANK_GAP, SDP_TOL, START_RANK, SDPResult, burer_monteiro, default_rank

__all__ = ["MaxCutResult", "solve_maxcut", "GW_ALPHA", "Relaxation", "relax_and_bound", "bound_certificate",
           "positive_weight_bound", "peak_memory_mib", "run_status", "finish_maxcut", "TightenBudget", "tighten_or_prove",
           "tighten_budget", "AUTO_TIGHTEN_MAX_N", "AUTO_TIGHTEN_ROUNDS", "AUTO_TIGHTEN_SECONDS"]

#: ``tighten="auto"``: graphs up to this many vertices get the triangle-tightened
#: bound, AUTO_TIGHTEN_ROUNDS separation rounds within AUTO_TIGHTEN_SECONDS (it
#: stops early once the cut is proved optimal).
#: benchmarks/results/maxcut_prove/results.md has what it buys.
AUTO_TIGHTEN_MAX_N = 300
AUTO_TIGHTEN_ROUNDS = 10
AUTO_TIGHTEN_SECONDS = 10.0

#: Under a time limit each phase ends by this share of it at the latest (the
#: shares are cumulative), so that the later phases still run and the run ends
#: on time; a phase that ends early leaves its time to the next, and the
#: search has what is left. benchmarks/results/time_limits.md has the runs.
PHASE_SHARES = {"sdp": 0.5, "bound": 0.65, "derandomize": 0.85}


def phase_deadlines(start: float, time_limit: float | None, shares: dict[str, float] = PHASE_SHARES
                    ) -> dict[str, float | None]:
    """:func:`time.monotonic` times by which each phase in ``shares`` ends, and ``end`` for the run."""
    if time_limit is None:
        return {**{phase: None for phase in shares}, "end": None}
    return {**{phase: start + share * float(time_limit) for phase, share in shares.items()},
            "end": start + float(time_limit)}


#: The Goemans-Williamson constant min_theta (theta / pi) / ((1 - cos theta) / 2).
GW_ALPHA = 0.87856

_NEGATIVE_NOTE = (
    "the graph has negative weights: the bound and the derandomization guarantee hold, "
    "the 0.878 approximation ratio of Goemans-Williamson does not"
)
_NONNEGATIVE_NOTE = "non-negative weights: gw_expected >= 0.878 * sdp_value holds"


def peak_memory_mib() -> float | None:
    """This process's peak resident memory so far, in MiB (``None`` where the OS does not say).

    From :func:`resource.getrusage` (``ru_maxrss``: KiB on Linux, bytes on macOS).
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def run_status(*statuses: str | None) -> str:
    """``interrupted`` if any phase was, else ``time_limit`` if any phase stopped at it, else ``complete``."""
    if "interrupted" in statuses:
        return "interrupted"
    return "time_limit" if "time_limit" in statuses else "complete"


def positive_weight_bound(graph: Graph, seconds: float = 0.0) -> BoundResult:
    """The bound that needs no computation: no cut exceeds the sum of the positive weights.

    Used when the dual bound's own computation is interrupted, so an
    interrupted run still ends with a valid (if loose) certificate.
    """
    w = graph.weights
    total = math.fsum(w[w > 0].tolist())
    upper = math.nextafter(total, math.inf) if total > 0 else 0.0
    nan = float("nan")
    return BoundResult(upper, nan, nan, nan, "positive-weights", True, 0.0, seconds)


@dataclass(frozen=True)
class Relaxation:
    """An SDP solution and the verified upper bound it gives.

    Attributes
    ----------
    sdp : SDPResult
    bound : BoundResult
    seconds : dict
        ``sdp`` and ``bound``.
    status : str
        ``complete``; ``time_limit`` if the SDP stopped at the deadline;
        ``interrupted`` if Ctrl-C stopped the SDP or the bound (then the
        bound is :func:`positive_weight_bound`). The bound is valid in every case.
    notes : tuple of str
    """

    sdp: SDPResult
    bound: BoundResult
    seconds: dict[str, float]
    status: str
    notes: tuple[str, ...] = ()


def _rank_deficient(V: np.ndarray) -> bool:
    """Whether V's columns are numerically dependent: a rank-deficient second-order
    critical point of the factored SDP is a global optimum (Boumal, Voroninski,
    Bandeira 2020), so more columns cannot tighten the bound."""
    s = np.linalg.svd(V.T @ V, compute_uv=False)  # squared singular values of V
    return bool(s[-1] <= 1e-6 * s[0])


class _OneProcess:
    """How :func:`relax_and_bound` reaches the SDP and the bound on one process.

    A distributed run passes its own engine with the same members
    (:class:`solver.distributed.solve.ShardedEngine`); the rank-adaptation
    loop around them is the same.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.n, self.m = graph.n, graph.m

    def estimate(self, V: np.ndarray, seed: int) -> tuple[float, tuple[np.ndarray, EigenGuess | None]]:
        """The estimated bound, and what :meth:`bound` can reuse for the same V."""
        value, y, guess = estimated_upper_bound(self.graph, V, seed=seed)
        return value, (y, guess)

    def sdp(self, **kwargs) -> SDPResult:
        return burer_monteiro(self.graph, **kwargs)

    def bound(self, V: np.ndarray, seed: int, reuse: tuple[np.ndarray, EigenGuess | None] | None = None,
              deadline: float | None = None) -> BoundResult:
        y, guess = (None, None) if reuse is None else reuse
        return dual_upper_bound(self.graph, V, seed=seed, dual=y, eig_guess=guess, deadline=deadline)

    def fallback_bound(self, seconds: float) -> BoundResult:
        return positive_weight_bound(self.graph, seconds)

    def past(self, deadline: float) -> bool:
        return time.monotonic() > deadline


def relax_and_bound(
    graph: Graph,
    *,
    rank: int | None = None,
    seed: int = 0,
    generator: torch.Generator | None = None,
    device: torch.device = torch.device("cpu"),
    dtype: torch.dtype = torch.float64,
    deadline: float | None = None,
    progress: Progress | None = None,
    sdp_tol: float = SDP_TOL,
    engine=None,
    bound_deadline: float | None = None,
) -> Relaxation:
    """Solve the SDP (Burer-Monteiro) and certify the upper bound it gives (the SDP dual).

    Steps 1 and 2 of DESIGN.md section 2, shared by :func:`solve_maxcut` and
    :func:`~solver.maxcut.certify.certify_cut`.

    Parameters
    ----------
    graph : Graph
    rank : int, optional
        SDP factor rank (default :func:`~solver.maxcut.sdp.default_rank`).
    seed : int
        Seeds the eigensolver of the bound (and the SDP when no generator is given).
    generator : torch.Generator, optional
        The run's generator, drawn from for the SDP's start.
    device, dtype : torch.device, torch.dtype
        Where and in which precision the SDP runs; the bound is always float64.
    deadline : float, optional
        :func:`time.monotonic` time at which the SDP stops; the bound is then
        computed from the factor reached (it is valid for any factor).
    progress : callable, optional
        ``progress("sdp", done, total)``.
    sdp_tol : float
        Relative gradient tolerance of the Burer-Monteiro SDP (any V gives a
        valid bound; looser is faster on huge graphs, and the bound a little looser).
    engine : optional
        Where the SDP and the bound run (default: this process, on ``graph``;
        a distributed run passes its sharded engine and ``graph=None``).
    bound_deadline : float, optional
        When the bound stops refining its shift (a valid, looser bound).

    Returns
    -------
    Relaxation
    """
    engine = _OneProcess(graph) if engine is None else engine
    gen = generator if generator is not None else make_generator(seed, device)
    seconds: dict[str, float] = {}
    adaptive = rank is None and (engine.n > ADAPTIVE_RANK_ABOVE
                                 or (engine.n > 500 and 2 * engine.m <= SPARSE_DEGREE * engine.n))
    full = default_rank(engine.n)
    p = min(START_RANK, full) if adaptive else (full if rank is None else rank)
    seconds = {"sdp": 0.0, "bound": 0.0}
    ranks: list[int] = []
    prev = None
    gap = prev_gap = None
    while True:
        reuse = None
        ranks.append(p)
        if isinstance(engine, _OneProcess):  # a shard's process holds only its part
            check_run(engine.n, engine.m, p)
        t = time.monotonic()
        sdp = engine.sdp(rank=p, seed=gen, device=device, dtype=dtype, deadline=deadline,
                         progress=for_phase(progress, "sdp"), init=prev, tol=sdp_tol)
        took = time.monotonic() - t
        seconds["sdp"] += took
        notes = [] if sdp.status == "converged" else [f"sdp: {sdp.message}"]
        status = sdp.status
        # under a time limit, a doubled rank is tried only if the SDP could run again as long before its deadline
        if (adaptive and p < full and status == "converged"
                and not (deadline is not None and engine.past(deadline - took))):
            # Whether doubling the rank is worth it, from an estimate of the
            # bound (a short eigensolver run); the verified bound, the costly
            # part (G55: 8 s a time), is then computed once, at the last rank.
            t = time.monotonic()
            estimate, reuse = engine.estimate(sdp.V, seed)
            gap = (estimate - sdp.value) / max(abs(sdp.value), 1e-300)
            seconds["bound"] += time.monotonic() - t
            helped = prev_gap is None or gap <= 0.5 * prev_gap
            if gap > RANK_GAP and helped and not _rank_deficient(sdp.V):
                prev, prev_gap, p = sdp.V, gap, min(2 * p, full)
                continue
        t = time.monotonic()
        try:
            bound = engine.bound(sdp.V, seed, reuse, deadline=bound_deadline)
        except KeyboardInterrupt:
            bound = engine.fallback_bound(time.monotonic() - t)
            status = "interrupted"
            notes.append("bound: interrupted; the upper bound is the sum of the positive weights")
        seconds["bound"] += time.monotonic() - t
        gap = (bound.upper_bound - sdp.value) / max(abs(sdp.value), 1e-300)
        break
    if len(ranks) > 1 or adaptive:
        notes.append(f"sdp: adaptive rank {' -> '.join(map(str, ranks))} (bound gap {gap:.1e})")
    return Relaxation(sdp, bound, seconds, run_status(status), tuple(notes))


def bound_certificate(graph: Graph, cut_value: float, sdp: SDPResult, bound: BoundResult,
                      gw_expected: float, *, tightened: TightenedBound | None = None,
                      proof: ProofResult | None = None) -> dict:
    """The certificate keys every MAX-CUT answer shares, however it was found.

    ``n``, ``m``, ``total_weight``, ``cut_value``, ``sdp_value``,
    ``upper_bound`` (the smallest valid bound: basic SDP, triangle-tightened,
    or branch and bound's global bound), ``basic_upper_bound``,
    ``certified_ratio`` (cut / upper bound; ``nan`` when the bound is not
    positive), ``proved_optimal``, ``global_upper_bound`` (``None`` without
    a proof run), ``gw_expected``, and the ``sdp``, ``bound``, ``tighten``
    and ``proof`` records (the last two ``None`` when not run).
    """
    upper = _best_bound(bound, tightened, proof)
    return {
        "n": graph.n,
        "m": graph.m,
        "total_weight": graph.total_weight,
        "cut_value": cut_value,
        "sdp_value": sdp.value,
        "upper_bound": upper,
        "basic_upper_bound": bound.upper_bound,
        "certified_ratio": cut_value / upper if upper > 0 else float("nan"),
        "proved_optimal": _proved(graph, cut_value, upper, proof),
        "global_upper_bound": None if proof is None else proof.global_upper_bound,
        "gw_expected": gw_expected,
        "sdp": sdp.to_dict(),
        "bound": bound.to_dict(),
        "tighten": None if tightened is None else tightened.to_dict(cut_value),
        "proof": None if proof is None else proof.to_dict(),
    }


def _best_bound(bound: BoundResult, tightened: TightenedBound | None, proof: ProofResult | None) -> float:
    candidates = [bound.upper_bound]
    if tightened is not None:
        candidates.append(tightened.upper_bound)
    if proof is not None:
        candidates.append(proof.global_upper_bound)
    return min(candidates)


def _proved(graph: Graph, cut_value: float, upper: float, proof: ProofResult | None) -> bool:
    """Proved optimal: by branch and bound, or a bound with no integer (or tolerance-sized) room above the cut."""
    if proof is not None and proof.proved_optimal and proof.cut_value <= cut_value:
        return True
    optimal = _optimal_cut_at(graph, upper)
    return optimal is not None and cut_value >= optimal


@dataclass(frozen=True)
class TightenBudget:
    """What the tightening may spend: seconds, and separation rounds (``auto`` stops by rounds, so a run is
    reproducible unless the seconds cap it)."""

    seconds: float
    rounds: int
    auto: bool = False


def tighten_budget(graph: Graph, tighten: float | str | None) -> TightenBudget | None:
    """The tightening ``tighten`` asks for: seconds, ``None``/``"off"`` (none), or ``"auto"``
    (AUTO_TIGHTEN_ROUNDS rounds within AUTO_TIGHTEN_SECONDS, on graphs of at most AUTO_TIGHTEN_MAX_N vertices)."""
    if tighten is None or tighten == "off":
        return None
    if tighten == "auto":
        if graph.n > AUTO_TIGHTEN_MAX_N:
            return None
        return TightenBudget(AUTO_TIGHTEN_SECONDS, AUTO_TIGHTEN_ROUNDS, auto=True)
    check_option(isinstance(tighten, (int, float)) and not isinstance(tighten, bool) and tighten > 0
                 and math.isfinite(tighten), "tighten", "a positive number of seconds, 'auto' or 'off'", tighten)
    if graph.n > TIGHTEN_LIMIT:
        raise OptionError(f"tightening works on dense n x n matrices and takes at most {TIGHTEN_LIMIT} vertices; "
                          f"this graph has {graph.n} (use tighten 'off')")
    return TightenBudget(float(tighten), 10 ** 9)


def _prune_target(graph: Graph, cut: float) -> float | None:
    """A bound below this proves ``cut`` optimal: cut + 1 for integer weights (floor(bound) <= cut)."""
    w = graph.weights
    if np.all(np.isfinite(w)) and np.array_equal(w, np.round(w)):
        return cut + 1.0 - 1e-6
    return None


class BoundedCut:
    """What a solved cut and a certified one share: the best valid bound, and the cut's ratio to it.

    Needs ``bound``, ``tightened``, ``proof`` and ``cut_value``.
    """

    @property
    def upper_bound(self) -> float:
        """The best valid bound: the basic SDP's, the tightened one, or the proof's global bound."""
        return _best_bound(self.bound, self.tightened, self.proof)

    @property
    def certified_ratio(self) -> float:
        return self.cut_value / self.upper_bound if self.upper_bound > 0 else float("nan")

    def run_record(self) -> dict:
        """The certificate's closing keys: seconds per phase, peak memory, seed, device, dtype, notes."""
        return {"seconds": dict(self.seconds), "peak_memory_mib": self.peak_memory_mib, "seed": self.seed,
                "device": self.device, "dtype": self.dtype, "notes": list(self.notes)}


@dataclass(frozen=True)
class MaxCutResult(BoundedCut):
    """A cut with everything that certifies it.

    ``certificate()`` is the JSON-ready record documented in the README.
    """

    graph: Graph
    sides: np.ndarray
    cut_value: float
    sdp: SDPResult
    bound: BoundResult
    derandomization: DerandomizationResult
    polish: LocalSearchResult | None
    seconds: dict[str, float]
    seed: int
    device: str
    dtype: str
    status: str
    notes: tuple[str, ...] = field(default=())
    peak_memory_mib: float | None = None
    improvement: ImprovementResult | None = None
    best_found_seconds: float | None = None
    tightened: TightenedBound | None = None
    proof: ProofResult | None = None

    @property
    def proved_optimal(self) -> bool:
        return _proved(self.graph, self.cut_value, self.upper_bound, self.proof)

    def certificate(self) -> dict:
        g = self.graph
        d = self.derandomization
        nonnegative = not g.has_negative_weights
        sosp = {
            "reached": bool(d.sosp.is_sosp) if d.sosp is not None else False,
            **(d.sosp.to_dict() if d.sosp is not None else {}),
            "v_norm_start": d.v_norm_start,
            "v_norm_at_decision": d.v_norm_at_decision,
            "v_norm_final": d.v_norm_final,
            "max_flip_probability": d.max_flip_probability,
            "iterations": d.iterations,
            "kicks": d.kicks,
            "status": d.status,
            "message": d.message,
        }
        common = bound_certificate(g, self.cut_value, self.sdp, self.bound, d.gw_expected, tightened=self.tightened,
                                   proof=self.proof)
        records = {k: common.pop(k) for k in ("sdp", "bound", "tighten", "proof")}
        return {
            "version": __version__,
            "problem": "maxcut",
            "instance": g.name,
            "status": self.status,
            **common,
            "derandomized_cut": d.cut,
            "polished_cut": None if self.polish is None else self.polish.cut,
            "improved_cut": None if self.improvement is None else self.improvement.cut,
            "best_found_seconds": self.best_found_seconds,
            "guarantee": {
                "lower_bound": d.guarantee,
                "gw_expected": d.gw_expected,
                "reg": d.reg,
                "reg_cost": d.reg_cost,
                "v0_norm_sq": d.v_norm_start ** 2,
                "met": d.guarantee_met,
                "statement": "derandomized_cut >= gw_expected - reg * ||V_0||_F^2",
                "nonnegative_weights": nonnegative,
                "gw_ratio_bound": GW_ALPHA * self.sdp.value if nonnegative else None,
                "note": _NONNEGATIVE_NOTE if nonnegative else _NEGATIVE_NOTE,
            },
            "sosp": sosp,
            "iterations": {"sdp": self.sdp.iterations, "derandomize": d.iterations,
                           "polish_flips": None if self.polish is None else self.polish.flips,
                           "improve_moves": None if self.improvement is None else self.improvement.moves},
            **records,
            "derandomization": d.to_dict(),
            "polish": None if self.polish is None else self.polish.to_dict(),
            "improve": None if self.improvement is None else self.improvement.to_dict(),
            **self.run_record(),
        }


@single_thread_below(lambda graph, *_, **__: 16 * max(graph.m, graph.n))
def solve_maxcut(
    graph: Graph,
    *,
    rank: int | None = None,
    reg: float | None = None,
    polish: bool = True,
    improve: bool = True,
    improve_time: float | None = None,
    max_iters: int = 3000,
    time_limit: float | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: str | torch.dtype = "float64",
    progress: Progress | None = None,
    sdp_tol: float = SDP_TOL,
    workers: int = 1,
    tighten: float | str | None = None,
    prove: bool = False,
    head_start: HeadStart | None = None,
) -> MaxCutResult:
    """Find a large cut of ``graph`` and certify it.

    Pipeline (DESIGN.md section 2):

    1. Burer-Monteiro SDP (rank ceil(sqrt(2n)) + 1 by default).
    2. Dual upper bound from the SDP factor, with a verified eigenvalue shift.
    3. Derandomized Goemans-Williamson rounding by PGD to an SOSP (V = 0).
    4. Single-flip local search that only raises the cut (unless ``polish=False``).
    5. The improvement phase (:func:`~solver.maxcut.improve.improve_cut`):
       annealing runs restarted from the best cut, each followed by a
       breakout local search episode (Benlic & Hao 2013), keeping the best
       cut seen, so it never lowers it (unless ``improve=False`` or
       ``polish=False``).
    6. With ``tighten``: the SDP bound tightened by triangle inequalities
       (:func:`~solver.maxcut.tighten.tightened_upper_bound`); with
       ``prove``: branch and bound on it
       (:func:`~solver.maxcut.prove.prove_maxcut`), which may also improve
       the cut. Skipped when the basic bound already proves the cut optimal.

    Parameters
    ----------
    graph : Graph
    rank : int, optional
        SDP factor rank.
    reg : float, optional
        The derandomization's lam (default: 0.003 sum|w| / n).
    polish : bool
        Run the local search (and the improvement phase after it).
    improve : bool
        Run the improvement phase after the polish.
    improve_time : float, optional
        Seconds for the improvement phase. Default: the time left before
        ``time_limit`` if one is given; else 24 rounds, or 12 rounds in a row
        without a better cut (reproducible), capped at
        :func:`~solver.maxcut.improve.default_time_cap` (1 s + 1 s per 1000
        vertices, at most 10 s). It also stops once the cut meets the
        certified upper bound (then provably optimal).
    max_iters : int
        PGD iteration budget.
    time_limit : float, optional
        Seconds for the whole run; each phase stops at it with the best
        answer so far (the bound stays valid). The improvement phase uses
        the time left: that is its normal end, so it alone does not make
        the status ``time_limit``.
    seed : int
        Makes a run reproducible on one device (with ``time_limit`` or
        ``improve_time``, where the improvement phase stops depends on the
        clock).
    device : {"auto", "cpu", "cuda"}
    dtype : {"float64", "float32"}
        Working precision of the SDP and the derandomization; the cut and the
        bound are always computed in float64.
    progress : callable, optional
        ``progress(phase, done, total)``.
    sdp_tol : float
        Relative gradient tolerance of the Burer-Monteiro SDP (any V gives a
        valid bound; looser is faster on huge graphs, and the bound a little looser).
    workers : int
        Independent searches of the improvement phase, run side by side in
        threads (one CPU core each); the best cut wins. Chain 0 starts from
        the polished derandomized cut and makes the one-worker moves, so with
        the default round budget the cut is at least the one-worker cut.
        Chains 1 to ``workers`` - 1 start with the run, from random cuts
        (:class:`~solver.maxcut.improve.HeadStart`), and search while the
        SDP, the bound and the derandomization run on torch's threads, which
        are held to the cores the chains leave (at least one). Under a clock
        they stop with chain 0; under the round budget each runs its own
        rounds (reproducible).
    tighten : float, "auto", "off" or None
        Seconds for the triangle tightening (it stops early once the cut is
        proved optimal); ``"auto"``: :data:`AUTO_TIGHTEN_ROUNDS` separation
        rounds within :data:`AUTO_TIGHTEN_SECONDS`, on graphs of at most
        :data:`AUTO_TIGHTEN_MAX_N` vertices; ``None``/``"off"``: none.
        With ``prove``, the root's tightening budget (``"auto"``: at most
        60 s and a third of the time limit).
    prove : bool
        Branch and bound until the cut is proved optimal, or ``time_limit``
        (the result then carries the global bound over the open nodes). With
        a time limit and no ``improve_time``, the improvement phase keeps its
        default budget and the search gets the rest.

    Returns
    -------
    MaxCutResult

    Examples
    --------
    >>> from solver.graph import Graph
    >>> square = Graph.from_edges(4, [0, 1, 2, 3], [1, 2, 3, 0])
    >>> result = solve_maxcut(square, device="cpu")
    >>> result.cut_value, round(result.upper_bound, 6)
    (4.0, 4.0)
    """
    start = time.monotonic()
    check_run_options(seed, time_limit, improve_time=improve_time, sdp_tol=sdp_tol, workers=workers)
    check_option(isinstance(prove, bool), "prove", "True or False", prove)
    if prove and graph.n > TIGHTEN_LIMIT:
        raise OptionError(f"prove works on dense n x n matrices and takes at most {TIGHTEN_LIMIT} vertices; "
                          f"this graph has {graph.n}")
    budget = tighten_budget(graph, tighten)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    deadlines = phase_deadlines(start, time_limit)
    deadline = deadlines["end"]
    gen = make_generator(seed, dev)
    head = head_start
    if head is None and polish and improve:  # chains 1.. search from random cuts on the cores torch leaves idle
        head = head_start_for(graph, workers=workers, seed=seed, improve_time=improve_time, time_limit=time_limit,
                              deadline=deadline)

    # the chains of a head start each hold a core: torch gets the others, at least one
    busy = 0 if head is None else head.workers - 1
    with head if head is not None else contextlib.nullcontext():
        with torch_threads(available_cores() - busy):
            relax, derand, seconds, notes, deadline = _front(graph, rank, reg, max_iters, seed, gen, dev, dt,
                                                             deadlines, sdp_tol, progress)
        return finish_maxcut(graph, relax, derand, seconds=seconds, notes=notes, start=start, deadline=deadline,
                             polish=polish, improve=improve, improve_time=improve_time, time_limit=time_limit,
                             seed=seed, device=dev, dtype=dt, progress=progress, workers=workers, head_start=head,
                             tighten=budget, prove=prove)


def _front(graph: Graph, rank, reg, max_iters, seed, gen, dev, dt, deadlines: dict, sdp_tol, progress):
    """Steps 1 to 3 (SDP, bound, derandomization): (relaxation, derandomization, seconds, notes, deadline)."""
    deadline = deadlines["end"]
    relax = relax_and_bound(graph, rank=rank, seed=seed, generator=gen, device=dev, dtype=dt,
                            deadline=deadlines["sdp"], bound_deadline=deadlines["bound"], sdp_tol=sdp_tol,
                            progress=progress)
    sdp = relax.sdp
    seconds = dict(relax.seconds)
    notes = list(relax.notes)
    if relax.status == "interrupted":
        # Ctrl-C: finish at once with the best answer. The remaining phases stop
        # at their first deadline check, which is what a past deadline means.
        deadline = time.monotonic()

    t = time.monotonic()
    optimal = _optimal_cut_at(graph, relax.bound.upper_bound)
    check_derandomize(graph.n, graph.m, sdp.V.shape[1])
    derand = derandomize(graph, sdp.V, reg=reg, max_iters=max_iters, seed=gen, device=dev, dtype=dt,
                         deadline=deadline if relax.status == "interrupted" else deadlines["derandomize"],
                         target=optimal, progress=for_phase(progress, "derandomize"))
    seconds["derandomize"] = time.monotonic() - t
    if derand.status == "interrupted":
        deadline = time.monotonic()
    return relax, derand, seconds, notes, deadline


def finish_maxcut(graph: Graph, relax: Relaxation, derand: DerandomizationResult, *, seconds: dict[str, float],
                  notes: list[str], start: float, deadline: float | None, polish: bool, improve: bool,
                  improve_time: float | None, time_limit: float | None, seed: int, device: torch.device,
                  dtype: torch.dtype, progress: Progress | None, workers: int = 1,
                  head_start: HeadStart | None = None, tighten: TightenBudget | None = None,
                  prove: bool = False) -> MaxCutResult:
    """Steps 4 to 6 of :func:`solve_maxcut` (polish, improvement, tightening or proof) and its result, from the
    derandomized cut.

    Sequential local search on the whole graph: a distributed run calls this
    on rank 0 only. ``head_start``: the improvement's chains 1.., already
    running. ``tighten``: from :func:`tighten_budget`; with ``prove``, an explicit one is the root's
    (``auto``: the proof's default).
    """
    sdp, bound = relax.sdp, relax.bound
    dev, dt = device, dtype
    sides, cut = derand.sides, derand.cut
    best_found = time.monotonic() - start
    polished = None
    polish_status = None
    improved = None
    if polish:
        t = time.monotonic()
        try:
            polished = one_flip_local_search(graph, sides, deadline=deadline)
        except KeyboardInterrupt:
            polish_status = "interrupted"
            notes.append("polish: interrupted; the answer is the derandomized cut")
        seconds["polish"] = time.monotonic() - t
        if polished is not None:
            polish_status = polished.status
            if polished.cut >= cut:
                if polished.cut > cut:
                    best_found = time.monotonic() - start
                sides, cut = polished.sides, polished.cut
    if polished is not None and improve:
        t = time.monotonic()
        # a proof or a tightening after it needs time: the improvement keeps its own budget then
        budget, rounds, stall = improve_budget(graph, improve_time,
                                                None if (prove or tighten is not None) else time_limit)
        improved = improve_cut(graph, sides, seed=seed, time_limit=budget, max_rounds=rounds, max_stall=stall,
                               deadline=deadline, target=_optimal_cut_at(graph, bound.upper_bound), workers=workers,
                               head_start=head_start, progress=for_phase(progress, "improve"))
        seconds["improve"] = time.monotonic() - t
        if improved.stop == "interrupted":
            polish_status = "interrupted"
            notes.append("improve: interrupted; the answer is the best cut found before")
        if improved.engine == "python":
            notes.append("improve: numba is not importable; the search ran as plain Python (far fewer moves)")
        if improved.cut > cut:
            best_found = t - start + improved.warmup_seconds + improved.best_found_seconds
            sides, cut = improved.sides, improved.cut

    tightened = proof = None
    if polish_status != "interrupted":
        t = time.monotonic()
        tightened, proof = tighten_or_prove(graph, sides, sdp.V, bound.upper_bound, tighten=tighten, prove=prove,
                                            deadline=deadline, seed=seed, progress=progress)
        if proof is not None:
            seconds["prove"] = time.monotonic() - t
            notes.extend(proof.notes)
            if proof.status in ("interrupted", "time_limit") and polish_status != "interrupted":
                polish_status = proof.status  # the run's clock or Ctrl-C ended the search
            if proof.cut_value > cut:
                best_found = time.monotonic() - start
                sides, cut = proof.sides, proof.cut_value
        elif tightened is not None:
            seconds["tighten"] = time.monotonic() - t
            if tightened.stop == "interrupted":
                polish_status = "interrupted"
                notes.append("tighten: interrupted; the bound is the best verified one by then")
    seconds["total"] = time.monotonic() - start

    status = run_status(relax.status, sdp.status, derand.status, polish_status)
    if derand.status not in ("stopped", "sosp"):
        notes.append(f"derandomization: {derand.message}")
    return MaxCutResult(graph, np.asarray(sides, dtype=bool), graph.cut_value(sides), sdp, bound, derand, polished,
                        seconds, seed, str(dev), str(dt).replace("torch.", ""), status, tuple(notes),
                        peak_memory_mib(), improved, best_found, tightened, proof)


def tighten_or_prove(graph: Graph, sides: np.ndarray, V: np.ndarray, basic_bound: float, *,
                     tighten: TightenBudget | None, prove: bool, deadline: float | None, seed: int,
                     progress: Progress | None) -> tuple[TightenedBound | None, ProofResult | None]:
    """Step 6 of :func:`solve_maxcut`, shared with :func:`~solver.maxcut.certify.certify_cut`: the tightened
    bound, or branch and bound, for the cut ``sides``; nothing when the basic bound already proves it optimal."""
    optimal = _optimal_cut_at(graph, basic_bound)
    cut = graph.cut_value(sides)
    if not (prove or tighten is not None) or (optimal is not None and cut >= optimal):
        return None, None
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    if prove:
        root_time = None if tighten is None or tighten.auto else tighten.seconds
        return None, prove_maxcut(graph, sides, V, root_bound=basic_bound, time_limit=left, root_time=root_time,
                                  seed=seed, progress=progress)
    with thread_budget(dense_work(graph.n)):
        return tightened_upper_bound(graph, V, time_limit=tighten.seconds if left is None else min(tighten.seconds, left),
                                     max_rounds=tighten.rounds, start_bound=basic_bound,
                                     target=_prune_target(graph, cut), seed=seed, progress=progress), None


def _optimal_cut_at(graph: Graph, upper_bound: float) -> float | None:
    """A cut value that is provably optimal, if reached: floor(upper bound) for integer weights."""
    w = graph.weights
    if not np.all(np.isfinite(w)) or not np.array_equal(w, np.round(w)) or not math.isfinite(upper_bound):
        return None
    return float(math.floor(upper_bound + 1e-9 * max(1.0, abs(upper_bound))))


def check_run_options(seed, time_limit, *, improve_time=None, sdp_tol=SDP_TOL, workers=1) -> None:
    """Validate the options every MAX-CUT entry point shares, in the library's wording."""
    check_integer("seed", seed)
    check_seconds("time_limit", time_limit)
    check_seconds("improve_time", improve_time)
    check_option(isinstance(sdp_tol, (int, float)) and 0 < sdp_tol < 1, "sdp_tol", "a number in (0, 1)", sdp_tol)
    check_integer("workers", workers, minimum=1)
