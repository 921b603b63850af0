"""Corrupt and hostile graph files through the CLI: each gets its message (file and line),
a non-zero exit, no traceback, and nothing written."""

import json

import pytest
from typer.testing import CliRunner

from solver.cli import app

runner = CliRunner()

MTX = "%%MatrixMarket matrix coordinate real symmetric\n"

CASES = [
    # name, content, the message's words (after 'error: FILE:LINE: ')
    ("rudy_vertex_out_of_range.txt", "3 2\n1 2 1\n2 9 1\n", ":3: vertex id 9 is out of range 1..3"),
    ("rudy_more_edges_than_header.txt", "3 2\n1 2 1\n2 3 1\n1 3 1\n", ":1: the header announces 2 edges but the file has 3"),
    ("rudy_fewer_edges_than_header.txt", "4 5\n1 2 1\n2 3 1\n", ":1: the header announces 5 edges but the file has 2"),
    ("rudy_bad_weight.txt", "3 2\n1 2 1\n2 3 x\n", ":3:"),
    ("rudy_zero_vertex.txt", "3 2\n0 2 1\n2 3 1\n", ":2: vertex id 0 is out of range 1..3"),
    ("ambiguous_header.txt", "3 2\n1 2\n2 3\n1 3\n",
     ":1: the first line '3 2' reads as a rudy header (n vertices, m edges) but the file has 3 edge lines, not 2"),
    ("mtx_index_out_of_range.mtx", MTX + "3 3 2\n2 1 1.0\n9 1 1.0\n", ":4: index 9 is out of range 1..3"),
    ("mtx_entry_count.mtx", MTX + "3 3 5\n2 1 1.0\n3 1 1.0\n", ":2: the size line announces 5 entries but the file has 2"),
    ("mtx_short_size_line.mtx", MTX + "3 3\n2 1 1.0\n", ":2: expected the size line 'rows cols entries'"),
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
