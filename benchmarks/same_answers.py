"""Two checkouts side by side: the same answers, and the time each takes (for a refactor).

    git worktree add /tmp/derand_before <commit>
    python benchmarks/same_answers.py --before /tmp/derand_before --out benchmarks/results/same_answers

Runs, in fresh processes, ``derand maxcut`` on Gset G1, G11, G22, G43 (seed 0)
and ``derand jl embed`` on the point sets of :mod:`solver.jl.datasets` (n = 500,
d = 100, k = 10, seed 0), once with this checkout's code and once with
``--before``'s (its ``solver`` package first on PYTHONPATH), alternating, and
compares the certificates' answers and total seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import write_tables  # noqa: E402
from solver.benchmark.instances import default_gset_dir  # noqa: E402
from solver.jl.datasets import SETS, make_set  # noqa: E402


def run(tree: Path, args: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-m", "solver", *args, "--json", "-q"], env=env, capture_output=True,
                         text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="the other checkout (a git worktree)")
    ap.add_argument("--graphs", nargs="+", default=["G1", "G11", "G22", "G43"])
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/same_answers")
    args = ap.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    rows = []
    for g in args.graphs:
        path = str((default_gset_dir() / f"{g}.txt").resolve())
        res = {name: run(tree, ["maxcut", path, "--seed", "0", "--device", "cpu"]) for name, tree in trees.items()}
        b, a = res["before"], res["after"]
        rows.append({"case": f"maxcut {g}", "answer": "cut / derandomized cut / upper bound",
                     "before": f"{b['cut_value']:g} / {b['derandomized_cut']:g} / {b['upper_bound']:.4f}",
                     "after": f"{a['cut_value']:g} / {a['derandomized_cut']:g} / {a['upper_bound']:.4f}",
                     "same": (b["cut_value"], b["derandomized_cut"], b["upper_bound"])
                     == (a["cut_value"], a["derandomized_cut"], a["upper_bound"]),
                     "before_s": round(b["seconds"]["total"], 2), "after_s": round(a["seconds"]["total"], 2)})
        print(rows[-1], flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="derand_same_"))
    for name in args.sets:
        pts = tmp / f"{name}.npy"
        np.save(pts, make_set(name, n=500, d=100, seed=0))
        res = {k: run(tree, ["jl", "embed", str(pts), "--dim", "10", "--seed", "0", "--device", "cpu"])
               for k, tree in trees.items()}
        b, a = res["before"], res["after"]
        rows.append({"case": f"jl {name}", "answer": "distortion / derandomized distortion",
                     "before": f"{b['distortion']:.6f} / {b['derandomized']['distortion']:.6f}",
                     "after": f"{a['distortion']:.6f} / {a['derandomized']['distortion']:.6f}",
                     "same": (b["distortion"], b["derandomized"]["distortion"])
                     == (a["distortion"], a["derandomized"]["distortion"]),
                     "before_s": round(b["seconds"]["total"], 2), "after_s": round(a["seconds"]["total"], 2)})
        print(rows[-1], flush=True)
    before_rev = subprocess.run(["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
    after_rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                               text=True).stdout.strip()
    import torch

    machine = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} (cpu), {os.cpu_count()} cores, "
               f"torch {torch.__version__}; before = {before_rev}, after = {after_rev}; each run a fresh process.")
    write_tables(args.out, rows, machine)


if __name__ == "__main__":
    main()
