"""Derandomized JL against Gaussian maps, PCA and the direct deterministic minimax, side by side.

    python benchmarks/jl_compare.py --sets isotropic anisotropic clustered pca-trap swiss-roll digits \
        --dims 10 20 --out benchmarks/results/jl_compare

Per set and k: derand end to end (``solver.jl.embed``: derandomization,
continuation, polish; its seconds include its certificates), then the minimax
baseline (``solver.baselines.projections.minimax_map``: the same working-set
machinery, bulk sharpnesses 10 and 30 then the sharp ones) from the better of
PCA and a Gaussian draw, its seconds including the two scans that choose the
start; Gaussian JL (median and best of 100 draws) and PCA. Every distortion is
certified on all pairs.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.jl.datasets import SETS, make_set  # noqa: E402
from benchmarks.tables import write_tables  # noqa: E402
from solver.baselines.projections import gaussian_maps, minimax_map, pca_map  # noqa: E402
from solver.jl import embed  # noqa: E402
from solver.jl.certify import baseline_figures  # noqa: E402
from solver.jl.distortion import certify_maps  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--dims", type=int, nargs="+", default=[10, 20])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-minimax", action="store_true")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = []
    for name in args.sets:
        X = make_set(name, n=args.n, d=args.d, seed=args.seed)
        for k in args.dims:
            t = time.monotonic()
            res = embed(X, k, seed=args.seed, device="cpu", baseline_draws=0)
            derand_s = time.monotonic() - t
            base = baseline_figures(X, k, args.draws, seed=args.seed)
            row = {
                "set": name, "n": X.shape[0], "d": X.shape[1], "k": k,
                "derand_D": round(res.certificate.distortion, 4),
                "derandomized_D": round(res.derandomized.distortion, 4),
                "stage1_eps": round(res.guarantee["eps"], 3),
                "derand_seconds": round(derand_s, 1),
                "gaussian_median_D": round(base["gaussian"]["median_distortion"], 4),
                f"gaussian_best{args.draws}_D": round(base["gaussian"]["best_distortion"], 4),
                "pca_D": round(base["pca"]["distortion"], 4),
            }
            if not args.no_minimax:
                t = time.monotonic()
                starts = {"pca": pca_map(X, k), "gaussian": gaussian_maps(X.shape[1], k, 1, seed=args.seed + 1)[0]}
                certs = certify_maps(X, [X @ M.T for M in starts.values()])
                start = min(zip(starts, certs), key=lambda sc: sc[1].distortion)[0]
                mm = minimax_map(X, starts[start], start=start)
                row["minimax_D"] = round(mm.distortion, 4)
                row["minimax_seconds"] = round(time.monotonic() - t, 1)
                row["minimax_start"] = start
                row["derand_no_worse"] = res.certificate.distortion <= mm.distortion
                row["derand_no_slower"] = derand_s <= time.monotonic() - t
            rows.append(row)
            print(row, flush=True)
    write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
                 f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, CPU, float64.")


if __name__ == "__main__":
    main()
