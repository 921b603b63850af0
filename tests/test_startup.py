"""The plain command starts fast: the graph is read and checked before torch is imported, the process ends
as soon as its outputs are written, and the search uses the machine's cores by default."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=300)


def test_the_search_and_the_readers_load_without_torch():
    res = _python("""
        import sys
        import solver.cli, solver.io, solver.maxcut.improve, solver.maxcut.memory, solver.core.machine
        print("torch" in sys.modules)
    """)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def test_a_bad_graph_is_refused_before_torch_is_imported(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2\n1 2 1\n2 9 1\n")
    res = _python(f"""
        import sys
        from solver.cli import app
        try:
            app(["maxcut", {str(bad)!r}, "-q"], standalone_mode=True)
        except SystemExit as exc:
            print("exit", exc.code, "torch" in sys.modules)
    """)
    assert "exit 1 False" in res.stdout, res.stdout + res.stderr
    assert "out of range 1..3" in res.stderr


def test_the_console_script_writes_everything_before_it_ends(tmp_path):
    """The entry point ends the process without the interpreter's teardown: outputs, stdout and the exit code
    must all be there."""
    out, cert = tmp_path / "cut.tsv", tmp_path / "cert.json"
    run = [sys.executable, "-m", "solver"]
    res = subprocess.run(run + ["maxcut", str(DATA / "karate.edgelist"), "-o", str(out), "-c", str(cert), "--json",
                                "--device", "cpu"], capture_output=True, text=True, env=ENV, timeout=300)
    assert res.returncode == 0, res.stderr
    printed = json.loads(res.stdout)
    assert printed["cut_value"] == json.loads(cert.read_text())["cut_value"] == 61
    assert len(out.read_text().splitlines()) == 34
    res = subprocess.run(run + ["maxcut", str(tmp_path / "missing.txt")], capture_output=True, text=True, env=ENV,
                         timeout=300)
    assert res.returncode == 1 and "no such file" in res.stderr
    res = subprocess.run(run + ["maxcut", "--no-such-option"], capture_output=True, text=True, env=ENV, timeout=300)
    assert res.returncode == 2 and "No such option" in res.stderr
    res = subprocess.run(run + ["--version"], capture_output=True, text=True, env=ENV, timeout=300)
    assert res.returncode == 0 and res.stdout.startswith("derand ")


def test_the_default_run_uses_every_core(tmp_path):
    from solver.core.machine import available_cores
    from typer.testing import CliRunner

    from solver.cli import app

    cert = tmp_path / "cert.json"
    res = CliRunner().invoke(app, ["maxcut", str(DATA / "gnp120_pm1.rudy"), "-c", str(cert), "-q", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    chains = json.loads(cert.read_text())["improve"]["params"].get("chains")
    assert (len(chains) if chains else 1) == available_cores()


def test_too_many_chains_for_the_memory_are_refused_before_they_start(monkeypatch):
    from solver.errors import DerandError
    from solver.graph import Graph
    from solver.maxcut.improve import head_start_for

    monkeypatch.setenv("DERAND_MEMORY_LIMIT", "1000000")  # 1 MB
    ring = Graph.from_edges(20_000, list(range(20_000)), [(i + 1) % 20_000 for i in range(20_000)])
    with pytest.raises(DerandError, match="search chain"):
        head_start_for(ring, workers=4)
