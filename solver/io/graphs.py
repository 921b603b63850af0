"""Graph readers: edge lists, Gset/rudy files and Matrix Market.

Each reader has a vectorized fast path (NumPy's C text parser, no Python
work per line) and a line-by-line reference parser. The fast path handles
well-formed files; whenever it meets anything unusual the reference parser
runs instead, so every error names the file and the line, and every legal
oddity (mixed separators, comments, missing weights) is still accepted.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import DerandWarning, InputError, OptionError
from ..graph import Graph
from .text import read_text

__all__ = ["GRAPH_FORMATS", "read_graph", "parse_graph", "detect_graph_format"]

GRAPH_FORMATS = ("auto", "edgelist", "rudy", "mtx")

_EDGELIST_EXTENSIONS = {".edgelist", ".edges", ".el", ".csv", ".tsv", ".wel"}
_MTX_EXTENSIONS = {".mtx", ".mm"}
_INT_RE = re.compile(r"[+-]?\d+\Z")
_SEPARATORS = re.compile(r"[,;\s]+")


def read_graph(path: str | os.PathLike, *, format: str = "auto") -> Graph:
    """Read a graph file.

    Parameters
    ----------
    path : path-like
        The file.
    format : {"auto", "edgelist", "rudy", "mtx"}
        ``auto`` decides by extension (``.mtx`` Matrix Market; ``.edgelist``,
        ``.edges``, ``.csv``... edge list) and otherwise by content: a first
        line ``n m`` followed by exactly ``m`` edge lines with ids in 1..n is
        a Gset/rudy file.

    Returns
    -------
    Graph
        With the file's vertex labels; parallel edges added up, self-loops
        dropped (with a warning).

    Raises
    ------
    InputError
        Naming the file and line of the first problem.
    OptionError
        For an unknown ``format``.
    """
    if format not in GRAPH_FORMATS:
        raise OptionError(
            f"The 'format' parameter must be one of {', '.join(GRAPH_FORMATS)}. Got {format!r} instead."
        )
    text = read_text(path)
    return parse_graph(text, format=format, name=str(path))


def parse_graph(text: str, *, format: str = "auto", name: str = "<string>") -> Graph:
    """Parse graph text already in memory; see :func:`read_graph`."""
    if format not in GRAPH_FORMATS:
        raise OptionError(
            f"The 'format' parameter must be one of {', '.join(GRAPH_FORMATS)}. Got {format!r} instead."
        )
    lines = _split_lines(text)
    if format == "auto":
        format = detect_graph_format(name, lines)
    parser = {"edgelist": _parse_edgelist, "rudy": _parse_rudy, "mtx": _parse_mtx}[format]
    return parser(lines, name)


def detect_graph_format(name: str, lines: list[str]) -> str:
    """Pick the format of a file from its extension, then its first lines."""
    ext = Path(name).suffix.lower()
    if ext in _MTX_EXTENSIONS:
        return "mtx"
    if lines and lines[0].lower().startswith("%%matrixmarket"):
        return "mtx"
    if ext in _EDGELIST_EXTENSIONS:
        return "edgelist"
    first = next(((no, toks) for no, toks in _content(lines)), None)
    if first is None:
        return "edgelist"
    no, toks = first
    if len(toks) == 2 and all(_INT_RE.match(t) for t in toks):
        n, m = int(toks[0]), int(toks[1])
        data = list(itertools.islice(_content(lines[no:]), 5))
        ids_fit = all(len(t) >= 2 and all(_INT_RE.match(x) and 1 <= int(x) <= n for x in t[:2]) for _, t in data)
        if ids_fit and sum(1 for _ in _content(lines[no:])) == m:
            return "rudy"
    return "edgelist"


# ---------------------------------------------------------------- helpers
def _split_lines(text: str) -> list[str]:
    # Only \n, \r\n and \r end a line, as in every editor; str.splitlines would
    # also split on form feeds and Unicode separators and shift line numbers.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _tokens(raw: str, comment: str = "#") -> list[str]:
    content = raw.split(comment, 1)[0].strip()
    return _SEPARATORS.split(content) if content else []


def _content(lines: list[str], comment: str = "#"):
    """Yield (1-based line number, tokens) for lines that hold data."""
    for no, raw in enumerate(lines, 1):
        toks = _tokens(raw, comment)
        if toks:
            yield no, toks


def _weight(tok: str, name: str, no: int) -> float:
    try:
        w = float(tok)
    except ValueError:
        raise InputError(f"weight {tok!r} is not a number", path=name, line=no) from None
    if not math.isfinite(w):
        raise InputError(f"weight {tok!r} is not a finite number", path=name, line=no)
    return w


def _count(tok: str, what: str, name: str, no: int) -> int:
    if not _INT_RE.match(tok) or int(tok) < 0:
        raise InputError(f"{what} {tok!r} is not a non-negative integer", path=name, line=no)
    return int(tok)


def _index(tok: str, what: str, n: int, name: str, no: int) -> int:
    """A 1-based id in 1..n (an integer-valued number such as ``3.0`` counts), returned 0-based."""
    try:
        v = float(tok)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v.is_integer()):
        raise InputError(f"{what} {tok!r} is not an integer", path=name, line=no)
    if not 1 <= v <= n:
        raise InputError(f"{what} {tok} is out of range 1..{n}", path=name, line=no)
    return int(v) - 1


def _fast_table(lines: list[str], start: int, dtype, comment: str = "#") -> np.ndarray | None:
    """Parse lines[start:] as a whitespace table with NumPy's C parser; None if unusual."""
    body = "\n".join(lines[start:])
    if "," in body or ";" in body:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = np.loadtxt(io.StringIO(body), dtype=dtype, comments=comment, ndmin=2)
    except (ValueError, TypeError, OverflowError):
        return None
    if table.shape[0] == 0 or table.shape[1] not in (2, 3):
        return None
    return table


# ------------------------------------------------------------------- rudy
def _parse_rudy(lines: list[str], name: str) -> Graph:
    header = next(_content(lines), None)
    if header is None:
        raise InputError("the file is empty; expected a header 'n m' (vertex and edge counts)", path=name)
    hno, htoks = header
    if len(htoks) != 2:
        raise InputError(
            f"expected a header 'n m' (vertex and edge counts), found {len(htoks)} token(s)", path=name, line=hno
        )
    n = _count(htoks[0], "vertex count", name, hno)
    m = _count(htoks[1], "edge count", name, hno)
    if n < 1:
        raise InputError("the header announces no vertices", path=name, line=hno)
    table = _fast_table(lines, hno, np.float64)
    if table is not None:
        graph = _rudy_from_table(table, n, m, name)
        if graph is not None:
            return graph
    heads, tails, weights = [], [], []
    for no, toks in _content(lines[hno:]):
        no += hno
        if len(toks) not in (2, 3):
            raise InputError(f"expected 'i j [w]', found {len(toks)} token(s)", path=name, line=no)
        ends = [_index(tok, "vertex id", n, name, no) for tok in toks[:2]]
        heads.append(ends[0])
        tails.append(ends[1])
        weights.append(_weight(toks[2], name, no) if len(toks) == 3 else 1.0)
    if len(heads) != m:
        raise InputError(f"the header announces {m} edges but the file has {len(heads)}", path=name, line=hno)
    return Graph.from_edges(n, np.array(heads, dtype=np.int64), np.array(tails, dtype=np.int64), weights, name=name,
                            labels=[str(i) for i in range(1, n + 1)])


def _rudy_from_table(table: np.ndarray, n: int, m: int, name: str) -> Graph | None:
    if table.shape[0] != m:
        return None
    ids = table[:, :2]
    if not np.all(np.isfinite(table)) or np.any(ids != np.round(ids)) or ids.min() < 1 or ids.max() > n:
        return None
    w = table[:, 2] if table.shape[1] == 3 else None
    ids = ids.astype(np.int64) - 1
    return Graph.from_edges(n, ids[:, 0], ids[:, 1], w, name=name, labels=[str(i) for i in range(1, n + 1)])


# --------------------------------------------------------------- edgelist
def _parse_edgelist(lines: list[str], name: str) -> Graph:
    table = _fast_table(lines, 0, str)
    if table is not None:
        ends = table[:, :2]
        weights = None
        if table.shape[1] == 3:
            try:
                weights = table[:, 2].astype(np.float64)
            except ValueError:
                weights = np.array([np.nan])
            if not np.all(np.isfinite(weights)):
                table = None
        if table is not None:
            return _edgelist_graph(ends, weights, name)
    ends, weights = [], []
    for no, toks in _content(lines):
        if len(toks) == 1:
            raise InputError(f"expected 'u v [w]', found one token {toks[0]!r}", path=name, line=no)
        if len(toks) > 3:
            raise InputError(f"expected 'u v [w]', found {len(toks)} tokens", path=name, line=no)
        ends.append(toks[:2])
        weights.append(_weight(toks[2], name, no) if len(toks) == 3 else 1.0)
    if not ends:
        raise InputError("the graph has no edges (no data lines)", path=name)
    return _edgelist_graph(np.array(ends, dtype=str), np.array(weights), name)


def _edgelist_graph(ends: np.ndarray, weights: np.ndarray | None, name: str) -> Graph:
    """Map arbitrary labels to 0..n-1: numerically if all are integers, else by first appearance."""
    flat = ends.ravel()
    uniq, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    if all(_INT_RE.match(u) for u in uniq):
        values = np.array([int(u) for u in uniq], dtype=object)
        order = sorted(range(len(uniq)), key=lambda i: (values[i], uniq[i]))
        order = np.array(order, dtype=np.int64)
    else:
        order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    ids = rank[inverse.ravel()].reshape(ends.shape)
    labels = [str(u) for u in uniq[order]]
    return Graph.from_edges(len(uniq), ids[:, 0], ids[:, 1], weights, labels=labels, name=name)


# -------------------------------------------------------------------- mtx
def _parse_mtx(lines: list[str], name: str) -> Graph:
    banner = lines[0].strip().lower().split() if lines else []
    if len(banner) != 5 or banner[0] != "%%matrixmarket" or banner[1] != "matrix":
        raise InputError("expected a Matrix Market banner '%%MatrixMarket matrix coordinate <field> <symmetry>'",
                         path=name, line=1)
    layout, field, symmetry = banner[2:]
    if layout != "coordinate":
        raise InputError(f"only 'coordinate' Matrix Market files hold graphs; this one is {layout!r}", path=name, line=1)
    if field not in ("real", "integer", "pattern"):
        raise InputError(f"unsupported Matrix Market field {field!r} (use real, integer or pattern)", path=name, line=1)
    if symmetry not in ("general", "symmetric"):
        raise InputError(f"unsupported Matrix Market symmetry {symmetry!r} (use general or symmetric)", path=name, line=1)
    content = _content(lines[1:], comment="%")
    size = next(content, None)
    if size is None:
        raise InputError("missing the size line 'rows cols entries'", path=name)
    sno, stoks = size
    sno += 1
    if len(stoks) != 3:
        raise InputError(f"expected the size line 'rows cols entries', found {len(stoks)} token(s)", path=name, line=sno)
    rows, cols, nnz = (_count(t, what, name, sno) for t, what in zip(stoks, ("row count", "column count", "entry count")))
    if rows != cols:
        raise InputError(f"an adjacency matrix must be square, this one is {rows} x {cols}", path=name, line=sno)
    if rows < 1:
        raise InputError("the matrix has no rows", path=name, line=sno)
    want = 2 if field == "pattern" else 3
    heads, tails, weights = [], [], []
    for no, toks in content:
        no += 1
        if len(toks) != want:
            raise InputError(f"expected {want} numbers per entry, found {len(toks)}", path=name, line=no)
        ends = [_index(tok, "index", rows, name, no) for tok in toks[:2]]
        heads.append(ends[0])
        tails.append(ends[1])
        weights.append(_weight(toks[2], name, no) if want == 3 else 1.0)
    if len(heads) != nnz:
        raise InputError(f"the size line announces {nnz} entries but the file has {len(heads)}", path=name, line=sno)
    h = np.array(heads, dtype=np.int64)
    t = np.array(tails, dtype=np.int64)
    w = np.array(weights, dtype=np.float64)
    if symmetry == "general":
        h, t, w = _fold_general(h, t, w, rows, name)
    return Graph.from_edges(rows, h, t, w, name=name, labels=[str(i) for i in range(1, rows + 1)])


def _fold_general(h, t, w, n, name):
    """A 'general' matrix that is symmetric stores each edge twice: keep one copy."""
    import scipy.sparse as sp

    a = sp.coo_matrix((w, (h, t)), shape=(n, n)).tocsr()
    if (a - a.T).count_nonzero() == 0:
        upper = sp.triu(a, k=0).tocoo()
        return upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data
    warnings.warn(
        f"{name}: the matrix is not symmetric; each entry (i, j) is taken as an undirected edge "
        "and the two directions add up",
        DerandWarning,
        stacklevel=3,
    )
    return h, t, w
