"""Ising and QUBO models: the reductions keep every energy, the certified bound never lies above the
brute-force ground state, the readers follow their stated conventions, and bad files are refused."""

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from solver.cli import app
from solver.errors import InputError, OptionError
from solver.graph import Graph
from solver.io.quadratic import parse_model, read_model
from solver.ising import solve_model
from solver.model import BINARY, SPIN, QuadraticModel

from .conftest import DATA

runner = CliRunner()


def _random_model(rng, vartype, n, density=0.6, scale=5, fields=True, offset=0.0):
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < density
    q = rng.integers(-scale, scale + 1, keep.sum()).astype(float)
    h = rng.integers(-scale, scale + 1, n).astype(float) if fields else np.zeros(n)
    return QuadraticModel.from_terms(vartype, n, h, i[keep], j[keep], q, offset=offset)


def _all_values(model):
    domain = (-1, 1) if model.vartype == SPIN else (0, 1)
    return np.array(list(itertools.product(domain, repeat=model.n)), dtype=float)


def _ground(model):
    return float(model.energies(_all_values(model)).min())


# ------------------------------------------------------------------ reductions
@pytest.mark.parametrize("vartype", [SPIN, BINARY])
@pytest.mark.parametrize("seed", range(4))
def test_every_energy_survives_each_reduction(vartype, seed):
    rng = np.random.default_rng(seed)
    model = _random_model(rng, vartype, 9, offset=float(rng.integers(-7, 8)) / 2)
    values = _all_values(model)
    energy = model.energies(values)
    spin, binary = model.to_spin(), model.to_binary()
    assert np.array_equal(spin.energies(model.convert_values(values, SPIN)), energy)
    assert np.array_equal(binary.energies(model.convert_values(values, BINARY)), energy)
    assert np.array_equal(spin.to_binary().energies(model.convert_values(values, BINARY)), energy)
    reduction = model.to_maxcut()
    sides = reduction.sides_of(values)
    via_cut = np.array([reduction.energy_of_cut(reduction.graph.cut_value(s)) for s in sides])
    assert np.array_equal(via_cut, energy)  # integer data: exact, to the unit and below
    # and back: the cut's assignment is the assignment
    assert np.array_equal(reduction.values_of(sides), values)
    # a cut and its complement are the same assignment
    assert np.array_equal(reduction.values_of(1 - sides), values)


def test_maxcut_to_ising_and_back_keeps_every_cut():
    rng = np.random.default_rng(3)
    n = 8
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < 0.5
    graph = Graph.from_edges(n, i[keep], j[keep], rng.integers(-3, 6, keep.sum()).astype(float))
    model = QuadraticModel.from_graph(graph)
    values = _all_values(model)
    cuts = np.array([graph.cut_value(v > 0) for v in values])
    assert np.array_equal(model.energies(values), -cuts)
    reduction = model.to_maxcut()  # no fields: no extra vertex, the same graph up to the factor J = w / 2
    assert not reduction.has_field and reduction.graph.n == n
    assert np.array_equal([reduction.energy_of_cut(reduction.graph.cut_value(s)) for s in reduction.sides_of(values)],
                          -cuts)


def test_folding_squares_and_duplicates():
    m = QuadraticModel.from_terms(BINARY, 2, [1, 0], [0, 0, 1], [0, 1, 0], [2.0, 3.0, 4.0])
    assert m.linear.tolist() == [3.0, 0.0] and m.quadratic.tolist() == [7.0]  # x0 x0 = x0; (0,1) + (1,0)
    s = QuadraticModel.from_terms(SPIN, 2, None, [1, 1], [1, 0], [2.0, 1.0])
    assert s.offset == 2.0 and s.quadratic.tolist() == [1.0]  # s1 s1 = 1
    gone = QuadraticModel.from_terms(SPIN, 2, None, [0, 1], [1, 0], [2.0, -2.0])
    assert gone.m == 0  # cancelled couplings are not kept


def test_energy_lattice_holds_every_energy():
    rng = np.random.default_rng(8)
    for trial in range(40):
        vartype = (SPIN, BINARY)[trial % 2]
        model = _random_model(rng, vartype, 7, scale=3, offset=float(rng.integers(-4, 4)) / 4)
        model = QuadraticModel.from_terms(vartype, 7, model.linear * 0.5, model.pairs[:, 0], model.pairs[:, 1],
                                          model.quadratic * 1.5, offset=model.offset)
        base, step = model.energy_lattice
        k = (model.energies(_all_values(model)) - base) / step
        assert np.array_equal(k, np.round(k))
    assert QuadraticModel.from_terms(SPIN, 2, [0.1, 0], [0], [1], [1.0]).energy_lattice is None


# ---------------------------------------------------------------- the bound
@pytest.mark.parametrize("vartype", [SPIN, BINARY])
@pytest.mark.parametrize("seed", range(6))
def test_bound_never_above_the_ground_state(vartype, seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(8, 15))
    model = _random_model(rng, vartype, n, density=float(rng.uniform(0.3, 0.9)), fields=seed % 3 != 0,
                          offset=float(rng.integers(-5, 5)))
    ground = _ground(model)
    result = solve_model(model, device="cpu", tighten="off", seed=seed)
    assert result.bound <= ground
    assert result.energy >= ground
    assert result.energy == model.energies(result.values)
    # the derandomization guarantee, carried over as an energy
    assert result.derandomized_energy <= result.energy_guarantee + 1e-9 * model.magnitude


@pytest.mark.parametrize("vartype", [SPIN, BINARY])
def test_tightened_bound_and_maximization(vartype):
    rng = np.random.default_rng(7)
    model = _random_model(rng, vartype, 14, density=0.5, offset=3.0)
    values = _all_values(model)
    energies = model.energies(values)
    low = solve_model(model, device="cpu", tighten="auto", prove=True)
    assert low.bound <= energies.min() <= low.energy
    assert low.proved_optimal and low.energy == energies.min()
    high = solve_model(model, sense="maximize", device="cpu", tighten="auto", prove=True)
    assert high.bound >= energies.max() >= high.energy
    assert high.proved_optimal and high.energy == energies.max()
    cert = high.certificate()
    assert cert["energy_upper_bound"] == high.bound and "energy_lower_bound" not in cert


@pytest.mark.parametrize("vartype", [SPIN, BINARY])
def test_sixteen_variables_with_fields_and_both_signs(vartype):
    rng = np.random.default_rng(16)
    model = _random_model(rng, vartype, 16, density=0.4, scale=9, offset=-1.0)
    assert (model.quadratic > 0).any() and (model.quadratic < 0).any() and (model.linear != 0).any()
    energies = model.energies(_all_values(model))
    result = solve_model(model, device="cpu")
    assert result.bound <= energies.min() <= result.energy == model.energies(result.values)


def test_a_model_without_terms_and_one_with_isolated_variables():
    empty = QuadraticModel.from_terms(SPIN, 3, offset=2.5)
    result = solve_model(empty, device="cpu")
    assert result.energy == result.bound == 2.5 and result.proved_optimal and result.maxcut is None
    lonely = QuadraticModel.from_terms(BINARY, 4, [0, -2, 0, 0], [1], [2], [3.0])
    result = solve_model(lonely, device="cpu")
    assert result.energy == _ground(lonely) == -2 and result.bound <= -2


def test_the_spin_glass_example_is_proved_optimal():
    model = read_model(DATA / "spinglass8x8.json", vartype=SPIN).model
    result = solve_model(model, device="cpu")
    assert result.proved_optimal and result.energy == result.bound  # fields of +-1/2: energies on a grid of 1/2


# ------------------------------------------------------------------- readers
def _dense(model):
    """(linear, symmetric matrix) with E = linear . v + v^T M v / 1 for checking conventions by hand."""
    m = np.zeros((model.n, model.n))
    m[model.pairs[:, 0], model.pairs[:, 1]] = model.quadratic
    return model.linear, m


def test_biqmac_is_x_Q_x_with_the_upper_triangle():
    text = "3 5\n1 1 -3\n1 2 2\n2 3 -1\n3 3 1\n1 3 4\n"
    model = parse_model(text, vartype=BINARY, format="biqmac").model
    q = np.array([[-3, 2, 4], [2, 0, -1], [4, -1, 1]], dtype=float)
    x = _all_values(model)
    assert np.allclose(model.energies(x), np.einsum("ki,ij,kj->k", x, q, x))


def test_bqp_picks_its_problem_and_states_maximize():
    text = "2\n3 2\n1 2 5\n3 3 -1\n2 1\n1 2 -7\n"
    first = parse_model(text, vartype=BINARY, format="bqp")
    second = parse_model(text, vartype=BINARY, problem=2)
    assert first.format == second.format == "bqp" and first.sense == "maximize"
    assert first.model.n == 3 and first.model.quadratic.tolist() == [10.0] and first.model.linear.tolist()[2] == -1
    assert second.model.n == 2 and second.model.quadratic.tolist() == [-14.0]
    # both triangles stated with one value are one symmetric entry
    twice = parse_model("1\n2 2\n1 2 5\n2 1 5\n", vartype=BINARY).model
    assert twice.quadratic.tolist() == [10.0]
    with pytest.raises(OptionError, match="holds 2 problem"):
        parse_model(text, vartype=BINARY, problem=3)


def test_matrix_market_symmetric_and_general():
    sym = "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 2\n2 1 -1.5\n3 2 4\n"
    model = parse_model(sym, vartype=SPIN, format="mtx").model
    m = np.array([[2, -1.5, 0], [-1.5, 0, 4], [0, 4, 0]])
    s = _all_values(model)
    off = m - np.diag(np.diag(m))
    assert np.allclose(model.energies(s), s @ np.diag(m) + np.einsum("ki,ij,kj->k", s, off, s))
    gen = "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 2 3\n2 1 -1\n"
    assert parse_model(gen, vartype=BINARY).model.quadratic.tolist() == [2.0]


def test_json_spellings_and_vartype_conversion():
    ocean = parse_model('{"h": {"a": 1}, "J": [["a", "b", -2]], "offset": 0.5}', vartype=SPIN).model
    plain = parse_model('{"vartype": "SPIN", "linear": {"a": 1}, "quadratic": [["a", "b", -2]], "offset": 0.5}',
                        vartype=SPIN).model
    assert ocean.labels == plain.labels == ("a", "b")
    values = _all_values(ocean)
    assert np.array_equal(ocean.energies(values), plain.energies(values))
    as_bits = parse_model('{"h": {"a": 1}, "J": [["a", "b", -2]], "offset": 0.5}', vartype=BINARY).model
    assert as_bits.vartype == BINARY
    assert np.array_equal(as_bits.energies(ocean.convert_values(values, BINARY)), ocean.energies(values))
    qubo = parse_model('{"Q": [[0, 0, 3], [0, 1, -4]]}', vartype=BINARY).model
    assert qubo.linear.tolist() == [3.0, 0.0] and qubo.quadratic.tolist() == [-4.0]


# ----------------------------------------------------------- command line
def test_ising_command_writes_spins_whose_energy_is_the_certificates(tmp_path):
    out, cert_path = tmp_path / "spins.tsv", tmp_path / "cert.json"
    res = runner.invoke(app, ["ising", str(DATA / "spinglass8x8.json"), "-o", str(out), "-c", str(cert_path), "-q",
                              "--device", "cpu"])
    assert res.exit_code == 0, res.output
    cert = json.loads(cert_path.read_text())
    model = read_model(DATA / "spinglass8x8.json", vartype=SPIN).model
    spins = dict(line.split("\t") for line in out.read_text().splitlines())
    values = np.array([int(spins[label]) for label in model.labels])
    assert set(values.tolist()) <= {-1, 1}
    assert model.energies(values) == cert["energy"]
    assert cert["energy_lower_bound"] <= cert["energy"] and cert["maxcut"]["problem"] == "maxcut"
    assert cert["reduction"]["field_vertex"] and cert["maxcut"]["n"] == model.n + 1


def test_qubo_command_on_the_bundled_bqp_file():
    res = runner.invoke(app, ["qubo", str(DATA / "bqp30.txt"), "--problem", "2", "--json", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    cert = json.loads(res.stdout)
    assert cert["sense"] == "maximize" and cert["energy"] <= cert["energy_upper_bound"]
    assert cert["instance"].endswith("bqp30.txt#2")
    res = runner.invoke(app, ["qubo", str(DATA / "bqp30.txt"), "--minimize", "--json", "--device", "cpu"])
    low = json.loads(res.stdout)
    assert low["sense"] == "minimize" and low["energy_lower_bound"] <= low["energy"]


HOSTILE = [
    # name, content, command, the message's words (after 'error: FILE')
    ("bqp_index.txt", "1\n3 2\n1 2 5\n4 1 2\n", "qubo", ":4: index 4 is out of range 1..3"),
    ("bqp_short.txt", "1\n3 4\n1 2 5\n", "qubo", ":2: the header announces 4 entries but the file has 1"),
    ("bqp_missing_problem.txt", "2\n3 1\n1 2 5\n", "qubo", ": missing the header 'n nnz' (problem 2 of 2)"),
    ("bqp_count.txt", "x\n3 1\n1 2 5\n", "qubo", ":1: problem count 'x' is not a non-negative integer"),
    ("biqmac_nan.bq", "3 2\n1 2 nan\n2 3 1\n", "qubo", ":2: weight 'nan' is not a finite number"),
    ("biqmac_contradiction.bq", "3 2\n1 2 5\n2 1 4\n", "qubo",
     ":3: entry (1, 2) is given twice with different values (lines 2 and 3)"),
    ("biqmac_more.bq", "3 1\n1 2 5\n2 3 1\n", "qubo", ":3: the header announces 1 entries but the file has more"),
    ("biqmac_tokens.bq", "3 1\n1 2\n", "ising", ":2: expected 'i j q', found 2 value(s)"),
    ("three_numbers.txt", "3 1 7\n1 2 5\n", "qubo", ":1: cannot tell the format"),
    ("pattern.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n2 1\n", "ising",
     ":1: a model is a 'coordinate' matrix"),
    ("rect.mtx", "%%MatrixMarket matrix coordinate real general\n2 3 1\n2 1 1\n", "ising",
     ":2: a model's matrix is square"),
    ("broken.json", '{"h": {"a": 1},\n "J": [["a", "b", -2]\n', "ising", ":3: not valid JSON"),
    ("triple.json", '{"J": [["a", "b"]]}', "ising", ": J[0]: expected [u, v, bias]"),
    ("selfloop.json", '{"J": [["a", "a", 1]]}', "ising", ": J[0]: a coupling joins two different variables"),
    ("mixed.json", '{"h": {}, "quadratic": []}', "ising", ": mixes the spellings"),
    ("vartype.json", '{"vartype": "spin", "linear": {}}', "ising", ": 'vartype' must be"),
    ("unknown.json", '{"h": {}, "J": [], "colour": 1}', "ising", ": unknown key(s) ['colour']"),
    ("inf.json", '{"h": {"a": 1e999}}', "ising", ": linear['a']: "),
    ("string.json", '{"h": {"a": "1"}}', "ising", ": linear['a']: expected a number"),
    ("empty.txt", "", "qubo", ": the file is empty"),
    ("binary.bq", "\x00\x01", "qubo", ": not a text file (NUL byte at offset 0)"),
]


@pytest.mark.parametrize("name,content,command,message", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_corrupt_model_files_are_refused_with_their_line(tmp_path, name, content, command, message):
    path = tmp_path / name
    path.write_text(content)
    out, cert = tmp_path / "values.tsv", tmp_path / "cert.json"
    res = runner.invoke(app, [command, str(path), "-o", str(out), "-c", str(cert), "-q", "--device", "cpu"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code == 1, text
    assert f"{name}{message}" in text
    assert "Traceback" not in text
    assert not out.exists() and not cert.exists()


def test_bad_options_are_named(tmp_path):
    res = runner.invoke(app, ["qubo", str(DATA / "bqp30.txt"), "--problem", "3", "-q"])
    assert res.exit_code == 1 and "--problem 3" in res.stderr
    res = runner.invoke(app, ["ising", str(DATA / "spinglass8x8.json"), "--problem", "2", "-q"])
    assert res.exit_code == 1 and "bqp file" in res.stderr
    with pytest.raises(InputError, match="labels must be distinct"):
        QuadraticModel.from_terms(SPIN, 2, labels=["a", "a"])
