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
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..errors import DerandWarning, InputError, OptionError
from ..graph import Graph
from .text import read_text

__all__ = ["GRAPH_FORMATS", "MAX_ISOLATED_VERTICES", "read_graph", "parse_graph", "detect_graph_format"]

GRAPH_FORMATS = ("auto", "edgelist", "rudy", "mtx")

#: The most vertices a header (rudy ``n m``, Matrix Market ``rows cols nnz``)
#: may announce is the file's size in characters plus this many isolated
#: vertices. A header costs nothing to write but every announced vertex costs
#: time and memory (isolated ones too), so a typo or a corrupted header must
#: not make a ten-byte file allocate gigabytes: reading stays proportional to
#: the file. Edge lists need no limit: their vertices are the labels they contain.
MAX_ISOLATED_VERTICES = 1_000_000

_EDGELIST_EXTENSIONS = {".edgelist", ".edges", ".el", ".csv", ".tsv", ".wel"}
_MTX_EXTENSIONS = {".mtx", ".mm"}
_INT_RE = re.compile(r"[+-]?\d+\Z")
_SEPARATORS = re.compile(r"[,;\s]+")
# Whitespace that NumPy's text parser does not treat as a separator (it splits
# on spaces and tabs only) but the reference parser does: such files go to it.
_ODD_WHITESPACE = re.compile(r"[^\S \t\n]")
# A line holding data: its first non-blank character is not a comment.
_DATA_LINE = {c: re.compile(r"^[^\S\n]*[^\s" + re.escape(c) + "]", re.M) for c in "#%"}
# Bytes a str-typed table may take per character of the file before the fast
# path gives way to the reference parser (NumPy pads every cell to the longest).
_STR_TABLE_BUDGET = 24


def read_graph(path: str | os.PathLike, *, format: str = "auto") -> Graph:
    """Read a graph file.

    Parameters
    ----------
    path : path-like
        The file.
    format : {"auto", "edgelist", "rudy", "mtx"}
        ``auto`` decides by extension (``.mtx`` Matrix Market; ``.edgelist``,
        ``.edges``, ``.csv``... edge list) and otherwise by content: a first
        line ``n m`` followed by exactly ``m`` edge lines with ids in 1..n,
        or by ``i j w`` lines, is a Gset/rudy file (its errors are reported
        with their line); ``n m`` over ``i j`` lines whose ids fit but whose
        count is not ``m`` is refused as ambiguous.

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
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, as an InputError
        graph = parser(lines, name)
        magnitude = float(np.sum(np.abs(graph.weights)))
    if not math.isfinite(magnitude):
        raise InputError("the edge weights are too large: their sum overflows a 64-bit float", path=name)
    return graph


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
    counts = [_small_int(t) for t in toks]
    if len(toks) == 2 and None not in counts:
        n, m = counts
        sample = [t for _, t in itertools.islice(_content(lines[no:]), 1000)]
        ids_fit = all(len(t) in (2, 3) and all(1 <= (_small_int(x) or 0) <= n for x in t[:2]) for t in sample)
        edges = _count_data_lines(lines, no)
        if ids_fit and edges == m:
            return "rudy"
        if sample and all(len(t) == 3 for t in sample):
            # 'n m' over 'i j w' triples is a rudy file, right or wrong: its parser names any error's line
            return "rudy"
        if sample and ids_fit:
            raise InputError(
                f"the first line '{n} {m}' reads as a rudy header (n vertices, m edges) but the file has "
                f"{edges} edge lines, not {m}; if it is an edge list, or a rudy file, say so with "
                f"--format edgelist or --format rudy", path=name, line=no)
    return "edgelist"


# ---------------------------------------------------------------- helpers
def _split_lines(text: str) -> list[str]:
    # Only \n, \r\n and \r end a line, as in every editor; str.splitlines would
    # also split on form feeds and Unicode separators and shift line numbers.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _count_data_lines(lines: list[str], start: int, comment: str = "#") -> int:
    """How many of lines[start:] hold data, by one regular-expression scan (no Python work per line)."""
    return len(_DATA_LINE[comment].findall("\n".join(lines[start:])))


def _vertex_limit(lines: list[str]) -> int:
    """The most vertices a header may announce (see :data:`MAX_ISOLATED_VERTICES`)."""
    return sum(map(len, lines)) + len(lines) + MAX_ISOLATED_VERTICES


def _small_int(tok: str) -> int | None:
    """The value of an integer token of at most 18 significant digits, else None.

    Longer integers are beyond every count and id derand accepts; converting
    them could be slow (and Python refuses beyond 4300 digits).
    """
    if not _INT_RE.match(tok) or len(tok.lstrip("+-").lstrip("0")) > 18:
        return None
    return int(tok)


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
        raise InputError(f"weight {_short(tok)!r} is not a number", path=name, line=no) from None
    if not math.isfinite(w):
        raise InputError(f"weight {_short(tok)!r} is not a finite number", path=name, line=no)
    return w


def _count(tok: str, what: str, name: str, no: int, limit: int | None = None) -> int:
    value = _small_int(tok)
    if _INT_RE.match(tok) and value is None and not tok.startswith("-"):
        raise InputError(f"{what} {_short(tok)} is too large", path=name, line=no)
    if value is None or value < 0:
        raise InputError(f"{what} {_short(tok)!r} is not a non-negative integer", path=name, line=no)
    if limit is not None and value > limit:
        raise InputError(f"{what} {value:,} is more than this file can describe (at most {limit:,}: one vertex per "
                         f"character plus {MAX_ISOLATED_VERTICES:,} isolated ones)", path=name, line=no)
    return value


def _short(tok: str, keep: int = 40) -> str:
    """A token as quoted in a message: long ones (a corrupted file) cut down."""
    return tok if len(tok) <= keep else f"{tok[:keep]}...({len(tok)} characters)"


def _index(tok: str, what: str, n: int, name: str, no: int) -> int:
    """A 1-based id in 1..n (an integer-valued number such as ``3.0`` counts), returned 0-based."""
    try:
        v = float(tok)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v.is_integer()):
        raise InputError(f"{what} {_short(tok)!r} is not an integer", path=name, line=no)
    if not 1 <= v <= n:
        raise InputError(f"{what} {_short(tok)} is out of range 1..{n}", path=name, line=no)
    return int(v) - 1


def _fast_table(lines: list[str], start: int, dtype, comment: str = "#") -> np.ndarray | None:
    """Parse lines[start:] as a whitespace table with NumPy's C parser; None if unusual.

    Unusual means: commas or semicolons, whitespace other than spaces and tabs
    (NumPy would not split on it), ragged or unparsable rows, or, for a string
    table, a line so long that NumPy's fixed-width cells would take far more
    memory than the file itself.
    """
    body = "\n".join(lines[start:])
    if "," in body or ";" in body or _ODD_WHITESPACE.search(body):
        return None
    if dtype is str:
        widest = max(map(len, lines[start:]), default=0)
        if 4 * 3 * widest * (len(lines) - start) > _STR_TABLE_BUDGET * len(body) + 2**24:
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
    n = _count(htoks[0], "vertex count", name, hno, limit=_vertex_limit(lines))
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
                            labels=_one_based_labels(n))


def _one_based_labels(n: int) -> list[str]:
    return np.arange(1, n + 1).astype(str).tolist()


def _rudy_from_table(table: np.ndarray, n: int, m: int, name: str) -> Graph | None:
    if table.shape[0] != m:
        return None
    ids = table[:, :2]
    if not np.all(np.isfinite(table)) or np.any(ids != np.round(ids)) or ids.min() < 1 or ids.max() > n:
        return None
    w = table[:, 2] if table.shape[1] == 3 else None
    ids = ids.astype(np.int64) - 1
    return Graph.from_edges(n, ids[:, 0], ids[:, 1], w, name=name, labels=_one_based_labels(n))


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
            raise InputError(f"expected 'u v [w]', found one token {_short(toks[0])!r}", path=name, line=no)
        if len(toks) > 3:
            raise InputError(f"expected 'u v [w]', found {len(toks)} tokens", path=name, line=no)
        if "" in toks[:2]:
            raise InputError("empty vertex label (a stray ',' or ';' at the start of the line)", path=name, line=no)
        ends.append(toks[:2])
        weights.append(_weight(toks[2], name, no) if len(toks) == 3 else 1.0)
    if not ends:
        raise InputError("the graph has no edges (no data lines)", path=name)
    return _edgelist_graph_from_lists(ends, np.array(weights), name)


def _edgelist_graph(ends: np.ndarray, weights: np.ndarray | None, name: str) -> Graph:
    """Map arbitrary labels to 0..n-1: numerically if all are integers, else by first appearance."""
    flat = ends.ravel()
    # (return_index would force a stable sort of the strings: slower than this
    # quicksort plus a stable sort of small integers for the first appearances.)
    uniq, inverse = np.unique(flat, return_inverse=True)
    inverse = inverse.ravel()
    order = _integer_order(uniq)
    if order is None:
        counts = np.bincount(inverse, minlength=len(uniq))
        first = np.argsort(inverse, kind="stable")[np.cumsum(counts) - counts]
        order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    ids = rank[inverse].reshape(ends.shape)
    labels = uniq[order].tolist()
    return Graph.from_edges(len(uniq), ids[:, 0], ids[:, 1], weights, labels=labels, name=name)


def _edgelist_graph_from_lists(ends: list[list[str]], weights: np.ndarray, name: str) -> Graph:
    """As :func:`_edgelist_graph`, for the reference parser's lists of tokens.

    Plain dictionaries here: NumPy's fixed-width strings would pad every label
    to the longest one, and the reference parser is the one that meets long lines.
    """
    index: dict[str, int] = {}
    ids = np.fromiter((index.setdefault(tok, len(index)) for pair in ends for tok in pair), dtype=np.int64,
                      count=2 * len(ends))
    labels = list(index)  # in order of first appearance
    if all(_INT_RE.match(label) for label in labels):
        order = sorted(range(len(labels)), key=lambda i: (Decimal(labels[i]), labels[i]))
        rank = np.empty(len(labels), dtype=np.int64)
        rank[order] = np.arange(len(labels))
        ids = rank[ids]
        labels = [labels[i] for i in order]
    ids = ids.reshape(-1, 2)
    return Graph.from_edges(len(labels), ids[:, 0], ids[:, 1], weights, labels=labels, name=name)


def _integer_order(uniq: np.ndarray) -> np.ndarray | None:
    """The numeric order of labels that are all integers (ties by the text), or None.

    Vectorized: an integer is an optional sign and decimal digits (as
    ``_INT_RE``); values beyond int64 are compared exactly as decimals.
    """
    signed = np.char.startswith(uniq, "+") | np.char.startswith(uniq, "-")
    digits = np.where(signed, np.char.lstrip(uniq, "+-"), uniq)
    # lstrip took every leading sign; exactly one is allowed.
    if not np.all(np.char.isdecimal(digits) & (np.char.str_len(digits) == np.char.str_len(uniq) - signed)):
        return None
    try:
        values = uniq.astype(np.int64)
    except (OverflowError, ValueError):
        exact = np.array([Decimal(u) for u in uniq.tolist()], dtype=object)
        return np.array(sorted(range(len(uniq)), key=lambda i: (exact[i], uniq[i])), dtype=np.int64)
    return np.lexsort((uniq, values))


# -------------------------------------------------------------------- mtx
def _mtx_banner(lines: list[str], name: str) -> tuple[str, str, str]:
    """(layout, field, symmetry) of a Matrix Market banner, lower-cased."""
    banner = lines[0].strip().lower().split() if lines else []
    if len(banner) != 5 or banner[0] != "%%matrixmarket" or banner[1] != "matrix":
        raise InputError("expected a Matrix Market banner '%%MatrixMarket matrix coordinate <field> <symmetry>'",
                         path=name, line=1)
    return banner[2], banner[3], banner[4]


def _mtx_size(lines: list[str], name: str):
    """The size line: (the content after it, its line number, rows, cols, entries); rows within the file's reach."""
    content = _content(lines[1:], comment="%")
    size = next(content, None)
    if size is None:
        raise InputError("missing the size line 'rows cols entries'", path=name)
    sno, stoks = size
    sno += 1
    if len(stoks) != 3:
        raise InputError(f"expected the size line 'rows cols entries', found {len(stoks)} token(s)", path=name, line=sno)
    rows, cols, nnz = (_count(t, what, name, sno, limit)
                       for t, what, limit in zip(stoks, ("row count", "column count", "entry count"),
                                                 (_vertex_limit(lines), None, None)))
    return content, sno, rows, cols, nnz


def _parse_mtx(lines: list[str], name: str) -> Graph:
    layout, field, symmetry = _mtx_banner(lines, name)
    if layout != "coordinate":
        raise InputError(f"only 'coordinate' Matrix Market files hold graphs; this one is {layout!r}", path=name, line=1)
    if field not in ("real", "integer", "pattern"):
        raise InputError(f"unsupported Matrix Market field {field!r} (use real, integer or pattern)", path=name, line=1)
    if symmetry not in ("general", "symmetric"):
        raise InputError(f"unsupported Matrix Market symmetry {symmetry!r} (use general or symmetric)", path=name, line=1)
    content, sno, rows, cols, nnz = _mtx_size(lines, name)
    if rows != cols:
        raise InputError(f"an adjacency matrix must be square, this one is {rows} x {cols}", path=name, line=sno)
    if rows < 1:
        raise InputError("the matrix has no rows", path=name, line=sno)
    want = 2 if field == "pattern" else 3
    table = _fast_table(lines, sno, np.float64, comment="%")
    fast = None if table is None else _mtx_from_table(table, want, rows, nnz)
    if fast is not None:
        h, t, w = fast
        if symmetry == "general":
            h, t, w = _fold_general(h, t, w, rows, name)
        return Graph.from_edges(rows, h, t, w, name=name, labels=_one_based_labels(rows))
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
    return Graph.from_edges(rows, h, t, w, name=name, labels=_one_based_labels(rows))


def _mtx_from_table(table: np.ndarray, want: int, n: int, nnz: int):
    """Entries of a well-formed Matrix Market body, or None to let the reference parser explain."""
    if table.shape != (nnz, want) or not np.all(np.isfinite(table)):
        return None
    ids = table[:, :2]
    if np.any(ids != np.round(ids)) or ids.min() < 1 or ids.max() > n:
        return None
    ids = ids.astype(np.int64) - 1
    w = table[:, 2].copy() if want == 3 else np.ones(nnz)
    return ids[:, 0], ids[:, 1], w


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
