"""MAX-CUT beyond one machine: the heavy phases sharded over torch.distributed.

Launched by torchrun (gloo on CPUs, NCCL on GPUs)::

    torchrun --nproc-per-node 2 -m solver maxcut GRAPH

or from Python, in every process of a group::

    from solver.distributed import init_process_group, solve_maxcut_distributed, shutdown
    group = init_process_group("cpu")
    result = solve_maxcut_distributed(group, lambda: read_graph("g.txt"))  # None except on rank 0
    shutdown()

Modules: :mod:`.group` (the process group and its collectives),
:mod:`.partition` (vertex blocks, shards), :mod:`.sdp` (sharded
Burer-Monteiro rows with ghost exchange), :mod:`.bound` (sharded eigensolver
products, verification on rank 0), :mod:`.solve` (the pipeline).
"""

import torch.distributed as dist

from .bound import ShardedDualOperator, sharded_dual_upper_bound, sharded_estimated_upper_bound
from .group import ProcessGroup, init_process_group, launched_by_torchrun
from .partition import GraphShard, VertexPartition, partition_vertices, shard_graph
from .sdp import GhostExchange, ShardedLaplacianRows
from .solve import ShardedEngine, scatter_graph, solve_maxcut_distributed, sync_generator


def shutdown() -> None:
    """Leave the process group, if this process joined one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


__all__ = [
    "GhostExchange",
    "GraphShard",
    "ProcessGroup",
    "ShardedDualOperator",
    "ShardedEngine",
    "ShardedLaplacianRows",
    "VertexPartition",
    "init_process_group",
    "launched_by_torchrun",
    "partition_vertices",
    "scatter_graph",
    "shard_graph",
    "sharded_dual_upper_bound",
    "sharded_estimated_upper_bound",
    "shutdown",
    "solve_maxcut_distributed",
    "sync_generator",
]
