"""MAX-CUT: SDP, certified bound, derandomized rounding, local search."""

import sys
import types

from .._lazy import lazy_exports

# Names are imported on first use (PEP 562): maxcut.improve and maxcut.memory
# load without torch, so a run reads its graph and starts its search first.
_LAZY = {
    "BoundResult": ".bound",
    "dual_upper_bound": ".bound",
    "DerandomizationResult": ".derandomize",
    "default_reg": ".derandomize",
    "derandomize": ".derandomize",
    "ImprovementResult": ".improve",
    "improve_cut": ".improve",
    "LocalSearchResult": ".local_search",
    "flip_gains": ".local_search",
    "one_flip_local_search": ".local_search",
    "EdgeData": ".objective",
    "cut_probabilities": ".objective",
    "expected_cut": ".objective",
    "expected_cut_gradient": ".objective",
    "gw_expected_cut": ".objective",
    "SDPResult": ".sdp",
    "burer_monteiro": ".sdp",
    "default_rank": ".sdp",
    "sdp_value": ".sdp",
    "GW_ALPHA": ".solve",
    "MaxCutResult": ".solve",
    "solve_maxcut": ".solve",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())


class _Package(types.ModuleType):
    """Once imported, the submodule maxcut.derandomize is an attribute of the package and would shadow
    the function of the same name that the package exports: hand back the function. (The module itself is
    ``sys.modules["solver.maxcut.derandomize"]``; patch it there.)"""

    def __getattribute__(self, name: str):
        value = super().__getattribute__(name)
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == "." + name:
            return getattr(value, name)
        return value


sys.modules[__name__].__class__ = _Package


__all__ = [
    "GW_ALPHA",
    "BoundResult",
    "DerandomizationResult",
    "EdgeData",
    "ImprovementResult",
    "LocalSearchResult",
    "MaxCutResult",
    "SDPResult",
    "burer_monteiro",
    "cut_probabilities",
    "default_rank",
    "default_reg",
    "derandomize",
    "dual_upper_bound",
    "expected_cut",
    "expected_cut_gradient",
    "flip_gains",
    "gw_expected_cut",
    "improve_cut",
    "one_flip_local_search",
    "sdp_value",
    "solve_maxcut",
]
