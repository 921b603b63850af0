"""Property-based tests of the Ising/QUBO readers: a generated model written in each format reads back with
the same energies; a mutated or random file reads as a well-formed model or raises a clean error."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.errors import InputError, OptionError
from solver.io.quadratic import parse_model
from solver.model import BINARY, SPIN, QuadraticModel

SCALE = float(os.environ.get("DERAND_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=max(1, int(60 * SCALE)), deadline=timedelta(seconds=10),
                derandomize=os.environ.get("DERAND_FUZZ_RANDOM") is None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def models(draw):
    """(n, diagonal, {(i, j): q} with i < j) of a symmetric integer matrix."""
    n = draw(st.integers(1, 7))
    diagonal = draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))
    pairs = draw(st.dictionaries(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1]),
                                 st.integers(-9, 9).filter(bool), max_size=12))
    return n, diagonal, pairs


def _writes(n, diagonal, pairs, swap):
    """The same matrix as bqp, biqmac and mtx text; ``swap`` states some pairs as (j, i)."""
    entries = [(i, i, q) for i, q in enumerate(diagonal) if q] + [
        (j, i, q) if swap and k % 2 else (i, j, q) for k, ((i, j), q) in enumerate(sorted(pairs.items()))]
    body = "".join(f"{i + 1} {j + 1} {q}\n" for i, j, q in entries)
    lower = "".join(f"{max(i, j) + 1} {min(i, j) + 1} {q}\n" for i, j, q in entries)
    return {
        "bqp": f"1\n{n} {len(entries)}\n{body}",
        "biqmac": f"{n} {len(entries)}\n{body}",
        "mtx": f"%%MatrixMarket matrix coordinate integer symmetric\n{n} {n} {len(entries)}\n{lower}",
    }


@FUZZ
@given(models(), st.booleans(), st.sampled_from([SPIN, BINARY]))
def test_every_format_reads_the_same_energies(model, swap, vartype):
    n, diagonal, pairs = model
    q = np.diag(np.array(diagonal, dtype=float))
    for (i, j), v in pairs.items():
        q[i, j] = q[j, i] = v
    values = np.array(np.meshgrid(*[[-1, 1] if vartype == SPIN else [0, 1]] * n)).reshape(n, -1).T.astype(float)
    off = q - np.diag(np.diag(q))
    want = values @ np.diag(q) + np.einsum("ki,ij,kj->k", values, off, values)
    for fmt, text in _writes(n, diagonal, pairs, swap).items():
        got = parse_model(text, vartype=vartype, format=fmt).model
        assert got.n == n and np.array_equal(got.energies(values), want), fmt
    as_json = {"vartype": vartype, "linear": {str(i): d for i, d in enumerate(diagonal)},
               "quadratic": [[str(i), str(j), 2 * v] for (i, j), v in pairs.items()]}
    got = parse_model(json.dumps(as_json), vartype=vartype, format="json").model
    order = [int(label) for label in got.labels]
    assert np.array_equal(got.energies(values[:, order]), want)


def _mutate(text: str, data) -> str:
    kind = data.draw(st.sampled_from(["truncate", "garbage", "token", "duplicate", "drop"]))
    lines = text.splitlines(True)
    if kind == "truncate":
        return text[:data.draw(st.integers(0, len(text)))]
    if kind == "garbage":
        at = data.draw(st.integers(0, len(text)))
        return text[:at] + data.draw(st.text(max_size=12)) + text[at:]
    if kind == "token":
        tokens = text.split(" ")
        k = data.draw(st.integers(0, len(tokens) - 1))
        tokens[k] = data.draw(st.sampled_from(["nan", "-1", "0", "1e400", "99999999999999999999", "x", "2.5", ""]))
        return " ".join(tokens)
    k = data.draw(st.integers(0, len(lines) - 1))
    return "".join(lines[:k] + ([lines[k]] * 2 if kind == "duplicate" else []) + lines[k + 1:])


def _check(model: QuadraticModel) -> None:
    assert model.n == len(model.labels) and model.linear.shape == (model.n,)
    assert np.all(np.isfinite(model.linear)) and np.all(np.isfinite(model.quadratic))
    assert np.all(model.pairs[:, 0] < model.pairs[:, 1]) if model.m else True


@FUZZ
@given(models(), st.sampled_from(["bqp", "biqmac", "mtx", "auto"]), st.data())
def test_mutated_files_read_or_fail_cleanly(model, fmt, data):
    n, diagonal, pairs = model
    text = _mutate(_writes(n, diagonal, pairs, False)[fmt if fmt != "auto" else "biqmac"], data)
    try:
        _check(parse_model(text, vartype=BINARY, format=fmt).model)
    except (InputError, OptionError):
        pass


@FUZZ
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))),
       st.sampled_from(["auto", "json", "bqp"]))
def test_random_text_reads_or_fails_cleanly(text, fmt):
    try:
        _check(parse_model(text, vartype=SPIN, format=fmt).model)
    except (InputError, OptionError):
        pass


@FUZZ
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(
                        st.sampled_from(["h", "J", "Q", "linear", "quadratic", "offset", "vartype", "a"]), children,
                        max_size=4), max_leaves=12))
def test_random_json_reads_or_fails_cleanly(value):
    try:
        _check(parse_model(json.dumps(value), vartype=BINARY, format="json").model)
    except (InputError, OptionError):
        pass
