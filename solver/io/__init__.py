"""Readers and atomic writers."""

from .graphs import GRAPH_FORMATS, detect_graph_format, parse_graph, read_graph
from .text import read_text
from .writers import atomic_write, to_jsonable, write_assignment, write_json

__all__ = [
    "GRAPH_FORMATS",
    "atomic_write",
    "detect_graph_format",
    "parse_graph",
    "read_graph",
    "read_text",
    "to_jsonable",
    "write_assignment",
    "write_json",
]
