"""Derandomized Johnson-Lindenstrauss embeddings with exact distortion certificates."""

from .certify import certify_jl
from .distortion import DistortionCertificate, certify_embedding, jl_min_dim
from .embed import JLResult, embed
from .objective import best_moment_order, moment_polynomial, start_bound

__all__ = [
    "DistortionCertificate",
    "JLResult",
    "best_moment_order",
    "certify_embedding",
    "certify_jl",
    "embed",
    "jl_min_dim",
    "moment_polynomial",
    "start_bound",
]
