"""Corrupt and hostile inputs through the CLI (graph files, tampered assignments handed to
`certify`, point files and embeddings): each gets its message (file and line where there is
one), a non-zero exit, no traceback, and nothing written."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app

from .conftest import DATA

runner = CliRunner()

MTX = "%%MatrixMarket matrix coordinate real symmetric\n"

CASES = [
    # name, content, the message's words (after 'error: FILE:LINE: ')
    ("rudy_vertex_out_of_range.txt", "3 2\n1 2 1\n2 9 1\n", ":3: vertex id 9 is out of range 1..3"),
    ("rudy_more_edges_than_header.txt", "3 2\n1 2 1\n2 3 1\n1 3 1\n",
     ":1: the header announces 2 edges but the file has 3"),
    ("rudy_fewer_edges_than_header.txt", "4 5\n1 2 1\n2 3 1\n", ":1: the header announces 5 edges but the file has 2"),
    ("rudy_bad_weight.txt", "3 2\n1 2 1\n2 3 x\n", ":3:"),
    ("rudy_zero_vertex.txt", "3 2\n0 2 1\n2 3 1\n", ":2: vertex id 0 is out of range 1..3"),
    ("ambiguous_header.txt", "3 2\n1 2\n2 3\n1 3\n",
     ":1: the first line '3 2' reads as a rudy header (n vertices, m edges) but the file has 3 edge lines, not 2"),
    ("mtx_index_out_of_range.mtx", MTX + "3 3 2\n2 1 1.0\n9 1 1.0\n", ":4: index 9 is out of range 1..3"),
    ("mtx_entry_count.mtx", MTX + "3 3 5\n2 1 1.0\n3 1 1.0\n",
     ":2: the size line announces 5 entries but the file has 2"),
    ("mtx_short_size_line.mtx", MTX + "3 3\n2 1 1.0\n", ":2: expected the size line 'rows cols entries'"),
    ("rudy_nan_weight.txt", "3 2\n1 2 nan\n2 3 1\n", ":2: weight 'nan' is not a finite number"),
    ("rudy_overflowing_weight.txt", "3 2\n1 2 1e400\n2 3 1\n", ":2: weight '1e400' is not a finite number"),
    ("empty.txt", "", ": the graph has no edges"),
    ("binary.txt", "\x00\x01garbage\x00", ": not a text file (NUL byte at offset 0)"),
]


@pytest.mark.parametrize("name,content,message", CASES, ids=[c[0] for c in CASES])
def test_corrupt_graph_files_are_refused_with_their_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = runner.invoke(app, ["maxcut", str(path), "-o", str(out), "-c", str(cert), "-q", "--device", "cpu"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code != 0
    assert f"{name}{message}" in text
    assert "Traceback" not in text
    assert not out.exists() and not cert.exists()


def test_the_ambiguous_header_is_read_once_the_format_is_given(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("3 2\n1 2\n2 3\n1 3\n")
    res = runner.invoke(app, ["maxcut", str(path), "--format", "edgelist", "--json", "--no-improve", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    cert = json.loads(res.stdout)
    assert (cert["n"], cert["m"]) == (3, 3)  # the first line is an edge, 3-2, added to its twin 2-3


def _karate_cut(tmp_path):
    from solver.io import read_graph

    g = read_graph(DATA / "karate.edgelist")
    return "".join(f"{label}\t{i % 2}\n" for i, label in enumerate(g.labels))


ASSIGNMENTS = [
    ("short.tsv", lambda cut: "".join(cut.splitlines(True)[:5]), ": 29 of the graph's 34 vertices have no side"),
    ("bad_side.tsv", lambda cut: cut.replace("\t1\n", "\t7\n", 1), ":2: side '7' is not 0/1, -1/+1 or true/false"),
    ("stranger.tsv", lambda cut: "999\t0\n" + cut, ":1: vertex '999' is not in the graph"),
    ("twice.tsv", lambda cut: cut + cut.splitlines(True)[-1],
     ":35: vertex '33' is given a side twice (first on line 34)"),
    ("list.json", lambda cut: "[0, 1]", ':1: expected a JSON object {"label": side, ...}, found an array'),
]


@pytest.mark.parametrize("name,tamper,message", ASSIGNMENTS, ids=[a[0] for a in ASSIGNMENTS])
def test_tampered_assignments_are_caught_by_certify(tmp_path, name, tamper, message):
    path = tmp_path / name
    path.write_text(tamper(_karate_cut(tmp_path)))
    cert = tmp_path / "cert.json"
    res = runner.invoke(app, ["certify", "maxcut", str(DATA / "karate.edgelist"), str(path), "-c", str(cert), "-q"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code != 0 and f"{name}{message}" in text
    assert "Traceback" not in text and not cert.exists()


POINTS = [
    ("nan.npy", lambda p: np.save(p, np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]])), "row 1 holds NaN"),
    ("flat.npy", lambda p: np.save(p, np.arange(5.0)), "expected a 2-D array"),
    ("ragged.csv", lambda p: p.write_text("1,2\n3\n"), ":2: expected 2 numbers"),
    ("same.npy", lambda p: np.save(p, np.ones((6, 3))), "fewer than 2 distinct points"),
    ("inf.npy", lambda p: np.save(p, np.array([[1.0, 2.0], [np.inf, 1.0], [0.0, 0.0]])),
     "row 2 holds NaN or infinity (inf)"),
    ("two.npz", lambda p: np.savez(p, a=np.ones((5, 3)), b=np.zeros((5, 3))),
     "holds several arrays (a, b); choose one with --key"),
]


@pytest.mark.parametrize("name,make,message", POINTS, ids=[p[0] for p in POINTS])
def test_bad_point_files_write_nothing(tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    out, cert = tmp_path / "emb.npy", tmp_path / "cert.json"
    res = runner.invoke(app, ["jl", "embed", str(path), "--dim", "2", "-o", str(out), "-c", str(cert), "-q",
                              "--device", "cpu"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code != 0 and message in text
    assert "Traceback" not in text and not out.exists() and not cert.exists()


def test_an_embedding_with_other_rows_is_refused_by_certify(tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).standard_normal((10, 4)))
    np.save(tmp_path / "y.npy", np.random.default_rng(1).standard_normal((9, 2)))
    cert = tmp_path / "cert.json"
    res = runner.invoke(app, ["certify", "jl", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "-c", str(cert), "-q"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code != 0 and "y.npy: has 9 rows but" in text and "has 10 points" in text
    assert "Traceback" not in text and not cert.exists()
