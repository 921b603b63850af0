"""Problem-agnostic machinery: the derandomization engine (PGD on a rounding's
expectation until W = 0), normal distribution functions, the Gaussian
sampler, devices and seeds, PGD to a second-order stationary point, a
probabilistic lambda_min bound by Lanczos, and the memory a run can get."""

from .device import make_generator, resolve_device, resolve_dtype
from .engine import EngineResult, MonteCarloExpectation, RoundingProblem, derandomize
from .hessian import LanczosResult, finite_difference_hvp, lanczos_min_eigenvalue
from .lanczos import ProbableBound, lanczos_min_bound
from .normal import bivariate_normal_cdf, bivariate_normal_pdf, normal_cdf, normal_pdf
from .sampler import GaussianSampler
from .pgd import PGDResult, SecondOrderCheck, SmoothObjective, perturbed_gradient_descent, second_order_check

__all__ = [
    "EngineResult",
    "MonteCarloExpectation",
    "RoundingProblem",
    "derandomize",
    "GaussianSampler",
    "LanczosResult",
    "PGDResult",
    "ProbableBound",
    "SecondOrderCheck",
    "SmoothObjective",
    "bivariate_normal_cdf",
    "bivariate_normal_pdf",
    "finite_difference_hvp",
    "lanczos_min_bound",
    "lanczos_min_eigenvalue",
    "make_generator",
    "normal_cdf",
    "normal_pdf",
    "perturbed_gradient_descent",
    "resolve_device",
    "resolve_dtype",
    "second_order_check",
]
