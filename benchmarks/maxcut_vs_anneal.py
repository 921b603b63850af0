"""derand's final cut against simulated annealing (dwave-neal), side by side on Gset.

For each graph and repeat: ``solve_maxcut`` (SDP, bound, derandomization,
polish, improvement phase with its default budget) and ``anneal_cut``
(neal, 10 reads x 10^4 sweeps), one after the other in this process, wall
time of each call. Medians over repeats are reported, since the timings of a
shared machine are noisy.

    python benchmarks/maxcut_vs_anneal.py G1 G11 G14 G22 G43 G55 --repeats 3 --out benchmarks/results/maxcut_vs_anneal

Needs the ``anneal`` extra (dwave-neal) and ../shared/data/gset.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

import torch

from solver.baselines.anneal import anneal_cut
from solver.io import read_graph
from solver.maxcut import solve_maxcut

GSET = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gset"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reads", type=int, default=10)
    ap.add_argument("--sweeps", type=int, default=10_000)
    ap.add_argument("--equal-time", action="store_true",
                    help="give derand neal's measured wall time as --time-limit (instead of its default budget)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (neal uses one)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    known = {r["instance"]: float(r["best_known"]) for r in csv.DictReader(open(GSET / "best_known.csv"))}
    rows = []
    for name in args.graphs:
        g = read_graph(GSET / f"{name}.txt")
        runs = []
        for rep in range(args.repeats):
            t = time.monotonic()
            a = anneal_cut(g, args.reads, args.sweeps, seed=rep)
            neal_s = time.monotonic() - t
            t = time.monotonic()
            r = solve_maxcut(g, seed=rep, device="cpu", time_limit=neal_s if args.equal_time else None)
            derand_s = time.monotonic() - t
            c = r.certificate()
            runs.append({"neal_cut": a.cut, "neal_s": neal_s, "derand_cut": r.cut_value, "derand_s": derand_s,
                         "derandomized_cut": c["derandomized_cut"], "polished_cut": c["polished_cut"],
                         "best_found_s": c["best_found_seconds"], "improve_s": c["seconds"].get("improve"),
                         "upper_bound": c["upper_bound"]})
            print(name, rep, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in runs[-1].items()}),
                  flush=True)
        med = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
        med.update(graph=name, n=g.n, best_known=known.get(name), repeats=args.repeats,
                   derand_ge_neal=sum(run["derand_cut"] >= run["neal_cut"] for run in runs))
        rows.append(med)
    header = ("| graph | n | best known | neal cut | neal s | derandomized | polished | derand final | derand s "
              "| best found at s | derand >= neal | upper bound |")
    lines = [header, "|" + "---|" * 12]
    for m in rows:
        lines.append(f"| {m['graph']} | {m['n']} | {m['best_known']:.0f} | {m['neal_cut']:.0f} | {m['neal_s']:.1f} "
                     f"| {m['derandomized_cut']:.0f} | {m['polished_cut']:.0f} | {m['derand_cut']:.0f} "
                     f"| {m['derand_s']:.1f} | {m['best_found_s']:.1f} | {m['derand_ge_neal']}/{m['repeats']} "
                     f"| {m['upper_bound']:.1f} |")
    print("\n".join(lines))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
