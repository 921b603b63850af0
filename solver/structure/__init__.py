"""Structure discovery in neural networks (the paper's first application).

A student network trained by PGD on a multiple-index teacher y = h(U x),
with tiny weight decay, ends with a first layer of rank <= r whose row space
is span(U): the derandomization lemma applied to the first layer's component
orthogonal to span(U).

    from solver.structure import discover_structure
    result = discover_structure(dim=16, teacher_rank=2, seed=0)
    result.effective_rank, result.alignment, result.orthogonal_norm
"""

from .experiment import (
    EFFECTIVE_RANK_THRESHOLD,
    StructureResult,
    discover_structure,
    effective_rank,
    subspace_alignment,
)
from .plot import check_plot_path, plot_structure
from .student import Student, smooth_relu
from .teacher import TEACHERS, Teacher, make_teacher

__all__ = [
    "EFFECTIVE_RANK_THRESHOLD",
    "TEACHERS",
    "StructureResult",
    "Student",
    "Teacher",
    "check_plot_path",
    "discover_structure",
    "effective_rank",
    "make_teacher",
    "plot_structure",
    "smooth_relu",
    "subspace_alignment",
]
