"""`derand certify maxcut` and `certify_cut`: any cut, judged by the same bound as `derand maxcut`."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.errors import InputError, OptionError
from solver.graph import Graph
from solver.io import parse_assignment, read_assignment, read_graph, write_assignment
from solver.maxcut.certify import certify_cut
from solver.maxcut.solve import solve_maxcut

from .conftest import DATA, brute_force_maxcut, random_graph

runner = CliRunner()

#: The keys `derand certify maxcut` shares with `derand maxcut` (its certificate minus the derandomization).
SHARED_KEYS = {"version", "problem", "instance", "status", "n", "m", "total_weight", "cut_value", "sdp_value",
               "upper_bound", "certified_ratio", "gw_expected", "sdp", "bound", "seconds", "peak_memory_mib",
               "seed", "device", "dtype", "notes", "iterations", "basic_upper_bound", "proved_optimal",
               "global_upper_bound", "tighten", "proof"}


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def karate():
    return read_graph(DATA / "karate.edgelist")


@pytest.fixture(scope="module")
def karate_solved(karate):
    return solve_maxcut(karate, device="cpu", seed=0)


# ------------------------------------------------------------------ library
def test_certify_matches_derand_maxcut(karate, karate_solved):
    """Same seed, same SDP, same bound: the two commands share the bound code."""
    res = certify_cut(karate, karate_solved.sides, device="cpu", seed=0)
    assert res.cut_value == karate_solved.cut_value
    assert res.upper_bound == karate_solved.upper_bound
    assert res.sdp.value == karate_solved.sdp.value
    assert res.gw_expected == pytest.approx(karate_solved.derandomization.gw_expected, rel=1e-12)
    assert res.certified_ratio == pytest.approx(karate_solved.certified_ratio)
    cert, full = res.certificate(), karate_solved.certificate()
    assert SHARED_KEYS <= set(full) and set(cert) == SHARED_KEYS | {"assignment"}
    for key in ("n", "m", "total_weight", "cut_value", "sdp_value", "upper_bound", "certified_ratio"):
        assert cert[key] == full[key], key
    assert {k: v for k, v in cert["bound"].items() if k != "seconds"} == \
        {k: v for k, v in full["bound"].items() if k != "seconds"}


@pytest.mark.parametrize("seed", range(4))
def test_bound_holds_for_any_cut_on_small_graphs(seed):
    g = random_graph(10, 0.5, seed, weights="signed")
    best = brute_force_maxcut(g)
    rng = np.random.default_rng(seed)
    for sides in (rng.integers(0, 2, g.n), rng.choice([-1, 1], g.n), rng.random(g.n) < 0.5):
        res = certify_cut(g, sides, device="cpu", seed=seed)
        assert res.cut_value == pytest.approx(g.cut_value(np.asarray(sides) > 0))
        assert res.cut_value <= best <= res.upper_bound + 1e-9
        assert res.status == "complete" and res.bound.verified


def test_sides_conventions_agree(karate, karate_solved):
    s = karate_solved.sides
    cuts = {certify_cut(karate, x, device="cpu", rank=4).cut_value
            for x in (s, s.astype(int), np.where(s, 1, -1), s.astype(float))}
    assert cuts == {karate_solved.cut_value}


@pytest.mark.parametrize(
    "sides,match",
    [
        ([0, 1], r"The 'sides' parameter must be an array of 34 sides .* Got shape \(2,\) instead"),
        (np.full(34, 2), "Got 2 at index 0 instead"),
        (np.r_[np.nan, np.ones(33)], "Got nan at index 0 instead"),
        (np.r_[0, -1, np.ones(32)], "Got both 0 and -1 instead"),
        (np.array(["a"] * 34), "Got dtype <U1 instead"),
    ],
)
def test_certify_cut_validates_sides(karate, sides, match):
    with pytest.raises(OptionError, match=match):
        certify_cut(karate, sides, device="cpu")


def test_certify_cut_validates_options(karate, karate_solved):
    with pytest.raises(OptionError, match="The 'rank' parameter must be a positive integer. Got 0 instead."):
        certify_cut(karate, karate_solved.sides, device="cpu", rank=0)
    with pytest.raises(OptionError, match="The 'time_limit' parameter must be a positive number of seconds"):
        certify_cut(karate, karate_solved.sides, device="cpu", time_limit=-1)
    with pytest.raises(OptionError, match="The 'seed' parameter must be an integer"):
        certify_cut(karate, karate_solved.sides, device="cpu", seed=1.5)


# -------------------------------------------------------- assignment reader
@pytest.fixture
def abc():
    return Graph.from_edges(3, [0, 1, 0], [1, 2, 2], [1.0, 2.0, 4.0], labels=["a", "b", "c"])


@pytest.mark.parametrize(
    "text",
    [
        "a\t1\nb\t0\nc\t0\n",
        "c 0\n# comment\n\na 1   \nb 0\n",
        "a,1\nb,0\nc,0\n",
        "a 1\r\nb 0\r\nc 0\r\n",
        "a +1\nb -1\nc -1\n",
        "a true\nb FALSE\nc False\n",
        "a 1.0\nb 0.0\nc 0e0\n",
        '{"a": 1, "b": 0, "c": 0}',
        '{"a": true, "b": false, "c": false}',
        '{"a": 1, "b": -1, "c": -1.0}',
        '{"a": "1", "b": "-1", "c": "-1"}',
    ],
)
def test_assignment_formats(tmp_path, abc, text):
    p = tmp_path / "cut.txt"
    p.write_text(text)
    assert read_assignment(p, abc).tolist() == [True, False, False]


@pytest.mark.parametrize("array", [np.array([1, 0, 0]), np.array([1, -1, -1], dtype=np.int8), np.array([True, False, False]),
                                   np.array([1.0, 0.0, 0.0], dtype=np.float32), np.array([1, 0, 0], dtype=">u2")])
def test_npy_assignments(tmp_path, abc, array):
    p = tmp_path / "cut.npy"
    np.save(p, array)
    assert read_assignment(p, abc).tolist() == [True, False, False]
    q = tmp_path / "no_extension"
    q.write_bytes(p.read_bytes())  # recognized by its magic bytes
    assert read_assignment(q, abc).tolist() == [True, False, False]


@pytest.mark.parametrize("suffix", [".tsv", ".json", ".npy"])
def test_write_assignment_round_trips(tmp_path, karate, karate_solved, suffix):
    p = tmp_path / f"cut{suffix}"
    write_assignment(p, karate.labels, karate_solved.sides)
    assert np.array_equal(read_assignment(p, karate), karate_solved.sides)


@pytest.mark.parametrize(
    "text,line,match",
    [
        ("a 1\nb 0\n", None, r"1 vertex of the graph has no side: 'c'"),
        ("a 1\nb 0\nc 0\nd 1\n", 4, r"vertex 'd' is not in the graph"),
        ("a 1\nb 0\nc 0\nb 1\n", 4, r"vertex 'b' is given a side twice \(first on line 2\)"),
        ("a 1\nb 2\nc 0\n", 2, r"side '2' is not 0/1, -1/\+1 or true/false"),
        ("a 1\nb nan\nc 0\n", 2, r"side 'nan' is not 0/1"),
        ("a 1\nb 0\nc -1\n", 3, r"side -1 mixes the 0/1 and -1/\+1 conventions \(side 0 on line 2\)"),
        ("a 1\nb\nc 0\n", 2, r"expected 'label side', found one token 'b'"),
        ("a 1 0\n", 1, r"expected 'label side', found 3 tokens"),
        ("# nothing\n", None, r"the file holds no 'label side' lines"),
        ('{"a": 1,\n"b": 0,\n"a": 0,\n"c": 1}', 3, r"vertex 'a' is given a side twice \(first on line 1\)"),
        ('{"a": 1,\n"b": null,\n"c": 1}', 2, r"vertex 'b': side null is not 0/1"),
        ('{"a": 1,\n"b": NaN,\n"c": 1}', 2, r"vertex 'b': side NaN is not"),
        ('{"a": 1,\n"b": [0],\n"c": 1}', 2, r"vertex 'b': side an array is not"),
        ('{"a": 1,\n"x": 0}', 2, r"vertex 'x' is not in the graph"),
        ('{"a": 1, "b": 0}', None, r"1 vertex of the graph has no side: 'c'"),
        ('{"a": 1,\n"b" 0}', 2, r"not valid JSON \(Expecting ':' delimiter"),
        ("[1, 0, 0]", 1, r"expected a JSON object .* found an array"),
        ("{}", 1, r"the JSON object is empty"),
    ],
)
def test_assignment_errors_name_file_and_line(tmp_path, abc, text, line, match):
    p = tmp_path / "cut.txt"
    p.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_assignment(p, abc)
    where = f"{p}:{line}: " if line is not None else f"{p}: "
    assert str(info.value).startswith(where), str(info.value)


def test_unknown_zero_based_id_gets_a_hint(tmp_path):
    g = Graph.from_edges(3, [0, 1], [1, 2], labels=["1", "2", "3"])
    with pytest.raises(InputError, match=r":1: vertex '0' is not in the graph \(its vertices are numbered 1..3"):
        parse_assignment("0 1\n1 0\n2 1\n", g, name="cut.tsv")


@pytest.mark.parametrize(
    "array,match",
    [
        (np.array([1, 0]), r"the array has shape \(2,\); expected one side per vertex, shape \(3,\)"),
        (np.array([[1, 0, 0]]), r"the array has shape \(1, 3\)"),
        (np.array([1.0, np.nan, 0.0]), r"entry 1 \(vertex 'b'\) is NaN; sides must be 0/1 or -1/\+1"),
        (np.array([1, 2, 0]), r"entry 1 \(vertex 'b'\) is 2"),
        (np.array([1, 0, -1]), r"mixes the 0/1 and -1/\+1 conventions \(entry 1 is 0, entry 2 is -1\)"),
        (np.array(["1", "0", "0"]), r"the array holds <U1 values"),
        (np.array([1j, 0, 0]), r"the array holds complex128 values"),
    ],
)
def test_npy_errors(tmp_path, abc, array, match):
    p = tmp_path / "cut.npy"
    np.save(p, array)
    with pytest.raises(InputError, match=match) as info:
        read_assignment(p, abc)
    assert str(info.value).startswith(f"{p}: ")


def test_npy_refuses_pickles_and_corruption(tmp_path, abc):
    p = tmp_path / "cut.npy"
    np.save(p, np.array([1, 0, None], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="the array holds object values"):
        read_assignment(p, abc)
    np.save(p, np.array([1, 0, 0]))
    data = p.read_bytes()
    for broken, match in [(data[:-4], "the file is truncated"), (data[:30], "not a readable .npy file"),
                          (b"\x93NUMPY\x07\x00rest", "unsupported .npy format version 7.0"),
                          (b"plain text 1 0", "not a NumPy .npy file")]:
        p.write_bytes(broken)
        with pytest.raises(InputError, match=match):
            read_assignment(p, abc)


def test_missing_and_binary_assignment_files(tmp_path, abc):
    with pytest.raises(InputError, match="no such file"):
        read_assignment(tmp_path / "nope.tsv", abc)
    (tmp_path / "bin.tsv").write_bytes(b"a 1\x00")
    with pytest.raises(InputError, match="not a text file"):
        read_assignment(tmp_path / "bin.tsv", abc)


# ---------------------------------------------------------------------- CLI
def test_cli_certifies_the_output_of_derand_maxcut(tmp_path):
    cut, c1, c2 = tmp_path / "cut.json", tmp_path / "maxcut.json", tmp_path / "certify.json"
    res = run("maxcut", DATA / "gnp120_pm1.rudy", "-o", cut, "-c", c1, "-q", "--device", "cpu", "--seed", "2")
    assert res.exit_code == 0, res.output
    res = run("certify", "maxcut", DATA / "gnp120_pm1.rudy", cut, "-c", c2, "--json", "--device", "cpu", "--seed", "2")
    assert res.exit_code == 0, res.output
    full, cert = json.loads(c1.read_text()), json.loads(c2.read_text())
    assert json.loads(res.stdout)["upper_bound"] == cert["upper_bound"]
    assert set(cert) == SHARED_KEYS | {"assignment"} and cert["assignment"] == str(cut)
    for key in ("cut_value", "upper_bound", "sdp_value", "certified_ratio", "n", "m", "total_weight"):
        assert cert[key] == full[key], key
    assert cert["status"] == "complete" and cert["peak_memory_mib"] > 0
    assert set(cert["seconds"]) == {"read", "sdp", "bound", "gw", "tighten", "total"}


def test_cli_summary_table(tmp_path, karate, karate_solved):
    cut = tmp_path / "cut.npy"
    np.save(cut, np.where(karate_solved.sides, 1, -1))
    res = run("certify", "maxcut", DATA / "karate.edgelist", cut, "--device", "cpu", "--rank", "6")
    assert res.exit_code == 0, res.output
    for word in ("cut", "upper bound", "certified ratio", "SDP value", "GW expectation", str(cut.name)):
        assert word in res.stdout.replace("\n", "")


@pytest.mark.parametrize(
    "content,message",
    [
        ("1 1\n", "33 of the graph's 34 vertices have no side: '0', '2'"),
        ("zz 1\n", ":1: vertex 'zz' is not in the graph"),
        ("{\"0\": 1", "not valid JSON"),
    ],
)
def test_cli_bad_assignments_fail_cleanly_and_write_nothing(tmp_path, content, message):
    cut, cert = tmp_path / "cut.txt", tmp_path / "cert.json"
    cut.write_text(content)
    res = run("certify", "maxcut", DATA / "karate.edgelist", cut, "-c", cert)
    assert res.exit_code == 1
    assert "error:" in res.stderr and message in res.stderr.replace("\n", "")
    assert "Traceback" not in res.output and not cert.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--rank", "0"], "The 'rank' parameter must be a positive integer. Got 0 instead."),
        (["--time-limit", "0"], "The 'time_limit' parameter must be a positive number of seconds. Got 0.0 instead."),
        (["--format", "gml"], "Invalid value for '--format'"),
        (["--device", "tpu"], "Invalid value for '--device'"),
        (["-c", "/no/such/folder/cert.json"], "the folder does not exist"),
    ],
)
def test_cli_bad_options(tmp_path, karate_solved, args, message):
    cut = tmp_path / "cut.tsv"
    write_assignment(cut, read_graph(DATA / "karate.edgelist").labels, karate_solved.sides)
    res = run("certify", "maxcut", DATA / "karate.edgelist", cut, "--device", "cpu", *args)
    assert res.exit_code != 0
    assert message in res.output.replace("\n", " ") or message in res.stderr.replace("\n", " ")
    assert "Traceback" not in res.output


def test_cli_time_limit_marks_the_certificate(tmp_path):
    g = read_graph(DATA / "gnp120_pm1.rudy")
    cut, cert = tmp_path / "cut.npy", tmp_path / "cert.json"
    np.save(cut, np.arange(g.n) % 2)
    res = run("certify", "maxcut", DATA / "gnp120_pm1.rudy", cut, "-c", cert, "-q", "--device", "cpu",
              "--time-limit", "1e-6")
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    assert c["status"] == "time_limit" and c["sdp"]["status"] == "time_limit"
    assert c["cut_value"] == g.cut_value(np.arange(g.n) % 2) <= c["upper_bound"]


def test_assignment_format_option(tmp_path, abc):
    p = tmp_path / "cut.dat"
    p.write_text('{"a": 1, "b": 0, "c": 0}')
    assert read_assignment(p, abc, format="json").tolist() == [True, False, False]
    with pytest.raises(InputError, match=r"cut.dat:1: expected 'label side', found 6 tokens"):
        read_assignment(p, abc, format="text")
    with pytest.raises(OptionError, match="The 'format' parameter must be one of auto, text, json, npy. Got 'csv'"):
        read_assignment(p, abc, format="csv")
