"""Names a package exports but imports on first use (PEP 562)."""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_exports(package: str, names: dict[str, str], namespace: dict) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package``: ``names[name]`` is the relative module that defines ``name``.

    The first lookup imports the module and stores the name in ``namespace``
    (the package's globals), so later lookups cost nothing.
    """
    def __getattr__(name: str):
        if name in names:
            value = getattr(importlib.import_module(names[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
