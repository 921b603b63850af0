"""derand: deterministic answers from randomized approximation algorithms, by
optimization, with certificates.

The library API::

    from solver import read_graph, solve_maxcut
    result = solve_maxcut(read_graph("graph.edgelist"))
    result.cut_value, result.upper_bound, result.certificate()
"""

__version__ = "0.1.0"

from ._lazy import lazy_exports  # noqa: E402
from .errors import DerandError, DerandWarning, InputError, OptionError  # noqa: E402

# The rest is imported on first use (PEP 562): ``derand`` can then catch a
# Ctrl-C that arrives while torch is still being imported.
_LAZY = {"Graph": ".graph", "read_graph": ".io", "write_assignment": ".io", "write_json": ".io",
         "MaxCutResult": ".maxcut", "solve_maxcut": ".maxcut"}

__getattr__ = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "__version__",
    "DerandError",
    "DerandWarning",
    "Graph",
    "InputError",
    "MaxCutResult",
    "OptionError",
    "read_graph",
    "solve_maxcut",
    "write_assignment",
    "write_json",
]
