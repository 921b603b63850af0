"""Baselines derand is compared with. They never import the method."""

from .gw import HyperplaneResult, hyperplane_rounding

__all__ = ["HyperplaneResult", "hyperplane_rounding"]
