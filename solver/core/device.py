"""One convention for devices, dtypes and seeds across derand."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Callable, Iterator

import torch

from ..errors import OptionError

__all__ = ["DEVICES", "DTYPES", "resolve_device", "resolve_dtype", "make_generator", "cuda_available",
           "thread_budget", "single_thread_below"]

#: Work (roughly: elements touched per step) below which torch's intra-op
#: threads cost more than they give. Small problems on a busy machine are
#: the bad case: with every core taken, the threads wait on each other at
#: each of thousands of small kernels (measured: karate, 2 threads, the two
#: cores shared with other jobs: 38 s; 1 thread: 3.5 s).
PARALLEL_WORK = 2_000_000

DEVICES = ("auto", "cpu", "cuda")
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def cuda_available() -> bool:
    return torch.cuda.is_available()


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` is CUDA when present, else the CPU; ``cuda`` without CUDA is an error.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        return device
    name = str(device).lower()
    if name == "auto":
        return torch.device("cuda" if cuda_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not cuda_available():
            raise OptionError(
                "The 'device' parameter must be auto, cpu or cuda, and cuda needs a CUDA GPU, "
                f"which this machine does not have. Got {device!r} instead."
            )
        return torch.device(name)
    raise OptionError(f"The 'device' parameter must be one of auto, cpu, cuda. Got {device!r} instead.")


def resolve_dtype(dtype: str | torch.dtype = "float64") -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in DTYPES:
        raise OptionError(f"The 'dtype' parameter must be one of {', '.join(DTYPES)}. Got {dtype!r} instead.")
    return DTYPES[dtype]


def make_generator(seed: int | torch.Generator | None, device: torch.device) -> torch.Generator:
    """A torch generator on ``device``: from an int seed, passed through, or seeded 0 for ``None``.

    Library code draws randomness only from generators made here, never from
    torch's global state.
    """
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator(device=device)
    gen.manual_seed(0 if seed is None else int(seed))
    return gen


@contextmanager
def thread_budget(work: float) -> Iterator[None]:
    """One torch intra-op thread while a problem of size ``work`` runs, if it is below :data:`PARALLEL_WORK`."""
    if work >= PARALLEL_WORK:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """At most ``count`` torch intra-op threads in the block (the search's chains hold the other cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, min(before, count)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def single_thread_below(work: Callable[..., float]):
    """Decorate an entry point to run under :func:`thread_budget` (``work`` gets its arguments)."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                size = float(work(*args, **kwargs))
            except Exception:  # bad arguments: let the entry point itself report them
                size = float("inf")
            with thread_budget(size):
                return fn(*args, **kwargs)
        return wrapper
    return decorate
