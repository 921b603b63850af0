"""The command line: outputs, certificates, and clean failures on bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.io import read_graph

from .conftest import DATA, ROOT

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_maxcut_writes_assignment_and_certificate(tmp_path):
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = run("maxcut", DATA / "cities.edgelist", "--output", out, "--certificate", cert, "--quiet")
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    g = read_graph(DATA / "cities.edgelist")
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert [r[0] for r in rows] == list(g.labels)
    sides = np.array([int(r[1]) for r in rows])
    assert set(sides) <= {0, 1}
    assert g.cut_value(sides) == pytest.approx(c["cut_value"])
    assert c["upper_bound"] >= c["cut_value"] and c["guarantee"]["nonnegative_weights"] is False


def test_json_assignment_and_json_stdout(tmp_path):
    out = tmp_path / "cut.json"
    res = run("maxcut", DATA / "karate.edgelist", "-o", out, "--json", "--seed", "3")
    assert res.exit_code == 0, res.output
    cert = json.loads(res.stdout)
    assignment = json.loads(out.read_text())
    g = read_graph(DATA / "karate.edgelist")
    assert set(assignment) == set(g.labels)
    assert g.cut_value(np.array([assignment[l] for l in g.labels])) == cert["cut_value"]
    assert cert["seed"] == 3 and cert["device"] == "cpu" and cert["dtype"] == "float64"


def test_summary_table_and_version():
    res = run("maxcut", DATA / "torus10x12.mtx", "--device", "cpu")
    assert res.exit_code == 0
    for word in ("cut", "upper bound", "certified ratio", "GW expectation", "guarantee", "time"):
        assert word in res.stdout
    assert run("--version").stdout.startswith("derand ")


def test_no_polish_reports_the_derandomized_cut(tmp_path):
    cert = tmp_path / "c.json"
    res = run("maxcut", DATA / "gnp120_pm1.rudy", "--no-polish", "-c", cert, "-q")
    assert res.exit_code == 0
    c = json.loads(cert.read_text())
    assert c["polished_cut"] is None and c["cut_value"] == c["derandomized_cut"]


@pytest.mark.parametrize(
    "content,fmt,message",
    [
        ("3 2\n1 2 1\n", "rudy", ":1: the header announces 2 edges but the file has 1"),
        ("3 1\n1 9 1\n", "rudy", ":2: vertex id 9 is out of range 1..3"),
        ("a b 1\nb c nan\n", "edgelist", ":2: weight 'nan' is not a finite number"),
        ("a b 1\nb c inf\n", "edgelist", ":2: weight 'inf' is not a finite number"),
        ("a b x\n", "edgelist", ":1: weight 'x' is not a number"),
        ("a b 1\nc\n", "edgelist", ":2: expected 'u v [w]', found one token"),
        ("", "auto", "the graph has no edges"),
    ],
)
def test_bad_graphs_fail_cleanly_and_write_nothing(tmp_path, content, fmt, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(content)
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = run("maxcut", bad, "--format", fmt, "-o", out, "-c", cert)
    assert res.exit_code == 1
    assert "error:" in res.stderr and message in res.stderr.replace("\n", "")
    assert "Traceback" not in res.output
    assert not out.exists() and not cert.exists()


def test_binary_and_missing_files(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)))
    res = run("maxcut", blob)
    assert res.exit_code == 1 and "not a text file" in res.stderr
    res = run("maxcut", tmp_path / "missing.edgelist")
    assert res.exit_code == 1 and "no such file" in res.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["--format", "gml"], "Invalid value for '--format'"),
        (["--rank", "0"], "The 'rank' parameter must be a positive integer"),
        (["--reg", "-1"], "The 'reg' parameter must be a non-negative number"),
        (["--max-iters", "0"], "The 'max_iters' parameter must be a positive integer"),
        (["--time-limit", "0"], "The 'time_limit' parameter must be a positive number"),
        (["--seed", "abc"], "Invalid value for '--seed'"),
        (["--device", "tpu"], "Invalid value for '--device'"),
    ],
)
def test_bad_options(tmp_path, args, message):
    out = tmp_path / "cut.tsv"
    res = run("maxcut", DATA / "karate.edgelist", "-o", out, *args)
    assert res.exit_code != 0
    assert message in res.output.replace("\n", " ") or message in res.stderr.replace("\n", " ")
    assert "Traceback" not in res.output and not out.exists()


def test_cuda_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    res = run("maxcut", DATA / "karate.edgelist", "--device", "cuda")
    assert res.exit_code == 1 and "CUDA" in res.stderr


def test_unwritable_output_fails_before_solving(tmp_path):
    res = run("maxcut", DATA / "karate.edgelist", "-o", tmp_path / "no" / "such" / "dir.tsv")
    assert res.exit_code == 1 and "folder does not exist" in res.stderr


def test_warnings_are_one_line_messages(tmp_path):
    g = tmp_path / "loops.edgelist"
    g.write_text("a b\nb b\nb c\n")
    res = run("maxcut", g, "-q")
    assert res.exit_code == 0 and "warning:" in res.stderr and "self-loop" in res.stderr


def test_python_dash_m_end_to_end(tmp_path):
    cert = tmp_path / "cert.json"
    proc = subprocess.run([sys.executable, "-m", "solver", "maxcut", str(DATA / "gnp120_pm1.rudy"),
                           "--certificate", str(cert), "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    c = json.loads(cert.read_text())
    assert c["n"] == 120 and c["sosp"]["reached"] and c["upper_bound"] >= c["cut_value"]
