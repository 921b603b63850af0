"""Combine runs of `derand benchmark maxcut` with different --seed into one comparison.

One run compares one draw of each method per instance; on instances where
both land within a few units of the optimum, which one wins is then largely
the seed's doing (dwave-neal itself gives G18 991, 988, 988, 988 over seeds
0-3). This script reads DIR/seed*/results.csv (one benchmark run per seed,
same instances and methods), takes each method's median cut and median wall
time per instance over the seeds, and writes DIR/summary.md and
DIR/summary.csv: the method given by --method against each other method,
instance by instance, on the medians, and run by run within each seed.

    python benchmarks/combine_seeds.py benchmarks/results/benchmark_anneal --method derand
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def load(folder: Path) -> dict[int, dict[tuple[str, str], dict]]:
    """{seed: {(instance, method): row}} from folder/seed<N>/results.csv, rows with status ok only."""
    runs = {}
    for sub in sorted(folder.glob("seed*")):
        path = sub / "results.csv"
        if not sub.name[4:].isdigit() or not path.is_file():
            continue
        with path.open(newline="") as fh:
            runs[int(sub.name[4:])] = {(r["instance"], r["method"]): r for r in csv.DictReader(fh)
                                       if r.get("status") == "ok" and _float(r.get("cut")) is not None}
    if not runs:
        raise SystemExit(f"error: no {folder}/seed<N>/results.csv found")
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="holds seed0/, seed1/, ... (each a benchmark --out folder)")
    ap.add_argument("--method", default="derand", help="the method compared against each other one")
    args = ap.parse_args()
    runs = load(args.folder)
    seeds = sorted(runs)
    instances = list(dict.fromkeys(i for s in seeds for (i, _) in runs[s]))
    methods = list(dict.fromkeys(m for s in seeds for (_, m) in runs[s]))
    if args.method not in methods:
        raise SystemExit(f"error: --method {args.method!r} is not in the runs (methods: {', '.join(methods)})")
    others = [m for m in methods if m != args.method]

    rows, med = [], {}
    for inst in instances:
        row = {"instance": inst}
        for m in methods:
            got = [runs[s][(inst, m)] for s in seeds if (inst, m) in runs[s]]
            if len(got) != len(seeds):
                continue  # compared only where every seed ran
            cuts = [float(r["cut"]) for r in got]
            secs = [float(r["seconds"]) for r in got]
            med[inst, m] = (statistics.median(cuts), statistics.median(secs))
            row["n"], row["best_known"] = got[0]["n"], got[0].get("best_known", "")
            row[f"{m}_cuts"] = "/".join(f"{c:g}" for c in cuts)
            row[f"{m}_median_cut"] = f"{med[inst, m][0]:g}"
            row[f"{m}_median_seconds"] = f"{med[inst, m][1]:.2f}"
        rows.append(row)

    me = args.method
    lines = [f"# {me} against {', '.join(others)} over seeds {', '.join(map(str, seeds))}", "",
             f"Each seed is one run of `derand benchmark maxcut ... --seed N --out {args.folder}/seedN` "
             f"(its command and machine are in seedN/results.md); medians per instance over the seeds.", "",
             "## Summary", ""]
    for o in others:
        both = [i for i in instances if (i, me) in med and (i, o) in med]
        ge = [i for i in both if med[i, me][0] >= med[i, o][0]]
        fast = [i for i in ge if med[i, me][1] <= med[i, o][1]]
        lines.append(f"- median cut of {me} >= {o}'s: **{len(ge)} of {len(both)}** instances "
                     f"({len(fast)} of them in no more median wall time)")
        per_seed = []
        for s in seeds:
            pairs = [i for i in both if (i, me) in runs[s] and (i, o) in runs[s]]
            cut = lambda i, m: float(runs[s][i, m]["cut"])  # noqa: E731
            sec = lambda i, m: float(runs[s][i, m]["seconds"])  # noqa: E731
            g = [i for i in pairs if cut(i, me) >= cut(i, o)]
            f = [i for i in g if sec(i, me) <= sec(i, o)]
            per_seed.append(f"seed {s}: {len(g)} of {len(pairs)} ({len(f)} in no more time)")
        lines.append(f"- run by run, {me}'s cut >= {o}'s: " + "; ".join(per_seed))
        lost = [i for i in both if i not in ge]
        slow = [i for i in ge if i not in fast]
        if lost:
            lines.append(f"- median cut below {o}'s: " + ", ".join(
                f"{i} ({med[i, me][0]:g} vs {med[i, o][0]:g})" for i in lost))
        if slow:
            lines.append(f"- median time above {o}'s: " + ", ".join(
                f"{i} ({med[i, me][1]:.2f} s vs {med[i, o][1]:.2f} s)" for i in slow))
    lines += ["", "| method | mean median cut / best known (instances) | median reaches best known | "
              "mean median seconds | median seconds / " + me + " (geo. mean) |", "|---|---:|---:|---:|---:|"]
    for m in methods:
        known = [(i, _float(r.get("best_known"))) for i, r in zip(instances, rows)]
        known = [(i, b) for i, b in known if b and (i, m) in med]
        ratio = statistics.fmean(med[i, m][0] / b for i, b in known) if known else float("nan")
        reached = sum(med[i, m][0] >= b for i, b in known)
        secs = [med[i, m][1] for i in instances if (i, m) in med]
        rel = [med[i, m][1] / med[i, me][1] for i in instances if (i, m) in med and (i, me) in med
               and med[i, me][1] > 0]
        geo = statistics.geometric_mean(rel) if rel else float("nan")
        lines.append(f"| {m} | {ratio:.4f} ({len(known)}) | {reached} of {len(known)} | "
                     f"{statistics.fmean(secs):.2f} | {geo:.2f} |")
    cols = ["instance", "n", "best_known"] + [f"{m}_{k}" for m in methods for k in ("cuts", "median_cut",
                                                                                     "median_seconds")]
    lines += ["", "## Per instance (cuts by seed, medians)", "",
              "| " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    (args.folder / "summary.md").write_text("\n".join(lines) + "\n")
    with (args.folder / "summary.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows({c: r.get(c, "") for c in cols} for r in rows)
    print("\n".join(lines[:lines.index("## Per instance (cuts by seed, medians)")]))


if __name__ == "__main__":
    main()
