"""The MAX-CUT pipeline on a torch.distributed process group.

Who does what (every rank runs :func:`solve_maxcut_distributed`):

========================  ===================================================
read the graph            rank 0, once; it cuts the vertices into contiguous
                          blocks (:func:`~.partition.partition_vertices`) and
                          scatters one :class:`~.partition.GraphShard` to each
                          rank
SDP (Burer-Monteiro)      rows of V and L sharded, ghost rows exchanged per
                          product, scalars all-reduced (:mod:`.sdp`)
dual bound                y from the shards; eigensolver products sharded;
                          the verification on rank 0, as on one process
                          (:mod:`.bound`)
derandomization           (V, mu) whole on every rank, the edge sums (E[cut],
                          its gradient, the GW value, the cut) per shard and
                          all-reduced: every rank takes the same steps
polish, improvement       rank 0 alone, on the whole graph (sequential by
                          nature, O(m) memory); it also writes the outputs
========================  ===================================================

Randomness: rank 0's generator state is broadcast once at the start, so every
rank draws exactly rank 0's numbers (the SDP start, the tilt and kicks of the
derandomization, its Lanczos start): a distributed run follows the same
trajectory as a single-process run with the same seed, up to the rounding of
sums taken in another order.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

from ..core.device import make_generator, resolve_dtype
from ..core.progress import Progress, for_phase
from ..errors import DistributedError, check_integer
from ..graph import Graph
from ..maxcut.bound import BoundResult, EigenGuess
from ..maxcut.derandomize import REG_FACTOR, derandomize_edges
from ..maxcut.objective import EdgeData
from ..maxcut.sdp import SDP_TOL, SDPResult, burer_monteiro_rows
from ..maxcut.solve import (MaxCutResult, _optimal_cut_at, check_run_options, finish_maxcut, phase_deadlines,
                            relax_and_bound)
from .bound import on_root, sharded_dual_upper_bound, sharded_estimated_upper_bound
from .group import ProcessGroup
from .partition import GraphShard, partition_vertices, shard_graph
from .sdp import ShardedLaplacianRows

__all__ = ["ShardedEngine", "scatter_graph", "solve_maxcut_distributed", "sync_generator"]


def scatter_graph(group: ProcessGroup, load: Callable[[], Graph]) -> tuple[Graph | None, GraphShard]:
    """Rank 0 calls ``load()``, partitions and scatters; every rank gets its shard.

    Returns ``(graph, shard)`` on rank 0 and ``(None, shard)`` elsewhere. An
    error on rank 0 (a bad file, more ranks than vertices) is raised on every
    rank, so none waits for a scatter that never comes.
    """
    def build():
        graph = load()
        if graph.n < group.world_size:
            raise DistributedError(f"{graph.name or 'the graph'} has {graph.n} vertices, fewer than the "
                                   f"{group.world_size} ranks: run fewer processes")
        degrees = np.bincount(graph.edges.ravel(), minlength=graph.n)
        return graph, shard_graph(graph, partition_vertices(degrees, group.world_size))

    built = None

    def build_on_root():
        nonlocal built
        built = build()
        return True

    on_root(group, build_on_root)
    graph, shards = built if group.is_root else (None, None)
    shard = group.scatter_objects(shards)
    return graph, shard


def sync_generator(gen: torch.Generator, group: ProcessGroup) -> torch.Generator:
    """Give every rank rank 0's generator state (then all draw rank 0's numbers)."""
    gen.set_state(group.broadcast_object(gen.get_state() if group.is_root else None))
    return gen


class ShardedEngine:
    """The SDP and the bound of :func:`~solver.maxcut.solve.relax_and_bound`, on the shards."""

    def __init__(self, shard: GraphShard, group: ProcessGroup, graph: Graph | None):
        self.shard, self.group, self.graph = shard, group, graph
        self.n, self.m = shard.n, shard.m

    def sdp(self, *, rank: int, device: torch.device, dtype: torch.dtype, **kwargs) -> SDPResult:
        check_integer("rank", rank, minimum=1)
        rows = ShardedLaplacianRows(self.shard, self.group, device, dtype)
        return burer_monteiro_rows(rows, rank=rank, device=device, dtype=dtype, **kwargs)

    def bound(self, V: np.ndarray, seed: int, reuse: EigenGuess | None = None,
              deadline: float | None = None) -> BoundResult:
        return sharded_dual_upper_bound(self.shard, self.group, V, seed=seed, graph=self.graph, deadline=deadline,
                                        eig_guess=reuse)

    def estimate(self, V: np.ndarray, seed: int) -> tuple[float, EigenGuess | None]:
        # The single process's estimate, its products sharded: a rank doubling
        # is decided on the same evidence as on one process.
        return sharded_estimated_upper_bound(self.shard, self.group, V, seed=seed, graph=self.graph)

    def fallback_bound(self, seconds: float) -> BoundResult:
        raise DistributedError("interrupted during the bound; a distributed run keeps no partial answer")

    def past(self, deadline: float) -> bool:
        return self.group.any(time.monotonic() > deadline)


def solve_maxcut_distributed(
    group: ProcessGroup,
    load: Callable[[], Graph],
    *,
    rank: int | None = None,
    reg: float | None = None,
    polish: bool = True,
    improve: bool = True,
    improve_time: float | None = None,
    max_iters: int = 3000,
    time_limit: float | None = None,
    seed: int = 0,
    dtype: str | torch.dtype = "float64",
    progress: Progress | None = None,
    sdp_tol: float = SDP_TOL,
    workers: int = 1,
) -> MaxCutResult | None:
    """:func:`~solver.maxcut.solve.solve_maxcut` with the heavy phases sharded over ``group``.

    Every rank of the group calls this with the same options. The SDP, the
    bound's eigensolver products and the derandomization's edge sums are
    shared out (see the module's table); the polish and the improvement run
    on rank 0, which returns the :class:`~solver.maxcut.solve.MaxCutResult`
    (the same certificate keys as a single-process run); the other ranks
    return ``None``.

    Parameters
    ----------
    group : ProcessGroup
        From :func:`~solver.distributed.group.init_process_group`; its device
        is where each rank computes.
    load : callable
        ``() -> Graph``, called on rank 0 only (reads the file).
    rank, reg, polish, improve, improve_time, max_iters, time_limit, seed, dtype, progress, sdp_tol, workers
        As in :func:`~solver.maxcut.solve.solve_maxcut`; ``progress`` is used
        on rank 0 only. The improvement's ``workers`` chains all start on
        rank 0 from the derandomized cut: there is no head start beside the
        sharded SDP, whose ranks already hold the cores.

    Raises
    ------
    DerandError
        On every rank, whichever rank found the problem.
    """
    start = time.monotonic()
    check_run_options(seed, time_limit, improve_time=improve_time, sdp_tol=sdp_tol, workers=workers)
    dev = group.device
    dt = resolve_dtype(dtype)
    progress = progress if group.is_root else None

    graph, shard = scatter_graph(group, load)
    seconds_read = time.monotonic() - start
    deadlines = phase_deadlines(start, time_limit)
    deadline = deadlines["end"]
    gen = sync_generator(make_generator(seed, dev), group)

    relax = relax_and_bound(graph, rank=rank, seed=seed, generator=gen, device=dev, dtype=dt,
                            deadline=deadlines["sdp"], bound_deadline=deadlines["bound"], sdp_tol=sdp_tol,
                            progress=progress, engine=ShardedEngine(shard, group, graph))
    seconds = {"read": seconds_read, **relax.seconds}

    t = time.monotonic()
    reg = REG_FACTOR * shard.abs_weight / shard.n if reg is None else float(reg)
    edges = EdgeData(shard.n, shard.edges, shard.weights, device=dev, dtype=dt)
    derand = derandomize_edges(
        edges, relax.sdp.V, reg=reg, cut_value=lambda sides: group.total_float(shard.cut_value(sides)),
        total=group.total, max_iters=max_iters, seed=gen, device=dev, dtype=dt,
        deadline=None if deadline is None else (lambda: group.any(time.monotonic() > deadlines["derandomize"])),
        target=group.broadcast_object(_optimal_cut_at(graph, relax.bound.upper_bound) if group.is_root else None),
        progress=for_phase(progress, "derandomize"))
    seconds["derandomize"] = time.monotonic() - t
    if not group.is_root:
        return None

    blocks = shard.partition.counts
    notes = list(relax.notes) + [
        f"distributed: {group.world_size} ranks ({group.backend}), vertex blocks of {min(blocks)}-{max(blocks)}, "
        f"{shard.max_boundary} boundary rows per rank and exchange; polish and improvement on rank 0"]
    return finish_maxcut(graph, relax, derand, seconds=seconds, notes=notes, start=start, deadline=deadline,
                         polish=polish, improve=improve, improve_time=improve_time, time_limit=time_limit, seed=seed,
                         device=dev, dtype=dt, progress=progress, workers=workers)
