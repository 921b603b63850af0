"""Graph readers: every format, every oddity, every bad input named by file and line."""

import warnings

import networkx as nx
import numpy as np
import pytest

from solver.errors import DerandWarning, InputError, OptionError
from solver.graph import Graph
from solver.io import parse_graph, read_graph
from solver.io.graphs import _content, _parse_edgelist, _parse_rudy, _split_lines

from .conftest import DATA


def write(tmp_path, name, content, mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(content)
    else:
        p.write_text(content)
    return p


# ------------------------------------------------------------------ edge lists
def test_edgelist_labels_comments_weights(tmp_path):
    p = write(tmp_path, "g.edgelist", "# a comment\nb a 2.5\n\nc b   # trailing comment\na c -1\n")
    g = read_graph(p)
    assert g.labels == ("b", "a", "c")  # first appearance, labels are not numbers
    assert g.n == 3 and g.m == 3
    assert g.total_weight == pytest.approx(2.5 + 1 - 1)


def test_integer_labels_sorted_numerically(tmp_path):
    g = read_graph(write(tmp_path, "g.edges", "10 2\n2 3\n3 10\n"))
    assert g.labels == ("2", "3", "10")


def test_parallel_edges_add_up_and_self_loops_warn(tmp_path):
    p = write(tmp_path, "g.edgelist", "a b 1\nb a 2\na a 5\nb c\n")
    with pytest.warns(DerandWarning, match="self-loop"):
        g = read_graph(p)
    assert g.m == 2 and g.merged_parallel_edges == 1 and g.dropped_self_loops == 1
    assert sorted(g.weights.tolist()) == [1.0, 3.0]


def test_comma_separated_edgelist(tmp_path):
    g = read_graph(write(tmp_path, "g.csv", "u,v,w\n".replace("u,v,w\n", "") + "1,2,0.5\n2,3,1.5\n"))
    assert g.m == 2 and g.total_weight == 2.0


@pytest.mark.parametrize(
    "content,line,match",
    [
        ("a b 1\nc\n", 2, "one token"),
        ("a b 1\nc d x\n", 2, "weight 'x' is not a number"),
        ("a b nan\n", 1, "not a finite number"),
        ("a b 1\nc d inf\n", 2, "not a finite number"),
        ("a b 1 2\n", 1, "found 4 tokens"),
    ],
)
def test_edgelist_errors_name_the_line(tmp_path, content, line, match):
    p = write(tmp_path, "bad.edgelist", content)
    with pytest.raises(InputError, match=match) as info:
        read_graph(p)
    assert str(info.value).startswith(f"{p}:{line}:")


# ------------------------------------------------------------------------ rudy
def test_rudy_gset_style_with_crlf(tmp_path):
    p = write(tmp_path, "g.txt", "4 3\r\n1 2 1\r\n2 3 -1\r\n3 4 1\r\n")
    g = read_graph(p)
    assert (g.n, g.m) == (4, 3)
    assert g.labels == ("1", "2", "3", "4")
    assert sorted(g.weights.tolist()) == [-1.0, 1.0, 1.0]


def test_rudy_isolated_vertices_kept(tmp_path):
    g = read_graph(write(tmp_path, "g.rudy", "6 1\n1 2 1\n"))
    assert g.n == 6 and g.m == 1


@pytest.mark.parametrize(
    "content,line,match",
    [
        ("3 2\n1 2 1\n", 1, "announces 2 edges but the file has 1"),
        ("3 1\n1 4 1\n", 2, "vertex id 4 is out of range 1..3"),
        ("3 1\n0 2 1\n", 2, "vertex id 0 is out of range"),
        ("3 1\n1 x 1\n", 2, "vertex id 'x' is not an integer"),
        ("3 1\n1 2 abc\n", 2, "weight 'abc' is not a number"),
        ("3 1\n1 2 nan\n", 2, "not a finite number"),
        ("3 2\n1 2 1\n3\n", 3, "found 1 token"),
        ("x 2\n1 2 1\n", 1, "vertex count 'x'"),
    ],
)
def test_rudy_errors_name_the_line(tmp_path, content, line, match):
    p = write(tmp_path, "bad.rudy", content)
    with pytest.raises(InputError, match=match) as info:
        read_graph(p, format="rudy")
    assert str(info.value).startswith(f"{p}:{line}:")


def test_fast_and_reference_parsers_agree():
    rng = np.random.default_rng(0)
    n, m = 50, 200
    i = rng.integers(1, n + 1, m)
    j = rng.integers(1, n + 1, m)
    keep = i != j
    i, j = i[keep], j[keep]
    w = rng.choice([-1, 1, 2.5], size=i.size)
    text = f"{n} {i.size}\n" + "".join(f"{a} {b} {c}\n" for a, b, c in zip(i, j, w))
    fast = parse_graph(text, format="rudy")
    slow_text = text.replace("\n", " # reference path\n", 3)  # comments force the line parser
    slow = parse_graph(slow_text, format="rudy")
    assert np.array_equal(fast.edges, slow.edges) and np.allclose(fast.weights, slow.weights)


# ------------------------------------------------------------- Matrix Market
def test_mtx_symmetric_pattern():
    g = read_graph(DATA / "torus10x12.mtx")
    assert (g.n, g.m) == (120, 240) and np.all(g.weights == 1)


def test_mtx_general_symmetric_matrix_counts_each_edge_once(tmp_path):
    text = "%%MatrixMarket matrix coordinate real general\n3 3 4\n1 2 2.0\n2 1 2.0\n2 3 1.0\n3 2 1.0\n"
    g = read_graph(write(tmp_path, "g.mtx", text))
    assert g.m == 2 and g.total_weight == 3.0


def test_mtx_general_unsymmetric_warns(tmp_path):
    text = "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 2 2.0\n2 3 1.0\n"
    with pytest.warns(DerandWarning, match="not symmetric"):
        g = read_graph(write(tmp_path, "g.mtx", text))
    assert g.total_weight == 3.0


@pytest.mark.parametrize(
    "content,line,match",
    [
        ("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", 1, "only 'coordinate'"),
        ("%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 2 1 0\n", 1, "unsupported Matrix Market field"),
        ("%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n2 1 1\n", 2, "must be square"),
        ("%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1\n", 2, "announces 2 entries but the file has 1"),
        ("%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n4 1 1\n", 3, "index 4 is out of range"),
    ],
)
def test_mtx_errors(tmp_path, content, line, match):
    p = write(tmp_path, "bad.mtx", content)
    with pytest.raises(InputError, match=match) as info:
        read_graph(p)
    assert str(info.value).startswith(f"{p}:{line}:")


# ------------------------------------------------------------- detection etc.
def test_auto_detects_rudy_by_header(tmp_path):
    g = read_graph(write(tmp_path, "g.txt", "3 2\n1 2\n2 3\n"))
    assert g.n == 3 and g.labels == ("1", "2", "3")


def test_auto_keeps_two_token_first_line_as_an_edge_when_counts_disagree(tmp_path):
    g = read_graph(write(tmp_path, "g.txt", "1 2\n2 3\n3 4\n"))
    assert g.n == 4 and g.m == 3


def test_bom_is_ignored(tmp_path):
    g = read_graph(write(tmp_path, "g.edgelist", "\ufeffa b\nb c\n".encode("utf-8"), mode="wb"))
    assert g.labels == ("a", "b", "c")


@pytest.mark.parametrize(
    "content,match",
    [
        (b"\x00\x01\x02binary", "not a text file"),
        (b"a b\n\xff\xfe c\n", "not UTF-8 text"),
        (b"", "no edges"),
        (b"# only a comment\n\n", "no edges"),
        (b"3 0\n", "no edges"),
        (b"a a\n", "no edges"),
    ],
)
def test_unusable_files(tmp_path, content, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DerandWarning)
        with pytest.raises(InputError, match=match):
            read_graph(write(tmp_path, "g.txt", content, mode="wb"))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_graph(tmp_path / "nope.edgelist")
    with pytest.raises(InputError, match="is a directory"):
        read_graph(tmp_path)


def test_unknown_format():
    with pytest.raises(OptionError, match="The 'format' parameter must be one of auto, edgelist, rudy, mtx"):
        parse_graph("1 2\n", format="gml")


def test_line_numbers_count_only_real_line_breaks():
    lines = _split_lines("a b\x0cc\r\nd e\rf g\n")
    assert [no for no, _ in _content(lines)] == [1, 2, 3]


# ------------------------------------------------------------------ Python API
def test_from_networkx_with_weights():
    nxg = nx.Graph()
    nxg.add_edge("x", "y", weight=2.0)
    nxg.add_edge("y", "z")
    g = Graph.from_networkx(nxg)
    assert g.labels == ("x", "y", "z") and g.total_weight == 3.0


def test_from_edges_validates():
    with pytest.raises(InputError, match="must lie in 0..2"):
        Graph.from_edges(3, [0, 1], [1, 3])
    with pytest.raises(InputError, match="finite"):
        Graph.from_edges(3, [0], [1], [float("nan")])


def test_cut_value_accepts_any_two_valued_labelling():
    g = Graph.from_edges(3, [0, 1, 0], [1, 2, 2], [1.0, 2.0, 4.0])
    assert g.cut_value(np.array([1, 0, 0])) == g.cut_value(np.array([1, -1, -1])) == 5.0
    assert g.cut_value(np.array([True, False, True])) == 3.0


def test_private_parsers_reject_nothing_legal():
    assert _parse_edgelist(["1 2", "2 3 0.5"], "x").m == 2
    assert _parse_rudy(["3 2", "1 2", "2 3 0.5"], "x").m == 2
