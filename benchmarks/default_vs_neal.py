"""The plain `derand maxcut GRAPH --seed S` against dwave-neal, each in its own process, wall time around each.

    python benchmarks/default_vs_neal.py --seeds 0 1 2 --out benchmarks/results/default_vs_neal

derand runs as a user runs it: the installed ``derand`` command with no option
but ``--seed`` (and ``--json``, to read the answer). neal runs as its users
run it: a Python process that reads the same file with NumPy, builds the
Ising model of the cut (J = w) with dimod and samples 10 reads of 10^4 sweeps
(the settings of benchmarks/results/benchmark_anneal/). The wall time of each
is the whole process, start-up included. Instances: Gset names (from
``$DERAND_GSET`` or ../shared/data/gset; skipped when absent) and generated
graphs (``solver.benchmark.instances`` specs, written to a temporary rudy file
first). The two run one after the other, never side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.benchmark.instances import default_gset_dir, generate_graph, load_best_known  # noqa: E402
from solver.benchmark.report import machine_description  # noqa: E402
from solver.io import atomic_write  # noqa: E402

GSET = [f"G{i}" for i in range(1, 55)] + ["G55", "G60", "G70", "G81"]
GENERATED = ["torus-pm1:50:50:1", "pm1:2000:0.006:1", "regular:3:2000:1", "gnp:1000:0.01:1"]

NEAL = r"""
import json, sys, time
import numpy as np
import dimod, neal
path, seed = sys.argv[1], int(sys.argv[2])
rows = np.loadtxt(path, skiprows=1, ndmin=2)
n = int(open(path).readline().split()[0])
i, j = rows[:, 0].astype(int) - 1, rows[:, 1].astype(int) - 1
w = rows[:, 2] if rows.shape[1] > 2 else np.ones(len(rows))
bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(np.zeros(n), (i, j, w), 0.0, dimod.SPIN,
                                                    variable_order=range(n))
best = neal.SimulatedAnnealingSampler().sample(bqm, num_reads=10, num_sweeps=10000, seed=seed).first.sample
s = np.array([best[v] for v in range(n)])
print(json.dumps({"cut": float(w[s[i] != s[j]].sum())}))
"""

COLUMNS = ("instance", "n", "m", "seed", "best_known", "derand_cut", "derand_seconds", "derand_derandomized_cut",
           "derand_upper_bound", "derand_phases", "neal_cut", "neal_seconds", "cut_ok", "time_ok")


def _file(instance: str, tmp: Path, gset: Path) -> Path | None:
    if instance.startswith("G") and instance[1:].isdigit():
        path = (gset / f"{instance}.txt").resolve()
        return path if path.exists() else None
    graph = generate_graph(instance)
    path = tmp / (instance.replace(":", "_") + ".rudy")
    body = "".join(f"{a + 1} {b + 1} {w:g}\n" for (a, b), w in zip(graph.edges.tolist(), graph.weights.tolist()))
    path.write_text(f"{graph.n} {graph.m}\n" + body)
    return path


def _timed(argv: list[str]) -> tuple[dict, float]:
    t = time.monotonic()
    res = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.monotonic() - t
    if res.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed: {res.stderr[-2000:]}")
    return json.loads(res.stdout), seconds


def run(instances: list[str], seeds: list[int], out: Path, derand: str, command: str) -> list[dict]:
    gset = default_gset_dir()
    best = load_best_known(gset / "best_known.csv") if (gset / "best_known.csv").exists() else {}
    rows: list[dict] = []
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for instance in instances:
            path = _file(instance, Path(tmp), gset)
            if path is None:
                print(f"{instance}: not found, skipped", flush=True)
                continue
            for seed in seeds:
                cert, d_sec = _timed([derand, "maxcut", str(path), "--seed", str(seed), "--json"])
                neal, n_sec = _timed([sys.executable, "-c", NEAL, str(path), str(seed)])
                phases = {k: round(v, 3) for k, v in cert["seconds"].items()}
                rows.append({
                    "instance": instance, "n": cert["n"], "m": cert["m"], "seed": seed,
                    "best_known": best.get(instance), "derand_cut": cert["cut_value"], "derand_seconds": d_sec,
                    "derand_derandomized_cut": cert["derandomized_cut"], "derand_upper_bound": cert["upper_bound"],
                    "derand_phases": json.dumps(phases), "neal_cut": neal["cut"], "neal_seconds": n_sec,
                    "cut_ok": cert["cut_value"] >= neal["cut"], "time_ok": d_sec <= n_sec,
                })
                r = rows[-1]
                print(f"{instance} seed {seed}: derand {r['derand_cut']:g} in {d_sec:.2f} s, neal {r['neal_cut']:g} "
                      f"in {n_sec:.2f} s", flush=True)
                _write(rows, out, command)
    return rows


def _write(rows: list[dict], out: Path, command: str) -> None:
    with tempfile.NamedTemporaryFile("w", newline="", delete=False, dir=out, suffix=".tmp") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    Path(fh.name).replace(out / "results.csv")
    atomic_write(out / "results.md", _markdown(rows, command))


def _markdown(rows: list[dict], command: str) -> str:
    both = [r for r in rows if r["cut_ok"] and r["time_ok"]]
    lines = [
        "# The plain `derand maxcut` against dwave-neal, whole processes", "",
        f"Machine: {machine_description()}.", "", "Command:", "", "```", command, "```", "",
        "Each run is a fresh process, its wall time measured around it: `derand maxcut GRAPH --seed S --json` "
        "(the installed command, no other option) and a Python process that reads the file with NumPy and runs "
        "dwave-neal, 10 reads x 10^4 sweeps, seed S. One after the other, never side by side.", "",
        f"derand's cut >= neal's in <= neal's wall time: **{len(both)} of {len(rows)}** runs "
        f"({len({r['instance'] for r in rows})} instances x {len({r['seed'] for r in rows})} seeds); "
        f"cut >= neal's: {sum(r['cut_ok'] for r in rows)}; time <= neal's: {sum(r['time_ok'] for r in rows)}.", "",
        f"Median wall time: derand {statistics.median(r['derand_seconds'] for r in rows):.2f} s, "
        f"neal {statistics.median(r['neal_seconds'] for r in rows):.2f} s; median ratio derand / neal "
        f"{statistics.median(r['derand_seconds'] / r['neal_seconds'] for r in rows):.2f}.", "",
    ]
    misses = [r for r in rows if not (r["cut_ok"] and r["time_ok"])]
    if misses:
        lines += ["Runs where derand's cut is below neal's or its time above:", "",
                  "| instance | seed | derand cut | neal cut | cut difference | derand s | neal s | time over |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in misses:
            lines.append(f"| {r['instance']} | {r['seed']} | {r['derand_cut']:g} | {r['neal_cut']:g} | "
                         f"{r['derand_cut'] - r['neal_cut']:+g} | {r['derand_seconds']:.2f} | {r['neal_seconds']:.2f} | "
                         f"{max(0.0, r['derand_seconds'] - r['neal_seconds']):.2f} s |")
        lines.append("")
    lines += ["## Every run", "",
              "| instance | n | m | seed | best known | derand cut | derand s | derandomized cut | upper bound | "
              "neal cut | neal s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        bk = "-" if r["best_known"] is None else f"{r['best_known']:g}"
        lines.append(f"| {r['instance']} | {r['n']} | {r['m']} | {r['seed']} | {bk} | {r['derand_cut']:g} | "
                     f"{r['derand_seconds']:.2f} | {r['derand_derandomized_cut']:g} | {r['derand_upper_bound']:.1f} | "
                     f"{r['neal_cut']:g} | {r['neal_seconds']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instances", nargs="*", default=GSET + GENERATED)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/default_vs_neal")
    ap.add_argument("--derand", default=shutil.which("derand") or "derand", help="the derand command to time")
    args = ap.parse_args()
    command = "python benchmarks/default_vs_neal.py " + shlex.join(sys.argv[1:])
    rows = run(args.instances, args.seeds, args.out, args.derand, command.strip())
    print(f"wrote {args.out / 'results.csv'} and {args.out / 'results.md'} ({len(rows)} runs)")


if __name__ == "__main__":
    main()
