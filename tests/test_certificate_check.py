"""`derand certify ... --check CERT`: a genuine certificate is confirmed; a tampered one, or one for a
tampered answer, is caught claim by claim (fuzzed with hypothesis), with nothing written."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solver.cli import app
from solver.io import check_jl_claims, check_maxcut_claims
from solver.io.writers import to_jsonable

from .conftest import DATA

runner = CliRunner()
KARATE = DATA / "karate.edgelist"


@pytest.fixture(scope="module")
def karate(tmp_path_factory):
    """derand maxcut's cut and certificate of the karate club, and certify's own record of that cut."""
    tmp = tmp_path_factory.mktemp("karate")
    cut, cert = tmp / "cut.tsv", tmp / "cert.json"
    res = runner.invoke(app, ["maxcut", str(KARATE), "-o", str(cut), "-c", str(cert), "-q", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    again = tmp / "again.json"
    res = runner.invoke(app, ["certify", "maxcut", str(KARATE), str(cut), "--check", str(cert), "-c", str(again),
                              "-q", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    return tmp, json.loads(cert.read_text()), json.loads(again.read_text())


def test_a_genuine_certificate_is_confirmed(karate):
    _, claim, actual = karate
    assert actual["checked"]["claims_confirmed"] is True
    assert check_maxcut_claims(claim, actual) == []


# Tampering that makes a claim stronger than the answer supports (a weaker claim, a larger
# upper bound say, is still true and is not a tamper worth catching).
TAMPERS = {
    "cut_value": lambda c, d: c + d,
    "upper_bound": lambda c, d: c - d,
    "basic_upper_bound": lambda c, d: c - d,
    "total_weight": lambda c, d: c + d,
    "certified_ratio": lambda c, d: c * (1 + d / 100),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(TAMPERS)), delta=st.floats(1e-6, 1e4) | st.sampled_from([1.0, 0.5, 1e-3]),
       sign=st.sampled_from([1, -1]))
def test_tampered_figures_are_caught(karate, key, delta, sign):
    _, claim, actual = karate
    forged = dict(claim)
    d = delta if key in ("upper_bound", "basic_upper_bound") else sign * delta
    forged[key] = TAMPERS[key](claim[key], d)
    problems = check_maxcut_claims(forged, actual)
    assert problems and any(key in p for p in problems), (key, d, problems)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["n", "m"]), delta=st.integers(-5, 5).filter(bool))
def test_tampered_sizes_are_caught(karate, key, delta):
    _, claim, actual = karate
    forged = {**claim, key: claim[key] + delta}
    assert any(key in p for p in check_maxcut_claims(forged, actual))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["cut_value", "upper_bound", "n", "total_weight"]),
       junk=st.sampled_from([None, "12", [1], {"a": 1}, True, float("nan")]))
def test_junk_in_place_of_a_figure_is_caught(karate, key, junk):
    _, claim, actual = karate
    assert check_maxcut_claims({**claim, key: junk}, actual)


def test_an_unproved_optimality_claim_is_not_taken_on_trust(karate):
    _, claim, actual = karate
    assert check_maxcut_claims({**claim, "proved_optimal": True}, {**actual, "proved_optimal": False})


def _certify_check(tmp, cut, cert):
    out = tmp / "out.json"
    res = runner.invoke(app, ["certify", "maxcut", str(KARATE), str(cut), "--check", str(cert), "-c", str(out),
                              "-q", "--device", "cpu", "--tighten", "off"])
    text = (res.stderr + res.output).replace("\n", " ")
    return res.exit_code, text, out.exists()


def test_the_cli_catches_a_forged_cut_value(karate, tmp_path):
    tmp, claim, _ = karate
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**claim, "cut_value": claim["cut_value"] + 1}))
    code, text, written = _certify_check(tmp_path, tmp / "cut.tsv", forged)
    assert code == 1 and "forged.json: the certificate does not hold: claims cut_value" in text
    assert "Traceback" not in text and not written


def test_the_cli_catches_a_tampered_assignment(karate, tmp_path):
    tmp, _, _ = karate
    from solver.io import read_assignment, read_graph

    g = read_graph(KARATE)
    sides = read_assignment(tmp / "cut.tsv", g)
    gains = [g.cut_value(np.where(np.arange(g.n) == v, ~sides, sides)) - g.cut_value(sides) for v in range(g.n)]
    v = int(np.flatnonzero(np.array(gains) != 0)[0])  # a vertex whose move changes the cut
    lines = (tmp / "cut.tsv").read_text().splitlines(True)
    label, side = lines[v].split()
    lines[v] = f"{label}\t{1 - int(side)}\n"
    (tmp_path / "moved.tsv").write_text("".join(lines))
    code, text, written = _certify_check(tmp_path, tmp_path / "moved.tsv", tmp / "cert.json")
    assert code == 1 and "claims cut_value" in text and not written


@pytest.mark.parametrize("content,message", [
    ("{not json", ":1: not JSON"),
    ("[1, 2]", "expected a JSON object (a certificate), found list"),
    ('{"problem": "jl"}', "is not a maxcut certificate"),
])
def test_a_malformed_certificate_is_refused(karate, tmp_path, content, message):
    tmp, _, _ = karate
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, text, written = _certify_check(tmp_path, tmp / "cut.tsv", bad)
    assert code == 1 and message in text and "Traceback" not in text and not written


@pytest.fixture(scope="module")
def embedding(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jl")
    np.save(tmp / "x.npy", np.random.default_rng(0).standard_normal((150, 12)))
    res = runner.invoke(app, ["jl", "embed", str(tmp / "x.npy"), "--dim", "4", "-o", str(tmp / "y.npy"),
                              "-c", str(tmp / "cert.json"), "-q", "--device", "cpu", "--baseline-draws", "0"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["certify", "jl", str(tmp / "x.npy"), str(tmp / "y.npy"), "--check",
                              str(tmp / "cert.json"), "--json", "--baseline-draws", "0", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    return tmp, json.loads((tmp / "cert.json").read_text()), json.loads(res.stdout)


def test_a_genuine_embedding_certificate_is_confirmed(embedding):
    _, claim, actual = embedding
    assert actual["checked"]["claims_confirmed"] and check_jl_claims(claim, actual) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["r_min", "r_max", "distortion", "eps_opt", "eps_sq"]),
       factor=st.floats(1e-7, 0.5), sign=st.sampled_from([1, -1]))
def test_tampered_distortion_figures_are_caught(embedding, key, factor, sign):
    _, claim, actual = embedding
    forged = {**claim, key: claim[key] * (1 + sign * factor)}
    assert any(key in p for p in check_jl_claims(forged, to_jsonable(actual)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["n", "d", "k", "pairs_checked"]), delta=st.integers(-3, 3).filter(bool))
def test_tampered_embedding_sizes_are_caught(embedding, key, delta):
    _, claim, actual = embedding
    assert any(key in p for p in check_jl_claims({**claim, key: claim[key] + delta}, actual))


def test_the_cli_catches_a_forged_distortion(embedding, tmp_path):
    tmp, claim, _ = embedding
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**claim, "distortion": claim["distortion"] * 0.99}))
    out = tmp_path / "out.json"
    res = runner.invoke(app, ["certify", "jl", str(tmp / "x.npy"), str(tmp / "y.npy"), "--check", str(forged),
                              "-c", str(out), "-q", "--baseline-draws", "0", "--device", "cpu"])
    text = (res.stderr + res.output).replace("\n", " ")
    assert res.exit_code == 1 and "claims distortion" in text and not out.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode), cut=st.integers(0, 2000))
def test_the_certificate_reader_never_fails_unexpectedly(karate, tmp_path_factory, data, cut):
    """Random bytes, and a genuine certificate cut short or spliced with them: a certificate or an InputError."""
    from solver.errors import InputError
    from solver.io import read_certificate

    tmp, _, _ = karate
    genuine = (tmp / "cert.json").read_bytes()
    for content in (data, genuine[:cut], genuine[:cut] + data + genuine[cut:]):
        path = tmp_path_factory.mktemp("fuzz") / "c.json"
        path.write_bytes(content)
        try:
            claim = read_certificate(path, "maxcut")
        except InputError as exc:
            assert str(exc).startswith(str(path))
        else:
            assert isinstance(claim, dict) and claim["problem"] == "maxcut"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["n", "m", "total_weight", "cut_value", "upper_bound",
                                               "basic_upper_bound", "certified_ratio", "proved_optimal"]),
                              st.none() | st.booleans() | st.integers(-10 ** 400, 10 ** 400) | st.floats()
                              | st.text(max_size=5) | st.lists(st.integers(), max_size=2)))
def test_the_claim_checker_takes_any_json_values(karate, values):
    _, claim, actual = karate
    problems = check_maxcut_claims({**claim, **values}, actual)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
