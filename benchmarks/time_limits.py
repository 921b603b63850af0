"""--time-limit on every command: the wall time of the whole process against the limit.

    python benchmarks/time_limits.py --limit 5 --repeats 3 --out benchmarks/results/time_limits

Each command runs in a fresh process (``python -m solver ...``), on:

- G81 (Gset, n = 20 000, m = 40 000) for ``maxcut``, ``certify maxcut`` (the
  cut ``maxcut`` wrote) and ``benchmark maxcut --methods derand``;
- 10^5 Gaussian points in 100 dimensions (k = 20) for ``jl embed`` and
  ``certify jl`` (the embedding ``jl embed`` wrote); generated here;
- ``structure --steps 40000`` (the default run, with a budget the limit cuts).

``run_s`` is the command's own figure (its certificate's total seconds, read
included); ``startup_s`` = wall - run_s is the interpreter, torch and numba
starting. The limit is met when run_s is within a few percent of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
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


def run(cmd: list[str]) -> tuple[float, int, str]:
    t = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "solver", *cmd], capture_output=True, text=True)
    return time.monotonic() - t, res.returncode, res.stdout + res.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=float, default=5.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/time_limits")
    args = ap.parse_args()
    lim = str(args.limit)
    g81 = default_gset_dir() / "G81.txt"
    tmp = Path(tempfile.mkdtemp(prefix="derand_limits_"))
    pts = tmp / "points.npy"
    np.save(pts, np.random.default_rng(0).standard_normal((args.points, 100)))
    cut, emb = tmp / "g81.tsv", tmp / "emb.npy"

    def cert_seconds(path: Path) -> tuple[float, str, dict]:
        c = json.loads(path.read_text())
        return c["seconds"]["total"], c["status"], c

    cases = {
        "maxcut G81": (["maxcut", str(g81), "-o", str(cut), "-c", str(tmp / "c1.json"), "-q", "--time-limit", lim],
                       tmp / "c1.json", lambda c: f"cut {c['cut_value']:.0f}, bound {c['upper_bound']:.1f} "
                                                  f"({c['bound']['method']}, verified {c['bound']['verified']})"),
        "certify maxcut G81": (["certify", "maxcut", str(g81), str(cut), "-c", str(tmp / "c2.json"), "-q",
                                "--time-limit", lim], tmp / "c2.json",
                               lambda c: f"cut {c['cut_value']:.0f}, bound {c['upper_bound']:.1f}"),
        "jl embed 1e5 x 100, k 20": (["jl", "embed", str(pts), "--dim", "20", "-o", str(emb), "-c",
                                      str(tmp / "c3.json"), "-q", "--time-limit", lim], tmp / "c3.json",
                                     lambda c: f"D {c['distortion']:.3f} over {c['pairs_checked']:,} pairs "
                                               f"(complete {c['complete']})"),
        "certify jl 1e5 x 100": (["certify", "jl", str(pts), str(emb), "-c", str(tmp / "c4.json"), "-q",
                                  "--time-limit", lim], tmp / "c4.json",
                                 lambda c: f"D {c['distortion']:.3f} over {c['pairs_checked']:,} pairs "
                                           f"(complete {c['complete']})"),
    }
    rows = []
    for name, (cmd, cert, what) in cases.items():
        walls, runs, statuses, notes = [], [], [], ""
        for _ in range(args.repeats):
            cert.unlink(missing_ok=True)
            wall, rc, text = run(cmd)
            if rc != 0:
                raise SystemExit(f"{name}: exit {rc}\n{text}")
            total, status, c = cert_seconds(cert)
            walls.append(wall)
            runs.append(total)
            statuses.append(status)
            notes = what(c)
        rows.append(row(name, args.limit, walls, runs, statuses, notes))
        print(rows[-1], flush=True)

    # structure: --json on stdout
    walls, runs, statuses = [], [], []
    for _ in range(args.repeats):
        t = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "solver", "structure", "--steps", "40000", "--json", "--device",
                              "cpu", "--time-limit", lim], capture_output=True, text=True)
        walls.append(time.monotonic() - t)
        rec = json.loads(res.stdout)
        runs.append(rec["seconds"])
        statuses.append(rec["status"])
    rows.append(row("structure --steps 40000", args.limit, walls, runs, statuses,
                    f"{rec['iterations']} steps, SOSP {rec['sosp']['is_sosp']}, alignment {rec['alignment']:.4f}"))
    print(rows[-1], flush=True)

    # benchmark: the derand row's seconds
    walls, runs, statuses = [], [], []
    for i in range(args.repeats):
        out = tmp / f"bench{i}"
        t = time.monotonic()
        subprocess.run([sys.executable, "-m", "solver", "benchmark", "maxcut", str(g81), "--methods", "derand",
                        "--time-limit", lim, "--out", str(out), "--quiet"], capture_output=True, text=True, check=True)
        walls.append(time.monotonic() - t)
        with (out / "results.csv").open() as fh:
            r = next(csv.DictReader(fh))
        runs.append(float(r["seconds"]))
        statuses.append(r["status"])
    rows.append(row("benchmark maxcut G81 --methods derand", args.limit, walls, runs, statuses,
                    f"cut {r['cut']}"))
    print(rows[-1], flush=True)
    import torch

    machine = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} (cpu), {os.cpu_count()} cores, "
               f"torch {torch.__version__}; each command a fresh process, {args.repeats} runs, medians.")
    write_tables(args.out, rows, machine)


def row(name, limit, walls, runs, statuses, what) -> dict:
    wall, own = statistics.median(walls), statistics.median(runs)
    return {"command": name, "limit_s": limit, "wall_s": round(wall, 2), "run_s": round(own, 2),
            "run_max_s": round(max(runs), 2), "over_limit_pct": round(100 * (max(runs) / limit - 1), 1),
            "startup_s": round(wall - own, 2), "status": "/".join(sorted(set(statuses))), "answer": what}


if __name__ == "__main__":
    main()
