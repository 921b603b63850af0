"""Point-set readers: .npy, .npz, .csv and .txt, validated with file:line messages."""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..errors import InputError
from .text import read_text

__all__ = ["POINT_EXTENSIONS", "read_points", "validate_points"]

POINT_EXTENSIONS = (".npy", ".npz", ".csv", ".txt", ".tsv")


def validate_points(X: np.ndarray, *, name: str = "points", min_rows: int = 2) -> np.ndarray:
    """Check a numeric 2-D array of finite values; return it as float32 or float64.

    Raises
    ------
    InputError
        A 1-D or 3-D array, a non-numeric dtype, NaN or infinity (with the
        first offending row, 1-based), or too few rows.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "fiu":
        raise InputError(f"expected a numeric array, got dtype {X.dtype}", path=name)
    if X.ndim != 2:
        raise InputError(f"expected a 2-D array (points x coordinates), got shape {X.shape}", path=name)
    if X.shape[0] < min_rows or X.shape[1] < 1:
        raise InputError(f"expected at least {min_rows} points with at least one coordinate, got shape {X.shape}",
                         path=name)
    if X.dtype != np.float32:
        X = X.astype(np.float64, copy=False)
    finite = np.isfinite(X)
    if not finite.all():
        row = int(np.argmin(finite.all(axis=1)))
        raise InputError(f"row {row + 1} holds NaN or infinity ({X[row][~finite[row]][0]})", path=name)
    return X


def read_points(path: str | os.PathLike, *, key: str | None = None) -> np.ndarray:
    """Read an (n, d) point set.

    Parameters
    ----------
    path : path-like
        ``.npy`` (float32 or float64, or integers), ``.npz`` (the array named
        ``key``, or the only array), ``.csv`` / ``.txt`` / ``.tsv`` (numbers
        separated by commas, tabs or spaces, an optional header line).
    key : str, optional
        Array name inside an ``.npz``.

    Returns
    -------
    numpy.ndarray
        float32 if the file held float32, float64 otherwise.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if not p.exists():
        raise InputError("no such file", path=p)
    if p.is_dir():
        raise InputError("is a directory, not a file", path=p)
    if ext == ".npy":
        X = _load_npy(p)
    elif ext == ".npz":
        X = _load_npz(p, key)
    elif ext in (".csv", ".txt", ".tsv"):
        X = _load_text(p)
    else:
        raise InputError(f"unknown point-file extension {ext!r} (use {', '.join(POINT_EXTENSIONS)})", path=p)
    if key is not None and ext != ".npz":
        raise InputError("--key applies to .npz files only", path=p)
    return validate_points(X, name=str(p))


def _magic(p: Path, size: int) -> bytes:
    with p.open("rb") as fh:
        return fh.read(size)


def _load_npy(p: Path) -> np.ndarray:
    if _magic(p, 6) != b"\x93NUMPY":
        raise InputError("not a valid .npy file (no NumPy header; is it text or another format?)", path=p)
    try:
        return np.load(p, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InputError("holds Python objects (a pickled array), not numbers", path=p) from None
        raise InputError(f"not a valid .npy file ({exc})", path=p) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"not a valid .npy file ({exc})", path=p) from None


def _load_npz(p: Path, key: str | None) -> np.ndarray:
    if _magic(p, 2) != b"PK":
        raise InputError("not a valid .npz file (not a zip archive)", path=p)
    try:
        with np.load(p, allow_pickle=False) as archive:
            names = list(archive.files)
            if not names:
                raise InputError("the archive holds no arrays", path=p)
            if key is None:
                if len(names) > 1:
                    raise InputError(f"holds several arrays ({', '.join(names)}); choose one with --key", path=p)
                key = names[0]
            if key not in names:
                raise InputError(f"no array named {key!r} (it holds {', '.join(names)})", path=p)
            return archive[key]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"not a valid .npz file ({exc})", path=p) from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InputError(f"array {key!r} holds Python objects, not numbers", path=p) from None
        raise InputError(f"not a valid .npz file ({exc})", path=p) from None


def _load_text(p: Path) -> np.ndarray:
    text = read_text(p)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows: list[tuple[int, list[str]]] = []
    for no, raw in enumerate(lines, 1):
        content = raw.split("#", 1)[0].strip()
        if content:
            rows.append((no, content.replace(",", " ").replace(";", " ").split()))
    if not rows:
        raise InputError("no data rows", path=p)
    if not _numeric(rows[0][1]):  # a header line
        rows = rows[1:]
        if not rows:
            raise InputError("only a header, no data rows", path=p)
    width = len(rows[0][1])
    body = "\n".join(" ".join(toks) for _, toks in rows)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X = np.loadtxt(io.StringIO(body), dtype=np.float64, ndmin=2)
        if X.shape == (len(rows), width):
            bad = ~np.isfinite(X).all(axis=1)
            if bad.any():
                no = rows[int(np.argmax(bad))][0]
                raise InputError("NaN or infinity among the coordinates", path=p, line=no)
            return X
    except ValueError:
        pass
    for no, toks in rows:
        if len(toks) != width:
            raise InputError(f"expected {width} numbers as on the first data row, found {len(toks)}", path=p, line=no)
        for tok in toks:
            try:
                float(tok)
            except ValueError:
                raise InputError(f"{tok!r} is not a number", path=p, line=no) from None
    raise InputError("could not be read as a table of numbers", path=p)  # pragma: no cover


def _numeric(tokens: list[str]) -> bool:
    try:
        [float(t) for t in tokens]
        return True
    except ValueError:
        return False


def write_array(path: str | os.PathLike, A: np.ndarray) -> None:
    """Write an array atomically: ``.npy`` (binary, dtype kept) or ``.csv`` / ``.txt`` (text, full precision)."""
    from .writers import atomic_write

    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".npy":
        buf = io.BytesIO()
        np.save(buf, np.asarray(A), allow_pickle=False)
        atomic_write(p, buf.getvalue())
    elif ext in (".csv", ".txt", ".tsv"):
        buf = io.StringIO()
        np.savetxt(buf, np.asarray(A), delimiter="," if ext == ".csv" else "\t" if ext == ".tsv" else " ",
                   fmt="%.17g")
        atomic_write(p, buf.getvalue())
    else:
        raise InputError(f"unknown array-file extension {ext!r} (use .npy, .csv, .txt or .tsv)", path=p)
