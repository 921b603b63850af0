"""Reading a cut made by anything: ``label side`` lines, a JSON object or a NumPy array.

Every vertex of the graph must get exactly one side, and every label must be
one of the graph's: a cut that does not match its graph is an error naming
the file and the line, never a guess.

Sides may be written 0/1, -1/+1 or as booleans (``true``/``false``); one file
uses one convention (a file holding both 0 and -1 is ambiguous). 1, +1 and
true are one side, 0, -1 and false the other.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError, check_option
from ..graph import Graph
from .graphs import _content, _fast_table, _short, _split_lines
from .text import decode_text, read_bytes

__all__ = ["read_assignment", "parse_assignment", "ASSIGNMENT_FORMATS"]

ASSIGNMENT_FORMATS = ("auto", "text", "json", "npy")

_NPY_MAGIC = b"\x93NUMPY"
_WORDS = {"true": 1, "false": 0}
_ALLOWED = "0/1, -1/+1 or true/false"
# JSON whitespace, for locating keys in a document already known to be valid.
_JSON_WS = re.compile(r"[ \t\n\r]*")


def read_assignment(path: str | os.PathLike, graph: Graph, *, format: str = "auto") -> np.ndarray:
    """Read a cut of ``graph`` from a file.

    Parameters
    ----------
    path : path-like
        The assignment file, in one of three formats:

        - text: one ``label side`` line per vertex (tabs, spaces or commas
          between; ``#`` comments and blank lines allowed), in any order;
        - JSON: an object ``{"label": side, ...}`` (``.json`` files, or any
          file whose first character is ``{`` or ``[``);
        - NumPy ``.npy``: a 1-D array of 0/1, -1/+1 or booleans, one entry per
          vertex in the graph's vertex order (``graph.labels``: 1..n for
          rudy and Matrix Market files, the reader's order for edge lists).
    graph : Graph
        The graph the cut belongs to; labels are matched exactly, as strings.
    format : {"auto", "text", "json", "npy"}
        ``auto`` recognizes ``.npy`` files by their magic bytes and JSON by
        the extension or a leading ``{`` or ``[``.

    Returns
    -------
    numpy.ndarray
        ``(graph.n,)`` booleans in vertex order: True for side 1 (or +1, true).

    Raises
    ------
    InputError
        A file that cannot be read or parsed, a side that is not 0/1, -1/+1
        or a boolean, a file mixing 0 and -1, an unknown, repeated or missing
        vertex, a ``.npy`` array of the wrong length or type, a NaN.
    OptionError
        For an unknown ``format``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from solver.graph import Graph
    >>> g = Graph.from_edges(3, [0, 1], [1, 2], labels=["a", "b", "c"])
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cut.tsv"
    >>> _ = p.write_text("a\\t1\\nb\\t0\\nc\\t1\\n")
    >>> read_assignment(p, g).tolist(), g.cut_value(read_assignment(p, g))
    ([True, False, True], 2.0)
    """
    check_option(format in ASSIGNMENT_FORMATS, "format", f"one of {', '.join(ASSIGNMENT_FORMATS)}", format)
    data = read_bytes(path)
    name = str(path)
    if format == "npy" or (format == "auto" and (data.startswith(_NPY_MAGIC) or Path(name).suffix.lower() == ".npy")):
        return _parse_npy(data, graph, name)
    return parse_assignment(decode_text(data, name), graph, name=name, format=format)


def parse_assignment(text: str, graph: Graph, *, name: str = "<string>", format: str = "auto") -> np.ndarray:
    """Parse a text or JSON assignment already in memory; see :func:`read_assignment`."""
    check_option(format in ("auto", "text", "json"), "format", "one of auto, text, json", format)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if format == "json" or (format == "auto" and (Path(name).suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")))):
        return _parse_json(text, graph, name)
    return _parse_text(_split_lines(text), graph, name)


# ------------------------------------------------------------------ sides
def _side(token: str, name: str, line: int | None, where: str = "") -> int:
    """-1, 0 or 1 from a text token (1.0 and 1e0 count; NaN does not)."""
    word = _WORDS.get(token.strip().lower())
    if word is not None:
        return word
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if value in (0.0, 1.0, -1.0):
        return int(value)
    raise InputError(f"{where}side {_short(token)!r} is not {_ALLOWED}", path=name, line=line)


def _json_side(value, name: str, line: int | None, label: str) -> int:
    """-1, 0 or 1 from a JSON value: a number, a boolean or a string as in the text format."""
    where = f"vertex {_short(label)!r}: "
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1, -1):
        return int(value)
    if isinstance(value, str):
        return _side(value, name, line, where)
    shown = json.dumps(value) if isinstance(value, (int, float, type(None))) else _json_kind(value)
    raise InputError(f"{where}side {_short(shown)} is not {_ALLOWED}", path=name, line=line)


class _Matcher:
    """Entries (label, side) to a cut of the graph, with the errors a mismatched file deserves.

    ``locate(k)`` gives the line of the k-th entry, only when a message needs it.
    """

    def __init__(self, graph: Graph, name: str, locate: Callable[[int], int]):
        self.graph = graph
        self.name = name
        self.locate = locate
        self.index = {label: i for i, label in enumerate(graph.labels)}
        if len(self.index) != graph.n:
            raise InputError("the graph's vertex labels are not unique, so a cut cannot name its vertices; "
                             "give the sides as a .npy array in vertex order", path=name)
        self.first = np.full(graph.n, -1, dtype=np.int64)  # the entry that gave each vertex its side
        self.sides = np.zeros(graph.n, dtype=bool)
        self.convention: dict[int, int] = {}  # side 0 or -1 -> first entry using it

    def add(self, k: int, label: str, side: int) -> None:
        i = self.index.get(label)
        if i is None:
            raise InputError(f"vertex {_short(label)!r} is not in the graph{self._hint(label)}", path=self.name,
                             line=self.locate(k))
        if self.first[i] >= 0:
            raise InputError(f"vertex {_short(label)!r} is given a side twice "
                             f"(first on line {self.locate(int(self.first[i]))})", path=self.name,
                             line=self.locate(k))
        if side != 1 and side not in self.convention:
            other = -1 if side == 0 else 0
            if other in self.convention:
                raise InputError(f"side {side} mixes the 0/1 and -1/+1 conventions "
                                 f"(side {other} on line {self.locate(self.convention[other])})",
                                 path=self.name, line=self.locate(k))
            self.convention[side] = k
        self.first[i] = k
        self.sides[i] = side > 0

    def _hint(self, label: str) -> str:
        labels = self.graph.labels
        if labels[0] == "1" and labels[-1] == str(self.graph.n) and label.strip("+-0") == "" and "0" in label:
            return f" (its vertices are numbered 1..{self.graph.n}: rudy and Matrix Market ids are 1-based)"
        return ""

    def finish(self) -> np.ndarray:
        missing = np.flatnonzero(self.first < 0)
        if missing.size:
            shown = ", ".join(repr(_short(self.graph.labels[i])) for i in missing[:5])
            more = ", ..." if missing.size > 5 else ""
            count = (f"{missing.size} of the graph's {self.graph.n} vertices have" if missing.size > 1
                     else "1 vertex of the graph has")
            raise InputError(f"{count} no side: {shown}{more}", path=self.name)
        return self.sides


# -------------------------------------------------------------------- text
def _parse_text(lines: list[str], graph: Graph, name: str) -> np.ndarray:
    fast = _text_fast(lines, graph)
    if fast is not None:
        return fast
    line_of: list[int] = []
    match = _Matcher(graph, name, line_of.__getitem__)
    for no, toks in _content(lines):
        if len(toks) != 2:
            found = f"one token {_short(toks[0])!r}" if len(toks) == 1 else f"{len(toks)} tokens"
            raise InputError(f"expected 'label side', found {found}", path=name, line=no)
        line_of.append(no)
        match.add(len(line_of) - 1, toks[0], _side(toks[1], name, no))
    if not line_of:
        raise InputError("the file holds no 'label side' lines", path=name)
    return match.finish()


def _text_fast(lines: list[str], graph: Graph) -> np.ndarray | None:
    """Vectorized reading of a well-formed text assignment; None lets the reference parser explain."""
    table = _fast_table(lines, 0, str)
    if table is None or table.shape != (graph.n, 2) or "\x00" in "".join(graph.labels):
        return None  # (NumPy's str arrays drop trailing NULs, so such labels take the reference path)
    labels = np.asarray(graph.labels, dtype=str)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    pos = np.minimum(np.searchsorted(sorted_labels, table[:, 0]), graph.n - 1)
    if not np.array_equal(sorted_labels[pos], table[:, 0]):
        return None  # an unknown label
    vertex = order[pos]
    if np.bincount(vertex, minlength=graph.n).max() != 1:
        return None  # a repeated label (so a missing one too), or repeated graph labels
    tokens, inverse = np.unique(table[:, 1], return_inverse=True)
    try:
        values = np.array([_side(t, "", None) for t in tokens.tolist()], dtype=np.int64)
    except InputError:
        return None
    if 0 in values and -1 in values:
        return None
    sides = np.zeros(graph.n, dtype=bool)
    sides[vertex] = values[inverse.ravel()] > 0
    return sides


# -------------------------------------------------------------------- JSON
def _parse_json(text: str, graph: Graph, name: str) -> np.ndarray:
    try:
        pairs = json.loads(text, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", path=name, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not usable JSON (nested too deeply)", path=name) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InputError(f"not usable JSON ({_short(str(exc), 120)})", path=name) from None
    if not isinstance(pairs, _Pairs):
        raise InputError(f"expected a JSON object {{\"label\": side, ...}}, found {_json_kind(pairs)}",
                         path=name, line=1)
    if not pairs:
        raise InputError('the JSON object is empty; expected {"label": side, ...}', path=name, line=1)
    key_lines: list[int] = []

    def locate(k: int) -> int:
        if not key_lines:
            key_lines.extend(_json_key_lines(text))
        return key_lines[k] if k < len(key_lines) else 1

    match = _Matcher(graph, name, locate)
    for k, (label, value) in enumerate(pairs):
        try:
            side = _json_side(value, name, None, label)
        except InputError as exc:
            raise InputError(exc.reason, path=name, line=locate(k)) from None
        match.add(k, label, side)
    return match.finish()


class _Pairs(list):
    """A JSON object as its list of (key, value) pairs, so repeated keys are seen."""


def _json_kind(value) -> str:
    if isinstance(value, _Pairs):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _json_key_lines(text: str) -> list[int]:
    """1-based line of each top-level key of a JSON object (the text is valid JSON)."""
    decoder = json.JSONDecoder()
    lines, line, counted = [], 1, 0
    i = _JSON_WS.match(text, 0).end() + 1  # past '{'
    while True:
        i = _JSON_WS.match(text, i).end()
        if text[i] != '"':
            return lines  # '}'
        line += text.count("\n", counted, i)
        counted = i
        lines.append(line)
        _, i = json.decoder.scanstring(text, i + 1)
        i = _JSON_WS.match(text, i).end() + 1  # past ':'
        i = _JSON_WS.match(text, i).end()
        _, i = decoder.raw_decode(text, i)
        i = _JSON_WS.match(text, i).end()
        if text[i] != ",":
            return lines
        i += 1


# --------------------------------------------------------------------- npy
def _parse_npy(data: bytes, graph: Graph, name: str) -> np.ndarray:
    fh = io.BytesIO(data)
    if not data.startswith(_NPY_MAGIC):
        raise InputError("not a NumPy .npy file (it does not start with \\x93NUMPY)", path=name)
    try:
        version = np.lib.format.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            raise InputError(f"unsupported .npy format version {version[0]}.{version[1]}", path=name)
        with warnings.catch_warnings():  # e.g. NumPy's note on headers written by Python 2
            warnings.simplefilter("ignore")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(fh)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - NumPy parses the header with tokenize and ast.literal_eval,
        # which fail on corrupt bytes with many exception types (ValueError, SyntaxError, TokenError, ...)
        raise InputError(f"not a readable .npy file ({_short(str(exc), 200)})", path=name) from None
    if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise InputError(f"the array holds {dtype} values; expected numbers 0/1, -1/+1 or booleans", path=name)
    if shape != (graph.n,):
        raise InputError(f"the array has shape {shape}; expected one side per vertex, shape ({graph.n},), "
                         "in the graph's vertex order", path=name)
    offset = fh.tell()
    if len(data) - offset < graph.n * dtype.itemsize:
        raise InputError(f"the file is truncated: {graph.n} entries need {graph.n * dtype.itemsize} bytes of data, "
                         f"it has {len(data) - offset}", path=name)
    values = np.frombuffer(data, dtype=dtype, count=graph.n, offset=offset)
    if dtype.kind == "b":
        return values.astype(bool)
    exact = values.astype(np.float64)  # 0, 1 and -1 survive exactly; anything else stays wrong
    bad = np.flatnonzero((exact != 0) & (exact != 1) & (exact != -1))
    if bad.size:
        i = int(bad[0])
        what = "NaN" if math.isnan(exact[i]) else f"{values[i].item()!r}"
        raise InputError(f"entry {i} (vertex {_short(graph.labels[i])!r}) is {what}; sides must be 0/1 or -1/+1",
                         path=name)
    if np.any(exact == 0) and np.any(exact == -1):
        i, j = int(np.argmax(exact == 0)), int(np.argmax(exact == -1))
        raise InputError(f"the array mixes the 0/1 and -1/+1 conventions (entry {i} is 0, entry {j} is -1)", path=name)
    return exact > 0
