"""JL at scale: derand end to end against the working-set minimax at the same time budget.

    python benchmarks/jl_scale.py --sets isotropic swiss-roll --n 10000 --d 1000 --k 50 \
        --out benchmarks/results/jl_scale/n10k
    python benchmarks/jl_scale.py --sets isotropic --n 1000 3000 10000 30000 100000 --d 100 --k 20 \
        --no-minimax --out benchmarks/results/jl_scale/growth

Each case runs in its own process (so its peak memory is its own): derand
(``solver.jl.embed``: derandomization, certificate, continuation, polish,
baselines; seconds per phase), then the minimax baseline from the better of
PCA and a Gaussian draw with a time limit equal to derand's whole run. Every
distortion is certified on all pairs. With ``--plot``, a log-log plot of
seconds per phase against n is written beside the tables.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = ("derandomize", "certify", "continuation", "polish", "baselines")


def run_case(name: str, n: int, d: int, k: int, seed: int, minimax_too: bool, draws: int | None) -> dict:
    import numpy as np
    import torch

    from solver.baselines.projections import gaussian_maps, minimax_map, pca_map
    from solver.jl import embed
    from solver.jl.datasets import make_set
    from solver.jl.distortion import certify_maps

    X = make_set(name, n=n, d=d, seed=seed)
    t = time.monotonic()
    res = embed(X, k, seed=seed, device="cpu", baseline_draws=draws)
    total = time.monotonic() - t
    c = res.certificate
    row = {"set": name, "n": n, "d": d, "k": k, "derand_D": round(c.distortion, 4),
           "derand_eps": round(c.eps_opt, 4), "derandomized_D": round(res.derandomized.distortion, 4),
           "derand_seconds": round(total, 1)}
    for phase in PHASES:
        row[f"{phase}_s"] = round(res.seconds.get(phase, 0.0), 1)
    if res.baselines:
        g = res.baselines["gaussian"]
        row.update({"gaussian_median_D": round(g["median_distortion"], 4),
                    "gaussian_best_D": round(g["best_distortion"], 4), "gaussian_draws": g["draws"],
                    "pca_D": round(res.baselines["pca"]["distortion"], 4)})
    row["derand_status"] = res.status
    if minimax_too:
        t = time.monotonic()
        starts = {"pca": pca_map(X, k), "gaussian": gaussian_maps(d, k, 1, seed=seed + 1)[0]}
        X64 = np.asarray(X, dtype=np.float64)
        certs = certify_maps(X64, [X64 @ M.T for M in starts.values()])
        start = min(zip(starts, certs), key=lambda sc: sc[1].distortion)[0]
        remaining = max(total - (time.monotonic() - t), 1.0)
        mm = minimax_map(X, starts[start], start=start, time_limit=remaining)
        row.update({"minimax_D": round(mm.distortion, 4), "minimax_start": start,
                    "minimax_seconds": round(time.monotonic() - t, 1), "minimax_status": mm.status})
    row["peak_memory_GiB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 2)
    row["torch_threads"] = torch.get_num_threads()
    return row


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(rows, key=lambda r: r["n"])
    ns = [r["n"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for phase in PHASES:
        ax.loglog(ns, [max(r[f"{phase}_s"], 0.05) for r in rows], marker="o", label=phase)
    ax.loglog(ns, [r["derand_seconds"] for r in rows], marker="s", color="black", label="total")
    ref = rows[-1]["certify_s"]
    ax.loglog(ns, [ref * (n / ns[-1]) ** 2 for n in ns], ls=":", color="grey", label="n^2 (from the last scan)")
    ax.set_xlabel("points n")
    ax.set_ylabel("seconds")
    ax.set_title(f"derand jl embed, d={rows[0]['d']}, k={rows[0]['k']}, per phase")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=["isotropic"])
    ap.add_argument("--n", type=int, nargs="+", default=[10000])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=None, help="Gaussian draws (default: embed's)")
    ap.add_argument("--no-minimax", action="store_true")
    ap.add_argument("--plot", action="store_true")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:  # the child: one case, its row as JSON on stdout
        name, n = args.case.split(":")
        print(json.dumps(run_case(name, int(n), args.d, args.k, args.seed, not args.no_minimax, args.draws)))
        return
    from benchmarks.tables import write_tables

    rows = []
    for name in args.sets:
        for n in args.n:
            cmd = [sys.executable, __file__, "--case", f"{name}:{n}", "--d", str(args.d), "--k", str(args.k),
                   "--seed", str(args.seed)] + (["--no-minimax"] if args.no_minimax else []) + (
                   ["--draws", str(args.draws)] if args.draws is not None else [])
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        import torch

        write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
                     f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, CPU, float64.")
        if args.plot:
            plot(rows, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()
