"""Benchmarks: run derand and its baselines over many instances; tables and plots.

``derand benchmark maxcut`` and ``derand benchmark jl`` are thin layers over
:func:`benchmark_maxcut` and :func:`benchmark_jl`; the row-producing cores are
:func:`run_maxcut_benchmark` and :func:`run_jl_benchmark`.
"""

from .instances import GENERATED_FAMILIES, generate_graph, load_best_known
from .jl import JL_COLUMNS, JL_METHODS, benchmark_jl, register_jl_method, run_jl_benchmark
from .maxcut import (MAXCUT_COLUMNS, MAXCUT_METHODS, BenchmarkReport, MethodContext, MethodRun,
                     available_maxcut_methods, benchmark_maxcut, register_maxcut_method, run_maxcut_benchmark)

__all__ = [
    "GENERATED_FAMILIES",
    "JL_COLUMNS",
    "JL_METHODS",
    "MAXCUT_COLUMNS",
    "MAXCUT_METHODS",
    "BenchmarkReport",
    "MethodContext",
    "MethodRun",
    "available_maxcut_methods",
    "benchmark_jl",
    "benchmark_maxcut",
    "generate_graph",
    "load_best_known",
    "register_jl_method",
    "register_maxcut_method",
    "run_jl_benchmark",
    "run_maxcut_benchmark",
]
