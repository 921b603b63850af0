"""Start-up of the derand command, before and after a change: whole processes, medians.

    python benchmarks/startup.py --before /tmp/derand_before --repeats 5

Times, each in a fresh process with the tree's own code on PYTHONPATH:
``derand --version`` (the CLI's imports), ``derand maxcut data/karate.edgelist``
(a 34-vertex graph: start-up, a tiny run and the exit), and the run's own
``seconds.total`` from its certificate, so that wall - total is what the
process spends outside the run: imports, the search's kernels, the exit.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.benchmark.report import machine_description  # noqa: E402
from solver.io import atomic_write  # noqa: E402


def _run(tree: Path, args: list[str]) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = "import sys; sys.argv[0] = 'derand'; from solver._entry import main; main()"
    t = time.monotonic()
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=tree)
    wall = time.monotonic() - t
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return wall, res.stdout


def measure(tree: Path, repeats: int) -> dict:
    version = [_run(tree, ["--version"])[0] for _ in range(repeats)]
    walls, totals = [], []
    for _ in range(repeats):
        wall, out = _run(tree, ["maxcut", "data/karate.edgelist", "--json", "--device", "cpu"])
        walls.append(wall)
        totals.append(json.loads(out)["seconds"]["total"])
    return {"version": statistics.median(version), "karate_wall": statistics.median(walls),
            "karate_run": statistics.median(totals),
            "outside": statistics.median(w - t for w, t in zip(walls, totals))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="a worktree of the code before")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/default_vs_neal/startup.md")
    args = ap.parse_args()
    rows = {}
    for name, tree in (("before", args.before), ("after", ROOT)):
        rows[name] = measure(tree.resolve(), args.repeats)
    lines = ["# Start-up of the derand command, before and after", "", f"Machine: {machine_description()}.", "",
             "Command:", "", "```", "python benchmarks/startup.py " + shlex.join(sys.argv[1:]), "```", "",
             f"Medians of {args.repeats} fresh processes each; `before` is the tree at {args.before}, `after` this "
             "one. `outside the run` is the wall time less the run's own `seconds.total`: imports, loading the "
             "search's compiled kernels, and ending the process.", "",
             "| | `derand --version` | `derand maxcut data/karate.edgelist` | the run itself | outside the run |",
             "|---|---:|---:|---:|---:|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['version']:.2f} s | {r['karate_wall']:.2f} s | {r['karate_run']:.2f} s | "
                     f"{r['outside']:.2f} s |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
