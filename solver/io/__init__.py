"""Readers and atomic writers."""

from .assignments import ASSIGNMENT_FORMATS, parse_assignment, read_assignment
from .certificates import check_jl_claims, check_maxcut_claims, read_certificate
from .graphs import GRAPH_FORMATS, MAX_ISOLATED_VERTICES, detect_graph_format, parse_graph, read_graph
from .text import read_text
from .writers import atomic_write, to_jsonable, write_assignment, write_json

__all__ = [
    "ASSIGNMENT_FORMATS",
    "GRAPH_FORMATS",
    "MAX_ISOLATED_VERTICES",
    "atomic_write",
    "check_jl_claims",
    "check_maxcut_claims",
    "detect_graph_format",
    "parse_assignment",
    "parse_graph",
    "read_assignment",
    "read_certificate",
    "read_graph",
    "read_text",
    "to_jsonable",
    "write_assignment",
    "write_json",
]
