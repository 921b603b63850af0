"""Readers for Ising and QUBO models: OR-Library bqp, BiqMac sparse, Matrix Market and JSON.

The conventions, one per format (docs/ising.md has examples):

``bqp``
    Beasley's OR-Library files (bqp50 ... bqp2500, bqpgka): the number of
    problems, then for each ``n nnz`` and ``nnz`` lines ``i j q`` (1-based) of
    a symmetric matrix Q, each off-diagonal pair listed once. The objective
    is sum_i sum_j q_ij x_i x_j, so a pair's coefficient is 2q and a diagonal
    entry is linear. OR-Library states these problems as maximizations.
``biqmac``
    BiqMac / Biq Bin sparse files: ``n nnz``, then ``nnz`` lines ``i j q``
    (1-based) of the upper triangle of a symmetric Q, objective x^T Q x
    (a pair's coefficient 2q, the diagonal linear), minimized.
``mtx``
    Matrix Market ``coordinate`` (real or integer) holding M, energy
    v^T M v with the diagonal as the linear terms (dimod's convention, for
    spins too, where v_i^2 = 1 would make it a constant): a ``symmetric``
    file's off-diagonal entry counts twice, a ``general`` file's M_ij and M_ji
    add up.
``json``
    An object with ``linear`` (``{label: bias}`` or a list) and ``quadratic``
    (a list of ``[u, v, bias]``), optional ``offset`` and ``vartype``
    (``"SPIN"`` or ``"BINARY"``); or Ocean's spellings ``h`` and ``J``
    (spins) or ``Q`` (bits, ``[u, u, bias]`` on the diagonal is linear).
    Each (u, v) adds once: E = sum linear v_i + sum bias v_u v_v + offset.

In the symmetric formats an unordered pair listed twice with the same value
is one matrix entry stated in both triangles; with different values the file
contradicts itself and is refused with both lines.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InputError, OptionError
from ..model import BINARY, SPIN, QuadraticModel
from .graphs import (_content, _count, _fast_table, _index, _mtx_banner, _mtx_size, _one_based_labels, _split_lines,
                     _vertex_limit, _weight)
from .text import read_text

__all__ = ["MODEL_FORMATS", "read_model", "parse_model", "ReadModel"]

MODEL_FORMATS = ("auto", "bqp", "biqmac", "mtx", "json")
#: The sense each format states its problems in (None: the user's choice, minimize by default).
FORMAT_SENSE = {"bqp": "maximize", "biqmac": "minimize", "mtx": None, "json": None}


class ReadModel(NamedTuple):
    """The model, the format it was read as, and the format's own sense (None: the user's choice)."""

    model: QuadraticModel
    format: str
    sense: str | None


def read_model(path: str | os.PathLike, *, vartype: str, format: str = "auto", problem: int = 1) -> ReadModel:
    """Read an Ising or QUBO file.

    Parameters
    ----------
    path : path-like
    vartype : {"SPIN", "BINARY"}
        What the text formats' variables are; a JSON file that names its own
        vartype is converted to this one (exactly: energies do not change).
    format : {"auto", "bqp", "biqmac", "mtx", "json"}
        ``auto``: ``.json`` and ``.mtx`` by extension, otherwise by content
        (a Matrix Market banner, a JSON object, a first line with one integer
        for bqp, two for biqmac).
    problem : int
        Which problem of a multi-problem bqp file (1-based).

    Raises
    ------
    InputError
        Naming the file and line (or JSON entry) of the first problem.
    """
    _check_options(vartype, format, problem)
    return parse_model(read_text(path), vartype=vartype, format=format, problem=problem, name=str(path))


def parse_model(text: str, *, vartype: str, format: str = "auto", problem: int = 1,
                name: str = "<string>") -> ReadModel:
    """Parse model text already in memory; see :func:`read_model`."""
    _check_options(vartype, format, problem)
    lines = _split_lines(text)
    if format == "auto":
        format = _detect(name, text, lines)
    if format != "bqp" and problem != 1:
        raise OptionError(f"--problem picks one problem of a bqp file; a {format} file holds one")
    if format == "json":
        model = _parse_json(text, name)
        model = model.to_vartype(vartype)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            model = {"bqp": _parse_bqp, "biqmac": _parse_biqmac, "mtx": _parse_mtx}[format](
                lines, name, vartype, problem)
    return ReadModel(model, format, FORMAT_SENSE[format])


def _check_options(vartype: str, format: str, problem: int) -> None:
    if vartype not in (SPIN, BINARY):
        raise OptionError(f"The 'vartype' parameter must be one of SPIN, BINARY. Got {vartype!r} instead.")
    if format not in MODEL_FORMATS:
        raise OptionError(f"The 'format' parameter must be one of {', '.join(MODEL_FORMATS)}. Got {format!r} instead.")
    if not (isinstance(problem, int) and not isinstance(problem, bool) and problem >= 1):
        raise OptionError(f"The 'problem' parameter must be a positive integer. Got {problem!r} instead.")


def _detect(name: str, text: str, lines: list[str]) -> str:
    ext = Path(name).suffix.lower()
    if ext == ".json":
        return "json"
    if ext in (".mtx", ".mm") or text.lstrip().lower().startswith("%%matrixmarket"):
        return "mtx"
    if text.lstrip().startswith("{"):
        return "json"
    first = next(_content(lines), None)
    if first is None:
        raise InputError("the file is empty", path=name)
    no, toks = first
    if len(toks) == 1:
        return "bqp"
    if len(toks) == 2:
        return "biqmac"
    raise InputError(f"cannot tell the format: the first line holds {len(toks)} values where a bqp file has the "
                     "number of problems and a BiqMac file 'n nnz'; give --format", path=name, line=no)


# ------------------------------------------------------------ text formats
def _header(content, name: str, what: str, limit: int):
    """The ``n nnz`` line: (line number, n, nnz)."""
    found = next(content, None)
    if found is None:
        raise InputError(f"missing the header 'n nnz' ({what})", path=name)
    no, toks = found
    if len(toks) != 2:
        raise InputError(f"expected the header 'n nnz' ({what}), found {len(toks)} value(s)", path=name, line=no)
    return no, _count(toks[0], "variable count", name, no, limit), _count(toks[1], "entry count", name, no)


def _entries(content, n: int, nnz: int, name: str, hno: int, *, exact: bool):
    """``nnz`` lines ``i j q`` as 0-based arrays and their line numbers; ``exact``: no line may follow."""
    rows, cols, vals, nos = [], [], [], []
    for no, toks in itertools.islice(content, nnz):
        if len(toks) != 3:
            raise InputError(f"expected 'i j q', found {len(toks)} value(s)", path=name, line=no)
        rows.append(_index(toks[0], "index", n, name, no))
        cols.append(_index(toks[1], "index", n, name, no))
        vals.append(_weight(toks[2], name, no))
        nos.append(no)
    if len(rows) != nnz:
        raise InputError(f"the header announces {nnz} entries but the file has {len(rows)}", path=name, line=hno)
    extra = next(content, None) if exact else None
    if extra is not None:
        raise InputError(f"the header announces {nnz} entries but the file has more", path=name, line=extra[0])
    return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals, dtype=np.float64),
            np.array(nos, dtype=np.int64))


def _fast_entries(lines: list[str], start: int, n: int, nnz: int, comment: str = "#"):
    """The same arrays by NumPy's parser, or None for anything unusual (the line-by-line reader explains it)."""
    table = _fast_table(lines, start, np.float64, comment=comment)
    if table is None or table.shape != (nnz, 3) or not np.all(np.isfinite(table)):
        return None
    ids = table[:, :2]
    if np.any(ids != np.round(ids)) or ids.min() < 1 or ids.max() > n:
        return None
    ids = ids.astype(np.int64) - 1
    return ids[:, 0], ids[:, 1], table[:, 2].copy(), None


def _symmetric(rows, cols, vals, nos, name: str):
    """One symmetric matrix's entries, each unordered pair once: (i <= j, value).

    A pair stated twice with one value is the same entry in both triangles;
    two values contradict each other.
    """
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    n = int(max(hi.max(initial=0), 0)) + 1
    key = lo * n + hi
    order = np.argsort(key, kind="stable")
    same = np.flatnonzero(key[order][1:] == key[order][:-1])
    if same.size:
        a, b = order[same], order[same + 1]
        clash = np.flatnonzero(vals[a] != vals[b])
        if clash.size:
            k = clash[0]
            where = "" if nos is None else f" (lines {nos[a[k]]} and {nos[b[k]]})"
            raise InputError(f"entry ({lo[a[k]] + 1}, {hi[a[k]] + 1}) is given twice with different values{where}; "
                             "a symmetric matrix has one", path=name, line=None if nos is None else int(nos[b[k]]))
        keep = np.ones(key.size, dtype=bool)
        keep[b] = False
        lo, hi, vals = lo[keep], hi[keep], vals[keep]
    return lo, hi, vals


def _from_symmetric(vartype, n, rows, cols, vals, nos, name):
    """x^T Q x with Q symmetric: a pair's coefficient is 2q, the diagonal is linear."""
    lo, hi, q = _symmetric(rows, cols, vals, nos, name)
    diag = lo == hi
    linear = np.zeros(n)
    np.add.at(linear, lo[diag], q[diag])
    off = ~diag
    return QuadraticModel.from_terms(vartype, n, linear, lo[off], hi[off], 2 * q[off], labels=_one_based_labels(n), name=name)


def _read_entries(lines, hno, n, nnz, name, fresh, *, exact, comment="#"):
    """The ``nnz`` entries after line ``hno``: NumPy's parser where no line may follow them, else (or where it
    declines) line by line from ``fresh()``, the data lines after the header with their numbers."""
    fast = _fast_entries(lines, hno, n, nnz, comment) if exact else None
    return fast if fast is not None else _entries(fresh(), n, nnz, name, hno, exact=exact)


def _read_symmetric(vartype, lines, hno, n, nnz, name, fresh, *, exact, comment="#"):
    """:func:`_read_entries` as one symmetric matrix; a contradiction is read again line by line to name its lines."""
    entries = _read_entries(lines, hno, n, nnz, name, fresh, exact=exact, comment=comment)
    try:
        return _from_symmetric(vartype, n, *entries, name)
    except InputError:
        if entries[3] is not None:
            raise
        return _from_symmetric(vartype, n, *_entries(fresh(), n, nnz, name, hno, exact=exact), name)


def _parse_biqmac(lines, name, vartype, problem):
    content = _content(lines)
    hno, n, nnz = _header(content, name, "variables and matrix entries", _vertex_limit(lines))
    if n < 1:
        raise InputError("the header announces no variables", path=name, line=hno)
    fresh = lambda: ((no + hno, toks) for no, toks in _content(lines[hno:]))  # noqa: E731
    return _read_symmetric(vartype, lines, hno, n, nnz, name, fresh, exact=True)


def _parse_bqp(lines, name, vartype, problem):
    content = _content(lines)
    first = next(content, None)
    if first is None:
        raise InputError("the file is empty; expected the number of problems", path=name)
    no, toks = first
    if len(toks) != 1:
        raise InputError(f"expected the number of problems on the first line, found {len(toks)} values", path=name,
                         line=no)
    count = _count(toks[0], "problem count", name, no)
    if problem > count:
        raise OptionError(f"{name}: the file holds {count} problem(s); --problem {problem} is not one of them")
    limit = _vertex_limit(lines)
    model = None
    for p in range(1, count + 1):  # every problem's header and count is checked, not only the one read
        hno, n, nnz = _header(content, name, f"problem {p} of {count}", limit)
        if n < 1:
            raise InputError("the header announces no variables", path=name, line=hno)
        if p == problem:
            model = _from_symmetric(vartype, n, *_entries(content, n, nnz, name, hno, exact=p == count), name)
            continue
        skipped = sum(1 for _ in itertools.islice(content, nnz))
        if skipped != nnz:
            raise InputError(f"problem {p} announces {nnz} entries but the file ends after {skipped}", path=name,
                             line=hno)
    extra = next(content, None)
    if extra is not None:
        raise InputError(f"the file announces {count} problem(s) but goes on after the last", path=name,
                         line=extra[0])
    return model if count == 1 else _renamed(model, f"{name}#{problem}")


def _renamed(model: QuadraticModel, name: str) -> QuadraticModel:
    return QuadraticModel(model.vartype, model.linear, model.pairs, model.quadratic, model.offset, model.labels, name)


def _parse_mtx(lines, name, vartype, problem):
    layout, field, symmetry = _mtx_banner(lines, name)
    if layout != "coordinate" or field not in ("real", "integer") or symmetry not in ("general", "symmetric"):
        raise InputError("a model is a 'coordinate' matrix, 'real' or 'integer', 'general' or 'symmetric'; this one "
                         f"is {layout} {field} {symmetry}", path=name, line=1)
    _, sno, rows_n, cols_n, nnz = _mtx_size(lines, name)
    if rows_n != cols_n or rows_n < 1:
        raise InputError(f"a model's matrix is square and not empty; this one is {rows_n} x {cols_n}", path=name,
                         line=sno)
    n = rows_n
    fresh = lambda: ((no + sno, toks) for no, toks in _content(lines[sno:], comment="%"))  # noqa: E731
    if symmetry == "symmetric":
        return _read_symmetric(vartype, lines, sno, n, nnz, name, fresh, exact=True, comment="%")
    rows, cols, vals, _ = _read_entries(lines, sno, n, nnz, name, fresh, exact=True, comment="%")
    diag = rows == cols
    linear = np.zeros(n)
    np.add.at(linear, rows[diag], vals[diag])
    off = ~diag
    return QuadraticModel.from_terms(vartype, n, linear, rows[off], cols[off], vals[off], labels=_one_based_labels(n),
                                     name=name)


# -------------------------------------------------------------------- JSON
def _parse_json(text: str, name: str) -> QuadraticModel:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=name, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not valid JSON (nested too deeply)", path=name) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object with 'linear' and 'quadratic' (or 'h' and 'J', or 'Q')", path=name)
    families = [keys for keys in (("linear", "quadratic"), ("h", "J"), ("Q",)) if set(keys) & set(data)]
    if len(families) > 1:
        used = sorted(k for keys in families for k in keys if k in data)
        raise InputError(f"mixes the spellings {used}: use 'linear'/'quadratic', 'h'/'J' or 'Q'", path=name)
    vartype = data.get("vartype")
    implied = SPIN if {"h", "J"} & set(data) else BINARY if "Q" in data else None
    if vartype is not None:
        if vartype not in (SPIN, BINARY):
            raise InputError(f"'vartype' must be \"SPIN\" or \"BINARY\", got {vartype!r}", path=name)
        if implied is not None and implied != vartype:
            raise InputError(f"'vartype' {vartype!r} contradicts the keys: 'h'/'J' are spins, 'Q' bits", path=name)
    vartype = vartype or implied
    if vartype is None:
        raise InputError("say what the variables are: 'vartype' \"SPIN\" or \"BINARY\" (or use 'h'/'J' or 'Q')",
                         path=name)
    unknown = sorted(set(data) - {"linear", "quadratic", "h", "J", "Q", "offset", "vartype", "name"})
    if unknown:
        raise InputError(f"unknown key(s) {unknown}", path=name)
    index: dict[str, int] = {}

    def var(label, where: str) -> int:
        if isinstance(label, bool) or not isinstance(label, (str, int)):
            raise InputError(f"{where}: a variable label is a string or an integer, got {label!r}", path=name)
        return index.setdefault(str(label), len(index))

    linear_terms = []
    lin = data.get("linear", data.get("h", {}))
    if isinstance(lin, list):
        lin = dict(enumerate(lin))
    if not isinstance(lin, dict):
        raise InputError(f"'{'h' if 'h' in data else 'linear'}' must be an object {{label: bias}} or a list",
                         path=name)
    for label, bias in lin.items():
        linear_terms.append((var(label, f"linear[{label!r}]"), _number(bias, f"linear[{label!r}]", name)))
    triples = data.get("quadratic", data.get("J", data.get("Q", [])))
    key = "J" if "J" in data else "Q" if "Q" in data else "quadratic"
    if not isinstance(triples, list):
        raise InputError(f"'{key}' must be a list of [u, v, bias]", path=name)
    heads, tails, coeffs = [], [], []
    for k, entry in enumerate(triples):
        where = f"{key}[{k}]"
        if not (isinstance(entry, list) and len(entry) == 3):
            raise InputError(f"{where}: expected [u, v, bias], got {_brief(entry)}", path=name)
        u, v = var(entry[0], where), var(entry[1], where)
        if u == v and vartype == SPIN and key != "Q":
            raise InputError(f"{where}: a coupling joins two different variables, got {entry[0]!r} twice", path=name)
        heads.append(u)
        tails.append(v)
        coeffs.append(_number(entry[2], where, name))
    offset = _number(data.get("offset", 0.0), "offset", name)
    n = len(index)
    linear = np.zeros(n)
    for i, b in linear_terms:
        linear[i] += b
    return QuadraticModel.from_terms(vartype, n, linear, np.array(heads, dtype=np.int64),
                                     np.array(tails, dtype=np.int64), np.array(coeffs), offset=offset,
                                     labels=list(index), name=name)


def _number(value, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: expected a number, got {_brief(value)}", path=name)
    try:
        f = float(value)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        raise InputError(f"{where}: {_brief(value)} is not a finite number", path=name)
    return f


def _brief(value) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else repr(value)
    return text if len(text) <= 40 else text[:40] + "..."
