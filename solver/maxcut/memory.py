"""What a MAX-CUT run needs in memory, estimated from the file size, n, m and the SDP rank.

Linear models whose constants are measured peaks with a margin
(``benchmarks/results/memory_model.md``, made by ``benchmarks/memory_model.py``;
an estimate must not be below any measured peak). They are checked before
the graph is read, before the SDP at each rank and before the
derandomization, so that a graph too large for the machine stops at once
with a message instead of being killed by the system after minutes of work.
"""

from __future__ import annotations

import os

from ..core.memory import check_memory

__all__ = ["read_estimate", "run_estimate", "derandomize_estimate", "chains_estimate", "check_read", "check_run",
           "check_derandomize", "check_chains"]

_MIB = 2 ** 20
# Bytes per unit, rounded up from benchmarks/results/memory_model.md.
_READ_PER_FILE_BYTE = 24.0  # text parse, edge arrays and the Laplacian
_PER_EDGE_COLUMN = 36.0  # SDP and derandomization, per edge and factor column
_PER_VERTEX_COLUMN = 240.0
_DERAND_PER_EDGE_COLUMN = 32.0
_DERAND_PER_VERTEX_COLUMN = 200.0
_SLACK = 64 * _MIB  # allocator slack, small graphs
# Each search chain's own copy of the graph, counted from its arrays: both
# directions of every edge as an int64 neighbour and a float64 weight, the
# edge list again, and a few int64/float64 arrays per vertex.
_CHAIN_PER_EDGE = 64.0
_CHAIN_PER_VERTEX = 64.0


def read_estimate(file_bytes: int) -> float:
    """Bytes reading a graph file of this size may add."""
    return _SLACK + _READ_PER_FILE_BYTE * file_bytes


def run_estimate(n: int, m: int, rank: int) -> float:
    """Bytes the SDP and everything after it may add at the run's peak, the graph already read."""
    return _SLACK + rank * (_PER_EDGE_COLUMN * m + _PER_VERTEX_COLUMN * n)


def derandomize_estimate(n: int, m: int, rank: int) -> float:
    """Bytes the derandomization may add (its closed-form expectation holds per-edge tensors)."""
    return _SLACK + rank * (_DERAND_PER_EDGE_COLUMN * m + _DERAND_PER_VERTEX_COLUMN * n)


def chains_estimate(n: int, m: int, chains: int) -> float:
    """Bytes ``chains`` search chains add, each with its own copy of the graph."""
    return chains * (_CHAIN_PER_EDGE * m + _CHAIN_PER_VERTEX * n)


def check_read(path: str | os.PathLike) -> None:
    """Before reading: refuse a file whose parse alone would not fit."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return  # the reader reports a missing file
    check_memory(f"reading {os.fspath(path)} ({size / _MIB:,.0f} MiB)", read_estimate(size),
                 advice="the graph alone does not fit on this machine")


def check_run(n: int, m: int, rank: int) -> None:
    """Before the SDP at ``rank``: the run from here on."""
    check_memory(f"the SDP and derandomization at rank {rank} (n = {n:,}, m = {m:,})", run_estimate(n, m, rank),
                 advice="a lower --rank needs less (memory grows with it)")


def check_derandomize(n: int, m: int, rank: int) -> None:
    check_memory(f"the derandomization at rank {rank} (n = {n:,}, m = {m:,})", derandomize_estimate(n, m, rank),
                 advice="a lower --rank needs less (memory grows with it)")


def check_chains(n: int, m: int, chains: int) -> None:
    """Before the improvement's chains start: their copies of the graph."""
    check_memory(f"{chains} search chain(s) (n = {n:,}, m = {m:,})", chains_estimate(n, m, chains),
                 advice="fewer --workers need less (each search holds its own copy of the graph)")
