"""Failing safely: atomic outputs, Ctrl-C and --time-limit, peak memory in the certificate.

Ctrl-C is simulated by raising KeyboardInterrupt where a signal would land:
inside the progress callback (which the SDP and PGD loops call), inside the
bound, the polish or the final rename of an output file.
"""

import builtins
import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import solver.cli
from solver import _entry
import solver.maxcut.solve as solve_module
from solver.cli import app
from solver.errors import DerandWarning, InputError
from solver.io import atomic_write, read_assignment, read_graph, write_assignment, write_json
from solver.maxcut.certify import certify_cut
from solver.maxcut.solve import solve_maxcut

from .conftest import DATA

runner = CliRunner()
KARATE = DATA / "karate.edgelist"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def leftovers(folder):
    """Temporary files an interrupted write might have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


class CtrlC:
    """A progress callback that 'presses Ctrl-C' the n-th time it is called in ``phase``."""

    def __init__(self, phase, at=1):
        self.phase, self.at, self.calls, self.fired = phase, at, 0, False

    def __call__(self, phase, done, total):
        if phase == self.phase and not self.fired:
            self.calls += 1
            if self.calls >= self.at:
                self.fired = True
                raise KeyboardInterrupt


# ------------------------------------------------------------ atomic writes
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_interrupted_rename_keeps_the_old_file(tmp_path, monkeypatch, exc):
    target = tmp_path / "cert.json"
    target.write_text("old\n")

    def boom(src, dst):
        raise exc

    monkeypatch.setattr(os, "replace", boom)
    if isinstance(exc, OSError):
        with pytest.raises(InputError, match=r"cert.json: cannot write \(No space left on device\)"):
            write_json(target, {"new": 1})
    else:
        with pytest.raises(KeyboardInterrupt):
            write_json(target, {"new": 1})
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_interrupted_write_midway_keeps_the_old_file(tmp_path, monkeypatch):
    """Ctrl-C after half the bytes reached the temporary file."""
    target = tmp_path / "cut.tsv"
    target.write_text("a\t1\n")
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        write_assignment(target, ["a", "b"], np.array([0, 1]))
    assert target.read_text() == "a\t1\n"
    assert leftovers(tmp_path) == []


def test_interrupted_fsync_leaves_no_file_at_all(tmp_path, monkeypatch):
    target = tmp_path / "new.json"

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        write_json(target, {"x": 1})
    assert not target.exists() and leftovers(tmp_path) == []


def test_written_files_get_ordinary_permissions(tmp_path):
    new = tmp_path / "new.json"
    write_json(new, {"x": 1})
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0o600
    old = tmp_path / "old.tsv"
    old.write_text("x")
    old.chmod(0o640)
    atomic_write(old, "y")
    assert old.read_text() == "y" and stat.S_IMODE(old.stat().st_mode) == 0o640


def test_every_cli_output_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    """--output and --certificate of both commands: a failed rename leaves the old files and no temp file."""
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    out.write_text("old cut\n")
    cert.write_text("old certificate\n")
    calls = []

    def boom(src, dst):
        calls.append(os.path.basename(dst))
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    res = run("maxcut", KARATE, "-o", out, "-c", cert, "-q", "--device", "cpu")
    assert res.exit_code == 130 and "interrupted; nothing was written" in res.stderr
    good = tmp_path / "good.tsv"
    good.write_text("".join(f"{label}\t{i % 2}\n" for i, label in enumerate(read_graph(KARATE).labels)))
    res2 = run("certify", "maxcut", KARATE, good, "-c", cert, "-q", "--device", "cpu", "--rank", "4")
    assert res2.exit_code == 130
    assert calls == ["cut.tsv", "cert.json"]
    assert out.read_text() == "old cut\n" and cert.read_text() == "old certificate\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["maxcut", "certify"])
def test_bad_input_leaves_existing_outputs_untouched(tmp_path, command):
    bad = tmp_path / "bad.edgelist"
    bad.write_text("a b 1\nc d nan\n")
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    out.write_text("previous\n")
    cert.write_text("previous\n")
    args = ["maxcut", bad, "-o", out, "-c", cert] if command == "maxcut" else \
        ["certify", "maxcut", bad, out, "-c", cert]
    res = run(*args)
    assert res.exit_code == 1 and ":2: weight 'nan' is not a finite number" in res.stderr
    assert out.read_text() == "previous\n" and cert.read_text() == "previous\n"
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_reading_writes_nothing(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solver.cli, "read_graph", interrupted)
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = run("maxcut", KARATE, "-o", out, "-c", cert)
    assert res.exit_code == 130 and "interrupted; nothing was written" in res.stderr
    assert not out.exists() and not cert.exists()


# --------------------------------------------------- Ctrl-C in the library
@pytest.fixture(scope="module")
def karate():
    return read_graph(KARATE)


def check_answer(graph, result):
    """The answer of a stopped run is still a certified answer."""
    assert result.cut_value == graph.cut_value(result.sides)
    assert result.bound.verified and result.cut_value <= result.upper_bound
    cert = result.certificate()
    assert cert["status"] == result.status and cert["peak_memory_mib"] > 0
    return cert


def test_ctrl_c_during_the_sdp(karate):
    with pytest.warns(DerandWarning, match="SDP: interrupted after"):
        res = solve_maxcut(karate, device="cpu", progress=CtrlC("sdp"))
    cert = check_answer(karate, res)
    assert res.status == "interrupted" and res.sdp.status == "interrupted"
    assert cert["bound"]["method"] == "dense-cholesky"  # the bound from the factor reached
    assert any(note.startswith("sdp: interrupted") for note in cert["notes"])
    # the later phases stopped at once instead of running their full course
    assert res.derandomization.status == "time_limit"


def test_ctrl_c_during_the_derandomization(karate):
    res = solve_maxcut(karate, device="cpu", progress=CtrlC("derandomize"))
    check_answer(karate, res)
    assert res.status == "interrupted" and res.derandomization.status == "interrupted"
    assert res.sdp.status == "converged"


def test_ctrl_c_during_the_bound_falls_back_to_a_valid_bound(karate, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_module, "dual_upper_bound", interrupted)
    res = solve_maxcut(karate, device="cpu")
    cert = check_answer(karate, res)
    assert res.status == "interrupted" and cert["bound"]["method"] == "positive-weights"
    assert res.upper_bound >= karate.weights[karate.weights > 0].sum()
    assert any(note.startswith("bound: interrupted") for note in cert["notes"])
    cut = certify_cut(karate, res.sides, device="cpu")
    assert cut.status == "interrupted" and cut.bound.method == "positive-weights"


def test_ctrl_c_during_the_polish_keeps_the_derandomized_cut(karate, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_module, "one_flip_local_search", interrupted)
    res = solve_maxcut(karate, device="cpu")
    cert = check_answer(karate, res)
    assert res.status == "interrupted" and res.polish is None
    assert cert["cut_value"] == cert["derandomized_cut"]


def test_time_limit_is_marked_in_both_certificates(karate):
    with pytest.warns(DerandWarning, match="SDP: stopped by the time limit"):
        res = solve_maxcut(karate, device="cpu", time_limit=1e-6)
    assert check_answer(karate, res)["status"] == "time_limit"
    with pytest.warns(DerandWarning, match="SDP: stopped by the time limit"):
        cut = certify_cut(karate, res.sides, device="cpu", time_limit=1e-6)
    assert cut.certificate()["status"] == "time_limit" and cut.cut_value <= cut.upper_bound


def test_ctrl_c_during_certify(karate):
    with pytest.warns(DerandWarning, match="SDP: interrupted after"):
        cut = certify_cut(karate, np.arange(karate.n) % 2, device="cpu", progress=CtrlC("sdp"))
    assert cut.status == "interrupted" and cut.sdp.status == "interrupted"
    assert cut.bound.verified and cut.cut_value <= cut.upper_bound


# ---------------------------------------------------------- Ctrl-C, the CLI
def press_ctrl_c_in(monkeypatch, phase):
    """Make the CLI's progress bars raise KeyboardInterrupt once, as a signal arriving in that phase would."""
    ctrl_c = CtrlC(phase)
    real = solver.cli._Bars.__call__

    def call(self, ph, done, total):
        ctrl_c(ph, done, total)
        real(self, ph, done, total)

    monkeypatch.setattr(solver.cli._Bars, "__call__", call)
    return ctrl_c


@pytest.mark.parametrize("phase", ["sdp", "derandomize"])
def test_interrupted_maxcut_writes_its_best_certified_answer_and_exits_130(tmp_path, monkeypatch, phase):
    ctrl_c = press_ctrl_c_in(monkeypatch, phase)
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    res = run("maxcut", KARATE, "-o", out, "-c", cert, "-q", "--device", "cpu")
    assert ctrl_c.fired
    assert res.exit_code == 130, res.output
    c = json.loads(cert.read_text())
    g = read_graph(KARATE)
    assert c["status"] == "interrupted"
    assert c["cut_value"] == g.cut_value(read_assignment(out, g)) <= c["upper_bound"]
    assert c["bound"]["verified"] and c["peak_memory_mib"] > 0
    assert leftovers(tmp_path) == []


def test_interrupted_certify_writes_its_certificate_and_exits_130(tmp_path, monkeypatch):
    press_ctrl_c_in(monkeypatch, "sdp")
    g = read_graph(KARATE)
    cut, cert = tmp_path / "cut.json", tmp_path / "cert.json"
    write_assignment(cut, g.labels, np.arange(g.n) % 2)
    res = run("certify", "maxcut", KARATE, cut, "-c", cert, "--device", "cpu")
    assert res.exit_code == 130, res.output
    c = json.loads(cert.read_text())
    assert c["status"] == "interrupted" and c["sdp"]["status"] == "interrupted"
    assert c["cut_value"] <= c["upper_bound"]
    assert "interrupted" in res.stdout  # the summary table says so


def test_time_limit_on_the_cli_exits_0_and_says_so(tmp_path):
    cert = tmp_path / "cert.json"
    res = run("maxcut", KARATE, "-c", cert, "-q", "--device", "cpu", "--time-limit", "1e-6")
    assert res.exit_code == 0, res.output
    c = json.loads(cert.read_text())
    assert c["status"] == "time_limit" and c["cut_value"] <= c["upper_bound"] and c["peak_memory_mib"] > 0


def test_ctrl_c_while_the_cli_is_still_being_imported_exits_130_without_a_traceback(monkeypatch, capsys):
    real_import = builtins.__import__

    def slow_torch(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "cli" and level == 1:  # "from .cli import main", while torch loads
            raise KeyboardInterrupt
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", slow_torch)
    with pytest.raises(SystemExit) as exit_info:
        _entry.main()
    assert exit_info.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"
    # and importing the package alone does not import torch
    out = subprocess.run([sys.executable, "-c", "import sys, solver; print('torch' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
