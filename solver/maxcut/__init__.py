"""MAX-CUT: SDP, certified bound, derandomized rounding, local search."""

from .bound import BoundResult, dual_upper_bound
from .derandomize import DerandomizationResult, default_reg, derandomize
from .improve import ImprovementResult, improve_cut
from .local_search import LocalSearchResult, flip_gains, one_flip_local_search
from .objective import EdgeData, cut_probabilities, expected_cut, expected_cut_gradient, gw_expected_cut
from .sdp import SDPResult, burer_monteiro, default_rank, sdp_value
from .solve import GW_ALPHA, MaxCutResult, solve_maxcut

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
