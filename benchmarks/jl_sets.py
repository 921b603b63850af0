"""Point sets for the JL experiments: moved to :mod:`solver.jl.datasets` (``derand benchmark jl`` uses them).

    from benchmarks.jl_sets import make_set
    X = make_set("isotropic", n=500, d=100, seed=0)
"""

from solver.jl.datasets import SETS, make_set  # noqa: F401
