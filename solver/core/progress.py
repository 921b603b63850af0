"""Progress reporting without printing: the library calls a callback, the CLI draws bars."""

from __future__ import annotations

from typing import Callable, Optional

__all__ = ["Progress", "PhaseProgress", "for_phase"]

#: ``progress(phase, done, total)``; ``total`` may change between calls.
Progress = Callable[[str, float, float], None]
#: What an algorithm receives: ``step(done, total, value)``.
PhaseProgress = Callable[[int, int, float], None]


def for_phase(progress: Optional[Progress], phase: str) -> Optional[PhaseProgress]:
    """Adapt a pipeline-level callback to one phase's ``(done, total, value)`` calls."""
    if progress is None:
        return None
    return lambda done, total, value=None: progress(phase, done, total)
