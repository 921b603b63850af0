"""Combine runs of `derand benchmark maxcut` with different --seed into one comparison.

One run compares one draw of each method per instance; on instances where
both land within a few units of the optimum, which one wins is then largely
the seed's doing (dwave-neal's own cut of G18 changes with the seed:
benchmarks/results/benchmark_anneal/summary.md). This script reads DIR/seed*/results.csv (one benchmark run per seed,
same instances and methods), takes each method's median cut and median wall
time per instance over the seeds, and writes DIR/summary.md and
DIR/summary.csv: the method given by --method against each other method,
instance by instance, on the medians, and run by run within each seed.

    python benchmarks/combine_seeds.py benchmarks/results/benchmark_anneal --method derand
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from solver.benchmark.maxcut import MAXCUT_COLUMNS
from solver.benchmark.report import has_cut, maxcut_summary, read_rows, write_rows
from solver.io import atomic_write


def load(folder: Path) -> dict[int, list[dict]]:
    """{seed: rows of folder/seed<N>/results.csv}, typed as the benchmark reads them back."""
    runs = {}
    for sub in folder.glob("seed*"):
        if sub.name[4:].isdigit() and (sub / "results.csv").is_file():
            runs[int(sub.name[4:])] = read_rows(sub / "results.csv", MAXCUT_COLUMNS)
    if not runs:
        raise SystemExit(f"error: no {folder}/seed<N>/results.csv found")
    return dict(sorted(runs.items()))


def median_rows(runs: dict[int, list[dict]]) -> list[dict]:
    """One row per (instance, method) that every seed ran: the median cut and the median seconds."""
    by: dict[tuple[str, str], list[dict]] = {}
    for rows in runs.values():
        for r in rows:
            if has_cut(r):
                by.setdefault((r["instance"], r["method"]), []).append(r)
    out = []
    for (instance, method), got in by.items():
        if len(got) != len(runs):
            continue  # compared only where every seed ran
        cut = statistics.median(r["cut"] for r in got)
        best, bound = got[0]["best_known"], got[0]["upper_bound"]
        out.append({"instance": instance, "method": method, "n": got[0]["n"], "status": "ok", "cut": cut,
                    "seconds": statistics.median(r["seconds"] for r in got), "best_known": best,
                    "ratio_best_known": cut / best if best else None,
                    "certified_ratio": cut / bound if bound else None,
                    "cuts": "/".join(f"{r['cut']:g}" for r in got)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="holds seed0/, seed1/, ... (each a benchmark --out folder)")
    ap.add_argument("--method", default="derand", help="the method compared against each other one")
    args = ap.parse_args()
    runs = load(args.folder)
    seeds = list(runs)
    med = median_rows(runs)
    summary = maxcut_summary(med, reference=args.method)
    if args.method not in summary["methods"]:
        raise SystemExit(f"error: --method {args.method!r} is not in the runs "
                         f"(methods: {', '.join(summary['methods'])})")
    per_seed = {s: maxcut_summary(rows, reference=args.method)["wins"] for s, rows in runs.items()}
    by = {(r["instance"], r["method"]): r for r in med}
    instances, methods = summary["instances"], list(summary["methods"])
    me = args.method
    others = [m for m in methods if m != me]

    lines = [f"# {me} against {', '.join(others)} over seeds {', '.join(map(str, seeds))}", "",
             f"Each seed is one run of `derand benchmark maxcut ... --seed N --out {args.folder}/seedN` "
             f"(its command and machine are in seedN/results.md); medians per instance over the seeds.", "",
             "## Summary", ""]
    for o in others:
        w = summary["wins"][o]
        lines.append(f"- median cut of {me} >= {o}'s: **{w['ge']} of {w['of']}** instances "
                     f"({w['ge_in_no_more_time']} of them in no more median wall time)")
        lines.append(f"- run by run, {me}'s cut >= {o}'s: " + "; ".join(
            f"seed {s}: {w[o]['ge']} of {w[o]['of']} ({w[o]['ge_in_no_more_time']} in no more time)"
            for s, w in per_seed.items()))
        both = [i for i in instances if (i, me) in by and (i, o) in by]
        lost = [i for i in both if by[i, me]["cut"] < by[i, o]["cut"]]
        slow = [i for i in both if i not in lost and by[i, me]["seconds"] > by[i, o]["seconds"]]
        if lost:
            lines.append(f"- median cut below {o}'s: " + ", ".join(
                f"{i} ({by[i, me]['cut']:g} vs {by[i, o]['cut']:g})" for i in lost))
        if slow:
            lines.append(f"- median time above {o}'s: " + ", ".join(
                f"{i} ({by[i, me]['seconds']:.2f} s vs {by[i, o]['seconds']:.2f} s)" for i in slow))
    lines += ["", "| method | mean median cut / best known (instances) | median reaches best known | "
              "mean median seconds | median seconds / " + me + " (geo. mean) |", "|---|---:|---:|---:|---:|"]
    for m, f in summary["methods"].items():
        lines.append(f"| {m} | {f['mean_ratio_best_known']:.4f} ({f['with_best_known']}) | "
                     f"{f['reached_best_known']} of {f['with_best_known']} | {f['mean_seconds']:.2f} | "
                     f"{f['time_ratio']:.2f} |")

    cols = ["instance", "n", "best_known"] + [f"{m}_{k}" for m in methods for k in ("cuts", "median_cut",
                                                                                     "median_seconds")]
    table = []
    for i in instances:
        row = {}
        for m in methods:
            r = by.get((i, m))
            if r is not None:
                row.update({"instance": i, "n": r["n"], "best_known": "" if r["best_known"] is None
                            else f"{r['best_known']:g}", f"{m}_cuts": r["cuts"], f"{m}_median_cut": f"{r['cut']:g}",
                            f"{m}_median_seconds": f"{r['seconds']:.2f}"})
        table.append(row)
    lines += ["", "## Per instance (cuts by seed, medians)", "",
              "| " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in table]
    atomic_write(args.folder / "summary.md", "\n".join(lines) + "\n")
    write_rows(args.folder / "summary.csv", table, cols)
    print("\n".join(lines[:lines.index("## Per instance (cuts by seed, medians)")]))


if __name__ == "__main__":
    main()
