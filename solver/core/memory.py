"""Memory the machine can give a run, and a check before a phase that would not fit.

A phase that runs out of memory is killed by the operating system with no
message and, worse, after minutes of work. The problems estimate what a
phase needs from its sizes (their constants are measured, see
``benchmarks/results/memory_model.md``) and call :func:`check_memory`
first: a run that cannot fit stops at once with a message that says what it
needs, what there is, and what to change.
"""

from __future__ import annotations

import os
import resource

from ..errors import DerandError

__all__ = ["MemoryNeeded", "available_bytes", "check_memory", "gib"]


class MemoryNeeded(DerandError):
    """A phase whose estimated memory exceeds what the machine (or the process's limit) can give."""


def gib(nbytes: float) -> str:
    """``1.5 GiB``, or ``300 MiB`` below one GiB."""
    return f"{nbytes / 2 ** 30:.1f} GiB" if nbytes >= 2 ** 30 else f"{nbytes / 2 ** 20:.0f} MiB"


def _statm_bytes(field: int) -> int:
    """A field of /proc/self/statm in bytes (0: the address space mapped, 1: resident); 0 where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _rss_bytes() -> int:
    return _statm_bytes(1)


def available_bytes() -> int | None:
    """Bytes this process can still obtain: the system's available memory, capped by a cgroup
    limit, by RLIMIT_AS (``ulimit -v``) less what the process already maps, and by the
    environment variable DERAND_MEMORY_LIMIT (bytes for the whole process). ``None`` where
    it cannot be told."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = None
    try:  # a container's cgroup (v2) limit
        with open("/sys/fs/cgroup/memory.max") as fh:
            limit = fh.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current") as fh:
                room = max(int(limit) - int(fh.read().strip()), 0)
            avail = room if avail is None else min(avail, room)
    except (OSError, ValueError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        cap = max(soft - _statm_bytes(0), 0)
        avail = cap if avail is None else min(avail, cap)
    override = os.environ.get("DERAND_MEMORY_LIMIT")
    if override:
        try:
            limit = int(float(override))
        except ValueError:
            raise DerandError(f"DERAND_MEMORY_LIMIT must be a number of bytes, got {override!r}") from None
        extra = max(limit - _rss_bytes(), 0)
        avail = extra if avail is None else min(avail, extra)
    return avail


def check_memory(what: str, needed: float, *, advice: str = "") -> None:
    """Raise :class:`MemoryNeeded` if ``needed`` bytes (an estimate) exceed what is available.

    ``what`` names the phase and its sizes, as the message's subject;
    ``advice`` says what would make it fit.
    """
    avail = available_bytes()
    if avail is None or needed <= avail:
        return
    raise MemoryNeeded(f"{what} needs about {gib(needed)} of memory, but {gib(avail)} is available"
                       + (f"; {advice}" if advice else ""))
