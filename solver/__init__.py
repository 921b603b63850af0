"""derand: deterministic answers from randomized approximation algorithms, by
optimization, with certificates.

The library API::

    from solver import read_graph, solve_maxcut
    result = solve_maxcut(read_graph("graph.edgelist"))
    result.cut_value, result.upper_bound, result.certificate()
"""

__version__ = "0.1.0"

from .errors import DerandError, DerandWarning, InputError, OptionError  # noqa: E402
from .graph import Graph  # noqa: E402
from .io import read_graph, write_assignment, write_json  # noqa: E402
from .maxcut import MaxCutResult, solve_maxcut  # noqa: E402

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
