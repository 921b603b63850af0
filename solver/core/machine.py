"""What this process runs on, read without importing torch: the command line asks before it imports it."""

from __future__ import annotations

import os

__all__ = ["available_cores", "launched_by_torchrun"]


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def launched_by_torchrun(environ: dict | None = None) -> bool:
    """Whether this process was started by torchrun with more than one rank."""
    env = os.environ if environ is None else environ
    try:
        return int(env.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False
