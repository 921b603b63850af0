"""Baselines derand is compared with. They never import the method."""

from .cuts import OneExchangeResult, one_exchange, random_cuts
from .gw import (CvxpySDPResult, HyperplaneResult, cvxpy_available, cvxpy_sdp, gw_expected_value,
                 hyperplane_rounding)

__all__ = ["CvxpySDPResult", "HyperplaneResult", "OneExchangeResult", "cvxpy_available", "cvxpy_sdp",
           "gw_expected_value", "hyperplane_rounding", "one_exchange", "random_cuts"]
