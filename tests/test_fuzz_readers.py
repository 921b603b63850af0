"""Property-based tests of every reader: any file gives a correct graph (or cut) or a clean InputError.

Valid files are generated together with an independent expectation (labels,
summed edge weights, sides) and decorated with every legal oddity (CRLF, CR,
a BOM, tabs, commas, semicolons, runs of spaces, trailing spaces, comments,
blank lines); then mutated (truncated, cut, spliced with garbage, tokens
swapped for huge or odd numbers, lines duplicated) or replaced by random
bytes. Whatever happens, the reader returns a well-formed result or raises
InputError: never another exception, never a hang (each example has a
deadline), and at the command line never an output file.

Example counts are kept small so the file runs in seconds; for a longer
search run with ``DERAND_FUZZ_SCALE=20 DERAND_FUZZ_RANDOM=1``.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import warnings
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solver.cli import app
from solver.errors import DerandWarning, InputError
from solver.graph import Graph
from solver.io import MAX_ISOLATED_VERTICES, parse_assignment, parse_graph, read_assignment, read_graph
from solver.io import graphs as graph_readers
from solver.io.text import decode_text

SCALE = float(os.environ.get("DERAND_FUZZ_SCALE", "1"))


def fuzz(examples: int):
    """Hypothesis settings: ``examples`` (times DERAND_FUZZ_SCALE), reproducible unless DERAND_FUZZ_RANDOM is set."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=timedelta(seconds=10),  # a hang, not a slow machine
        derandomize=os.environ.get("DERAND_FUZZ_RANDOM") is None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# ------------------------------------------------------------------ helpers
def check_graph(g: Graph) -> None:
    """What every graph a reader returns satisfies."""
    assert isinstance(g, Graph)
    assert 1 <= g.n and g.m >= 1 and len(g.labels) == g.n and len(set(g.labels)) == g.n
    assert g.edges.shape == (g.m, 2) and g.edges.dtype == np.int64
    assert np.all(g.edges[:, 0] < g.edges[:, 1]) and g.edges.min() >= 0 and g.edges.max() < g.n
    assert len({(int(a), int(b)) for a, b in g.edges}) == g.m
    assert g.weights.shape == (g.m,) and np.all(np.isfinite(g.weights))
    assert np.isfinite(np.abs(g.weights).sum())


def read_or_error(text_or_bytes, name: str, fmt: str):
    """Parse as a file would be read; return the Graph or the InputError, let anything else fail the test."""
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8", "surrogatepass")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no library's warning may leak out of a reader...
        warnings.simplefilter("ignore", DerandWarning)  # ...but derand's own, for odd but legal input
        try:
            g = parse_graph(decode_text(data, name), format=fmt, name=name)
        except InputError as exc:
            assert str(exc).startswith(name), str(exc)  # errors name the file
            return exc
    check_graph(g)
    return g


@contextmanager
def reference_only():
    """Force the line-by-line reference parsers (no NumPy fast path)."""
    with mock.patch.object(graph_readers, "_fast_table", lambda *a, **k: None):
        yield


def same_graph(a: Graph, b: Graph) -> bool:
    return (a.n == b.n and a.labels == b.labels and np.array_equal(a.edges, b.edges)
            and np.array_equal(a.weights, b.weights))


def graph_as_dict(g: Graph) -> dict:
    return {frozenset((g.labels[i], g.labels[j])): w for (i, j), w in zip(g.edges.tolist(), g.weights.tolist())}


def assert_matches(g, expected) -> None:
    labels, weights = expected
    if weights is None:  # every edge was a self-loop
        assert isinstance(g, InputError) and "no edges" in str(g), g
        return
    assert isinstance(g, Graph), g
    assert g.labels == labels
    got = graph_as_dict(g)
    assert set(got) == set(weights)
    for key, w in weights.items():
        assert got[key] == pytest.approx(w, rel=1e-12, abs=1e-300)


def expect(labels, edges):
    """Independent expectation: labels in order, and weights summed per unordered pair, self-loops dropped."""
    sums: dict = {}
    for u, v, w in edges:
        if u != v:
            key = frozenset((u, v))
            sums[key] = sums.get(key, 0.0) + (1.0 if w is None else float(w))
    return tuple(labels), (sums or None)


# -------------------------------------------------------- file decorations
SEPARATORS = [" ", "\t", "  ", " \t ", ",", ", ", ";", "\t,"]
ENDINGS = ["\n", "\r\n", "\r"]

# Integer weights (exact), dyadic fractions (exact sums) and arbitrary finite floats (repr round-trips).
weights = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.builds(lambda k, e: k / 2 ** e, st.integers(-10**6, 10**6), st.integers(0, 10)),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)


def fmt_weight(w) -> str:
    return repr(w) if isinstance(w, float) else str(w)


@st.composite
def layout(draw, comment: str = "#"):
    """How to write lines: separators, line ending, BOM, spacing, comments and blank lines."""
    return {
        "sep": draw(st.sampled_from(SEPARATORS)),
        "mixed": draw(st.booleans()),
        "end": draw(st.sampled_from(ENDINGS)),
        "bom": draw(st.booleans()),
        "lead": draw(st.sampled_from(["", " ", "\t"])),
        "trail": draw(st.sampled_from(["", " ", "\t", "  "])),
        "comments": draw(st.lists(st.tuples(st.integers(0, 50), st.text(st.characters(blacklist_categories=["Cs"],
                                  blacklist_characters="\r\n\x00\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"), max_size=12)),
                                  max_size=3)),
        "blank": draw(st.lists(st.integers(0, 50), max_size=3)),
        "comment": comment,
        "rng": draw(st.randoms(use_true_random=False)),
    }


def render(rows: list[list[str]], how: dict, head: list[str] = (), keep_first: int = 0) -> str:
    """Rows of tokens to file text, decorated; the first ``keep_first`` head lines stay in place, undecorated."""
    rng = how["rng"]
    lines = []
    for toks in rows:
        sep = rng.choice(SEPARATORS) if how["mixed"] else how["sep"]
        line = how["lead"] + sep.join(toks) + how["trail"]
        if how["comments"] and rng.random() < 0.2:
            line += f" {how['comment']} trailing note"
        lines.append(line)
    for pos, text in how["comments"]:
        lines.insert(min(pos, len(lines)), how["comment"] + text)
    for pos in how["blank"]:
        lines.insert(min(pos, len(lines)), rng.choice(["", " ", "\t "]))
    text = how["end"].join(list(head) + lines) + how["end"]
    return ("\ufeff" if how["bom"] else "") + text


# ------------------------------------------------------ valid graph files
label_text = st.text("abcxyzλé_-.0123456789%", min_size=1, max_size=6)
label_int = st.integers(-(10**20), 10**20).map(str) | st.sampled_from(["007", "+3", "-0", "0"])


@st.composite
def edgelist_files(draw):
    numeric = draw(st.booleans())
    labels = draw(st.lists(label_int if numeric else label_text, min_size=2, max_size=10, unique=True))
    edges = draw(st.lists(st.tuples(st.sampled_from(labels), st.sampled_from(labels), weights), min_size=1, max_size=20))
    how = draw(layout("#"))
    # With weights on some lines only, every weightless line is 'u v'.
    rows = [[u, v] + ([] if w is None else [fmt_weight(w)]) for u, v, w in edges]
    used = list(dict.fromkeys(t for u, v, _ in edges for t in (u, v)))
    if all(re.fullmatch(r"[+-]?[0-9]+", t) for t in used):
        used.sort(key=lambda t: (int(t), t))
    return render(rows, how), expect(used, edges)


@st.composite
def rudy_files(draw):
    n = draw(st.integers(2, 12))
    ids = st.integers(1, n)
    edges = draw(st.lists(st.tuples(ids, ids, weights), min_size=1, max_size=20))
    how = draw(layout("#"))
    rows = [[str(i), str(j)] + ([] if w is None else [fmt_weight(w)]) for i, j, w in edges]
    header = how["lead"] + f"{n}{how['sep']}{len(edges)}" + how["trail"]
    text = render(rows, how, head=[header])
    labels = [str(i) for i in range(1, n + 1)]
    return text, expect(labels, [(str(i), str(j), w) for i, j, w in edges])


@st.composite
def mtx_files(draw):
    n = draw(st.integers(2, 12))
    field = draw(st.sampled_from(["real", "integer", "pattern"]))
    symmetry = draw(st.sampled_from(["symmetric", "general"]))
    ids = st.integers(1, n)
    w_strategy = {"real": st.builds(lambda k, e: k / 2 ** e, st.integers(-1000, 1000), st.integers(0, 4)),
                  "integer": st.integers(-1000, 1000), "pattern": st.none()}[field]
    edges = draw(st.lists(st.tuples(ids, ids, w_strategy), min_size=1, max_size=15))
    entries = []
    for i, j, w in edges:
        entries.append((i, j, w))
        if symmetry == "general":  # a symmetric matrix stored in full: each edge in both directions
            entries.append((j, i, w))
    how = draw(layout("%"))
    how["bom"] = False  # the banner must open the file
    rows = [[str(i), str(j)] + ([] if w is None else [fmt_weight(w)]) for i, j, w in entries]
    banner = f"%%MatrixMarket matrix coordinate {field} {symmetry}"
    size = f"{n} {n} {len(entries)}"
    rows.insert(0, size.split())
    text = render(rows, how, head=[banner])
    labels = [str(i) for i in range(1, n + 1)]
    # A diagonal entry of a general matrix is written twice but is a self-loop, dropped either way.
    return text, expect(labels, [(str(i), str(j), w) for i, j, w in edges])


GENERATORS = {"edgelist": edgelist_files(), "rudy": rudy_files(), "mtx": mtx_files()}
NAMES = {"edgelist": "g.edgelist", "rudy": "g.txt", "mtx": "g.mtx"}


@pytest.mark.parametrize("kind", list(GENERATORS))
@fuzz(60)
@given(data=st.data())
def test_valid_files_round_trip(kind, data):
    text, expected = data.draw(GENERATORS[kind])
    for fmt in (kind, "auto"):
        g = read_or_error(text, NAMES[kind], fmt)
        assert_matches(g, expected)
        with reference_only():
            slow = read_or_error(text, NAMES[kind], fmt)
        assert_matches(slow, expected)


def test_fast_path_is_taken_on_plain_files():
    """The round trips above check both paths agree; this checks the fast path is really used."""
    calls = []
    real = graph_readers._fast_table

    def spy(*args, **kwargs):
        table = real(*args, **kwargs)
        calls.append(table is not None)
        return table

    with mock.patch.object(graph_readers, "_fast_table", spy):
        read_or_error("3 2\n1 2 1\n2 3 -1\n", "g.txt", "auto")
        read_or_error("a b 1\nb c 2.5\n", "g.edgelist", "auto")
        read_or_error("%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1\n3 2 4\n", "g.mtx", "auto")
    assert calls == [True, True, True]


# ------------------------------------------------------------- mutations
ODD_TOKENS = ["9" * 30, "9" * 5000, "-" + "9" * 25, "1e400", "-1e400", "1e-400", "nan", "NaN", "inf", "-inf",
              "-0", "0x10", "1_000", "١٢", "１２", "+", "-", ".", "1.5", "2.0", str(2**63), str(-(2**63) - 1),
              str(MAX_ISOLATED_VERTICES + 1), "1.7976931348623157e308", "", "#", "%", "%%MatrixMarket", "\ufeff1", "\x0c",
              "\xa0", "\u2003", "'", '"']


@st.composite
def mutated(draw):
    kind = draw(st.sampled_from(list(GENERATORS)))
    text, _ = draw(GENERATORS[kind])
    rng = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["truncate", "cut", "insert", "token", "duplicate", "swap", "bytes"]))
        if how == "truncate":
            text = text[: rng.randrange(len(text) + 1)]
        elif how == "cut":
            a = rng.randrange(len(text) + 1)
            text = text[:a] + text[a + rng.randrange(1, 20):]
        elif how == "insert":
            a = rng.randrange(len(text) + 1)
            text = text[:a] + draw(st.text(max_size=8)) + text[a:]
        elif how == "token":
            toks = list(re.finditer(r"[^\s,;]+", text))
            if toks:
                t = rng.choice(toks)
                text = text[: t.start()] + rng.choice(ODD_TOKENS) + text[t.end():]
        elif how in ("duplicate", "swap"):
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if how == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            raw = bytearray(text.encode("utf-8", "surrogatepass"))
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            return kind, bytes(raw)
    return kind, text


@fuzz(200)
@given(case=mutated(), fmt=st.sampled_from(["given", "auto"]))
def test_mutated_files_give_a_graph_or_a_clean_error(case, fmt):
    kind, content = case
    fmt = kind if fmt == "given" else "auto"
    g = read_or_error(content, NAMES[kind], fmt)
    with reference_only():
        slow = read_or_error(content, NAMES[kind], fmt)
    # The fast path may only ever agree with the reference parser.
    assert isinstance(g, InputError) == isinstance(slow, InputError), (g, slow)
    if isinstance(g, Graph):
        assert same_graph(g, slow)


@fuzz(120)
@given(content=st.binary(max_size=400), name=st.sampled_from(["g.txt", "g.edgelist", "g.mtx", "g.csv", "g"]),
       fmt=st.sampled_from(["auto", "edgelist", "rudy", "mtx"]))
def test_random_bytes_give_a_graph_or_a_clean_error(content, name, fmt):
    read_or_error(content, name, fmt)


alphabet = st.sampled_from(list("0123456789 \t,;.-+e#%\n\r") + ["\r\n", "nan", "inf", "a", "é", "\ufeff", "\x0c",
                                                                 "%%MatrixMarket matrix coordinate real general\n"])


@fuzz(150)
@given(parts=st.lists(alphabet, max_size=60), name=st.sampled_from(["g.txt", "g.edgelist", "g.mtx"]))
def test_number_soup_gives_a_graph_or_a_clean_error(parts, name):
    text = "".join(parts)
    g = read_or_error(text, name, "auto")
    with reference_only():
        slow = read_or_error(text, name, "auto")
    assert isinstance(g, InputError) == isinstance(slow, InputError), (g, slow)
    if isinstance(g, Graph):
        assert same_graph(g, slow)


@pytest.mark.parametrize(
    "text,match",
    [
        ("99999999999999999999999999 1\n1 2\n", "vertex count 99999999999999999999999999 is too large"),
        (f"{MAX_ISOLATED_VERTICES + 20} 1\n1 2\n",
         r"vertex count 1,000,020 is more than this file can describe \(at most 1,000,015: one vertex per character"),
        ("3 " + "9" * 5000 + "\n1 2\n", "edge count 9999"),
        ("%%MatrixMarket matrix coordinate pattern symmetric\n" + "9" * 40 + " " + "9" * 40 + " 1\n2 1\n",
         "row count 9999"),
        ("a b 1e308\nb a 1e308\n", "their sum overflows"),
        ("a b 1.7e308\nc d 1.7e308\n", "their sum overflows"),
    ],
)
def test_huge_numbers_are_clean_errors(text, match):
    fmt = "mtx" if text.startswith("%%") else ("edgelist" if text[0] == "a" else "rudy")
    with pytest.raises(InputError, match=match):
        parse_graph(text, format=fmt, name="g")


def test_header_limit_grows_with_the_file():
    n = MAX_ISOLATED_VERTICES + 5000
    edges = "".join(f"{i} {i + 1}\n" for i in range(1, 1001))  # about 9000 characters
    g = parse_graph(f"{n} 1000\n{edges}", format="rudy", name="g")
    assert g.n == n and g.labels[-1] == str(n)


def test_very_long_lines_take_the_reference_path():
    long = "v" * 100_000
    text = "".join(f"a{i} a{i + 1}\n" for i in range(2000)) + f"a0 {long} 2\n"
    g = parse_graph(text, format="edgelist", name="g")
    assert g.n == 2002 and g.labels[-1] == long and g.total_weight == 2002


def test_huge_integer_labels_keep_their_numeric_order():
    big = "9" * 5000
    g = parse_graph(f"{big} 1\n1 -{big}\n", format="edgelist", name="g")
    assert g.labels == (f"-{big}", "1", big)


# -------------------------------------------------------- the assignment reader
@st.composite
def graphs_with_cuts(draw):
    labels = draw(st.lists(label_text | label_int, min_size=2, max_size=10, unique=True))
    n = len(labels)
    g = Graph.from_edges(n, np.arange(n - 1), np.arange(1, n), labels=labels)
    sides = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return g, sides


@st.composite
def assignment_files(draw):
    g, sides = draw(graphs_with_cuts())
    convention = draw(st.sampled_from(["01", "pm", "bool", "float"]))
    words = {"01": ("0", "1"), "pm": ("-1", "+1" if draw(st.booleans()) else "1"),
             "bool": ("false", "true") if draw(st.booleans()) else ("False", "TRUE"), "float": ("0.0", "1.0")}[convention]
    kind = draw(st.sampled_from(["text", "json", "npy"]))
    order = draw(st.permutations(range(g.n)))
    if kind == "text":
        rows = [[g.labels[i], words[int(sides[i])]] for i in order]
        how = draw(layout("#"))
        return g, sides, "cut.tsv", render(rows, how).encode("utf-8")
    if kind == "json":
        value = {"01": int, "pm": lambda s: 1 if s else -1, "bool": bool, "float": float}[convention]
        obj = {g.labels[i]: value(bool(sides[i])) for i in order}
        return g, sides, "cut.json", json.dumps(obj, indent=draw(st.sampled_from([None, 1, "\t"]))).encode()
    dtype = {"01": draw(st.sampled_from(["i1", "<i8", ">i4", "u1"])), "pm": "i2", "bool": "?", "float": "<f4"}[convention]
    values = np.where(sides, 1, -1 if convention == "pm" else 0).astype(dtype)
    buffer = io.BytesIO()
    np.save(buffer, values)
    return g, sides, "cut.npy", buffer.getvalue()


def read_cut_or_error(g, name, data, tmp_path):
    p = tmp_path / name
    p.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sides = read_assignment(p, g)
    except InputError as exc:
        assert str(exc).startswith(str(p)), str(exc)
        return exc
    assert sides.dtype == bool and sides.shape == (g.n,)
    return sides


@fuzz(120)
@given(case=assignment_files())
def test_valid_assignments_round_trip(tmp_path, case):
    g, sides, name, data = case
    got = read_cut_or_error(g, name, data, tmp_path)
    assert isinstance(got, np.ndarray), got
    assert got.tolist() == sides.tolist()


@fuzz(150)
@given(case=assignment_files(), data=st.data())
def test_mutated_assignments_give_a_cut_or_a_clean_error(tmp_path, case, data):
    g, sides, name, content = case
    rng = data.draw(st.randoms(use_true_random=False))
    raw = bytearray(content)
    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete", "token"]))
        if how == "truncate":
            del raw[rng.randrange(len(raw) + 1):]
        elif how == "flip" and raw:
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        elif how == "insert":
            at = rng.randrange(len(raw) + 1)
            raw[at:at] = data.draw(st.sampled_from([b"x 1\n", b"\n", b"#", b",", b"NaN", b"-1", b"2", b"\x00",
                                                    b'"', b"{", b"}", b"\xff", b"\r"]))
        elif how == "delete" and raw:
            at = rng.randrange(len(raw))
            del raw[at:at + rng.randrange(1, 10)]
        elif how == "token":
            text = raw.decode("utf-8", "replace")
            toks = list(re.finditer(r"[^\s,;:{}\"]+", text))
            if toks:
                t = rng.choice(toks)
                text = text[: t.start()] + rng.choice(ODD_TOKENS) + text[t.end():]
            raw = bytearray(text.encode("utf-8", "surrogatepass"))
    read_cut_or_error(g, name, bytes(raw), tmp_path)


@fuzz(60)
@given(case=graphs_with_cuts(), content=st.binary(max_size=200), name=st.sampled_from(["cut.tsv", "cut.json", "cut.npy"]))
def test_random_bytes_as_assignments(tmp_path, case, content, name):
    g, _ = case
    read_cut_or_error(g, name, content, tmp_path)


@fuzz(60)
@given(case=graphs_with_cuts(), text=st.text(max_size=120))
def test_random_text_as_assignments(case, text):
    g, _ = case
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sides = parse_assignment(text, g, name="cut.tsv")
    except InputError:
        return
    assert sides.dtype == bool and sides.shape == (g.n,)


# ------------------------------------------------------------- the CLI
runner = CliRunner()


@fuzz(25)
@given(case=mutated())
def test_cli_never_writes_an_output_for_a_bad_graph(tmp_path, case):
    kind, content = case
    g = read_or_error(content, NAMES[kind], "auto")
    assume(isinstance(g, InputError))  # a graph that parses would be solved: too slow for a fuzz loop
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    src = folder / NAMES[kind]
    src.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    out, cert = folder / "cut.tsv", folder / "cert.json"
    res = runner.invoke(app, ["maxcut", str(src), "-o", str(out), "-c", str(cert), "-q"])
    assert res.exit_code == 1 and "\nerror: " in "\n" + res.stderr, res.output
    assert "Traceback" not in res.output
    assert sorted(p.name for p in folder.iterdir()) == [src.name]
