"""Problem-agnostic machinery: the derandomization engine (PGD on a rounding's
expectation until W = 0), normal distribution functions, the Gaussian
sampler, devices and seeds, PGD to a second-order stationary point, a
probabilistic lambda_min bound by Lanczos, and the memory a run can get."""

from .._lazy import lazy_exports

# Names are imported on first use (PEP 562), so that a module such as core.jit
# loads without torch: the search can start while torch is still being imported.
_LAZY = {
    "available_cores": ".machine",
    "launched_by_torchrun": ".machine",
    "make_generator": ".device",
    "resolve_device": ".device",
    "resolve_dtype": ".device",
    "EngineResult": ".engine",
    "MonteCarloExpectation": ".engine",
    "RoundingProblem": ".engine",
    "derandomize": ".engine",
    "LanczosResult": ".hessian",
    "finite_difference_hvp": ".hessian",
    "lanczos_min_eigenvalue": ".hessian",
    "ProbableBound": ".lanczos",
    "lanczos_min_bound": ".lanczos",
    "bivariate_normal_cdf": ".normal",
    "bivariate_normal_pdf": ".normal",
    "normal_cdf": ".normal",
    "normal_pdf": ".normal",
    "GaussianSampler": ".sampler",
    "PGDResult": ".pgd",
    "SecondOrderCheck": ".pgd",
    "SmoothObjective": ".pgd",
    "perturbed_gradient_descent": ".pgd",
    "second_order_check": ".pgd",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "available_cores",
    "launched_by_torchrun",
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
