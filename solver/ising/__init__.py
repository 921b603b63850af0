"""Ising and QUBO models, solved through their MAX-CUT reduction with a certified energy bound."""

from .solve import ModelResult, energy_bound_from_cut_bound, relative_gap, solve_model

__all__ = ["ModelResult", "energy_bound_from_cut_bound", "relative_gap", "solve_model"]
