"""Property-based tests of the point reader: any file gives a finite 2-D array or a clean InputError.

Valid tables are written with the separators, headers, comments and line
endings the reader accepts and must read back exactly; random text and random
bytes under every point extension must give a well-formed array or an
InputError, never another exception.
"""

from __future__ import annotations

import io
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.errors import InputError
from solver.io.points import read_points

FAST = settings(max_examples=60, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
finite = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12)


def _read(content: bytes, name: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return read_points(path)


@FAST
@given(
    rows=st.integers(2, 8).flatmap(lambda n: st.integers(1, 5).flatmap(
        lambda d: st.lists(st.lists(finite, min_size=d, max_size=d), min_size=n, max_size=n))),
    sep=st.sampled_from([",", " ", "\t", ";", " , ", "  "]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    header=st.booleans(),
    comment=st.booleans(),
    ext=st.sampled_from([".csv", ".txt", ".tsv"]),
)
def test_valid_tables_read_back_exactly(rows, sep, newline, header, comment, ext):
    lines = (["x" + sep + "y"] if header else []) + (["# a comment"] if comment else [])
    lines += [sep.join(repr(v) for v in row) + ("  # trailing" if comment else "") for row in rows]
    X = _read(newline.join(lines).encode(), "p" + ext)
    assert X.dtype == np.float64 and np.array_equal(X, np.array(rows, dtype=np.float64))


def _well_formed_or_clean(content: bytes, name: str) -> None:
    try:
        X = _read(content, name)
    except InputError:
        return
    assert X.ndim == 2 and X.shape[0] >= 2 and np.isfinite(X).all()


@FAST
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.-+eEnaif ,;\t\n\r#x")), max_size=200),
       ext=st.sampled_from([".csv", ".txt", ".tsv"]))
def test_random_number_soup_gives_points_or_a_clean_error(text, ext):
    _well_formed_or_clean(text.encode(), "p" + ext)


@FAST
@given(content=st.binary(max_size=300), ext=st.sampled_from([".csv", ".txt", ".npy", ".npz"]))
def test_random_bytes_give_points_or_a_clean_error(content, ext):
    _well_formed_or_clean(content, "p" + ext)


@pytest.mark.parametrize("cut", [6, 20, 60, -8])
def test_truncated_npy_and_npz_are_clean_errors(cut):
    X = np.random.default_rng(0).standard_normal((20, 3))
    for ext, save in ((".npy", np.save), (".npz", lambda f, a: np.savez(f, a=a))):
        buf = io.BytesIO()
        save(buf, X)
        with pytest.raises(InputError):
            _read(buf.getvalue()[:cut], "p" + ext)
