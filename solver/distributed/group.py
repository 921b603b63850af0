"""The process group: started from torchrun's environment, and the few collectives derand uses.

torchrun (``python -m torch.distributed.run``) starts one process per rank
and sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT``; :func:`init_process_group` reads them. The backend follows
the device: gloo on CPUs, NCCL on CUDA GPUs (one GPU per rank, ``cuda:LOCAL_RANK``).

Every collective here is called by all ranks in the same order; the
algorithms that use them keep every control decision (stopping tests,
deadlines) on values that all ranks share, so no rank waits on a call the
others never make.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
import torch.distributed as dist

from ..core.device import resolve_device
from ..core.machine import launched_by_torchrun
from ..errors import DistributedError

__all__ = ["ProcessGroup", "init_process_group", "launched_by_torchrun", "TORCHRUN_VARIABLES"]

TORCHRUN_VARIABLES = ("WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class ProcessGroup:
    """This process's place in the group, and the collectives on it.

    Attributes
    ----------
    rank, world_size : int
    backend : str
        ``gloo`` or ``nccl``.
    device : torch.device
        Where this rank computes, and where collective buffers live.
    """

    rank: int
    world_size: int
    backend: str
    device: torch.device

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    # --------------------------------------------------------- reductions
    def total(self, t: torch.Tensor) -> torch.Tensor:
        """The sum of ``t`` over all ranks (a new tensor, same device and dtype as ``t``)."""
        if self.world_size == 1:  # a collective on one rank still costs a round trip through the backend
            return t.detach().clone()
        buf = t.detach().to(self.device).clone()
        dist.all_reduce(buf, op=dist.ReduceOp.SUM)
        return buf.to(t.device)

    def total_float(self, x: float) -> float:
        return float(self.total(torch.tensor(x, dtype=torch.float64, device=self.device)))

    def any(self, flag: bool) -> bool:
        """True on every rank if it is true on any rank."""
        if self.world_size == 1:
            return bool(flag)
        buf = torch.tensor(1.0 if flag else 0.0, dtype=torch.float64, device=self.device)
        dist.all_reduce(buf, op=dist.ReduceOp.MAX)
        return bool(buf.item() > 0)

    # ----------------------------------------------------------- movement
    def broadcast_object(self, obj: Any = None) -> Any:
        """Rank 0's ``obj`` on every rank (pickled)."""
        box = [obj if self.is_root else None]
        dist.broadcast_object_list(box, src=0, device=self.device if self.backend == "nccl" else None)
        return box[0]

    def scatter_objects(self, objs: Sequence[Any] | None) -> Any:
        """Rank 0 hands ``objs[r]`` to rank r (pickled)."""
        out = [None]
        dist.scatter_object_list(out, list(objs) if self.is_root else None, src=0)
        return out[0]

    def broadcast_tensor(self, t: torch.Tensor) -> torch.Tensor:
        """Rank 0's ``t`` on every rank (every rank passes a tensor of the same shape and dtype)."""
        if self.world_size == 1:
            return t.detach().clone()
        buf = t.detach().to(self.device).contiguous().clone()
        dist.broadcast(buf, src=0)
        return buf.to(t.device)

    def all_gather_rows(self, local: torch.Tensor, counts: Sequence[int]) -> torch.Tensor:
        """Stack every rank's rows in rank order; rank r holds ``counts[r]`` rows.

        Collectives need equal shapes, so each block is padded to the
        largest and the padding dropped.
        """
        if self.world_size == 1:
            return local.detach().clone()
        most = max(counts)
        pad = torch.zeros((most,) + tuple(local.shape[1:]), dtype=local.dtype, device=self.device)
        pad[: local.shape[0]] = local.to(self.device)
        parts = [torch.empty_like(pad) for _ in range(self.world_size)]
        dist.all_gather(parts, pad)
        return torch.cat([part[:c] for part, c in zip(parts, counts)]).to(local.device)

    def all_gather_array(self, local: np.ndarray, counts: Sequence[int]) -> np.ndarray:
        """:meth:`all_gather_rows` for numpy arrays (float64 through the collective)."""
        t = torch.as_tensor(np.ascontiguousarray(local, dtype=np.float64))
        return self.all_gather_rows(t, counts).cpu().numpy()

    def barrier(self) -> None:
        dist.barrier()


def init_process_group(device: str | torch.device = "auto", *, timeout_s: float = 1800.0) -> ProcessGroup:
    """Join the process group torchrun set up (or the one already started in this process).

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        ``cuda`` (or ``auto`` with a GPU) gives NCCL and ``cuda:LOCAL_RANK``;
        the CPU gives gloo.
    timeout_s : float
        How long a collective may wait for the other ranks.

    Raises
    ------
    DistributedError
        torchrun's variables missing or malformed, a rank without its GPU, a
        backend this torch build lacks, or a rendezvous that fails.
    """
    env = os.environ
    missing = [k for k in TORCHRUN_VARIABLES if k not in env]
    if missing and not dist.is_initialized():
        raise DistributedError(
            f"a distributed run needs torchrun's environment, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set: launch it with "
            "'torchrun --nproc-per-node N -m solver maxcut GRAPH ...'")
    if not dist.is_available():
        raise DistributedError("this torch build has no torch.distributed")
    dev = resolve_device(device)
    if dev.type == "cuda":
        local = int(env.get("LOCAL_RANK", "0"))
        if local >= torch.cuda.device_count():
            raise DistributedError(f"rank with LOCAL_RANK={local} has no GPU of its own "
                                   f"({torch.cuda.device_count()} visible): run one process per GPU")
        dev = torch.device("cuda", local)
        torch.cuda.set_device(dev)
        backend = "nccl"
        if not dist.is_nccl_available():
            raise DistributedError("--device cuda needs NCCL, which this torch build lacks")
    else:
        backend = "gloo"
        if not dist.is_gloo_available():
            raise DistributedError("--device cpu needs the gloo backend, which this torch build lacks")
    if not dist.is_initialized():
        try:
            dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
        except (RuntimeError, ValueError) as exc:
            raise DistributedError(f"torch.distributed could not start the {backend} process group: {exc}") from None
    elif dist.get_backend() != backend:
        raise DistributedError(f"the process group runs {dist.get_backend()}, but the device {dev} needs {backend}")
    return ProcessGroup(dist.get_rank(), dist.get_world_size(), backend, dev)
