"""Derandomized MAX-CUT against Goemans-Williamson on the same Burer-Monteiro vectors.

    python benchmarks/maxcut_gset.py G1 G11 G14 G22 G43 --out benchmarks/results/maxcut_gset

For each Gset graph: derand's pipeline (SDP, bound, derandomization, polish)
timed end to end in-process, then GW's expectation and best of N hyperplanes
on the very same SDP vectors. Writes CSV and a markdown table. Reads the
Gset folder of :func:`solver.benchmark.instances.default_gset_dir` (override
with --gset).
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import gset_parser, read_named_graph, write_tables  # noqa: E402
from solver.baselines import hyperplane_rounding  # noqa: E402
from solver.benchmark.instances import gset_best_known  # noqa: E402
from solver.maxcut import solve_maxcut  # noqa: E402


def main() -> None:
    ap = gset_parser(__doc__)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="output path without extension")
    args = ap.parse_args()
    known = gset_best_known(args.gset)
    rows = []
    for name in args.graphs:
        t = time.monotonic()
        g = read_named_graph(name, args.gset)
        read_s = time.monotonic() - t
        res = solve_maxcut(g, device="cpu", seed=args.seed)
        total = read_s + res.seconds["total"]
        t = time.monotonic()
        hp = hyperplane_rounding(g, res.sdp.V, trials=args.trials, seed=args.seed + 1)
        hp_s = time.monotonic() - t
        d = res.derandomization
        rows.append({
            "instance": name, "n": g.n, "m": g.m,
            "sdp_value": round(res.sdp.value, 3), "upper_bound": round(res.upper_bound, 3),
            "bound_gap_rel": f"{(res.upper_bound - res.sdp.value) / res.sdp.value:.2e}",
            "gw_expected": round(d.gw_expected, 1), f"gw_best_of_{args.trials}": hp.best_cut,
            "guarantee": round(d.guarantee, 1), "derandomized_cut": d.cut,
            "polished_cut": res.certificate()["polished_cut"], "final_cut": res.cut_value,
            "best_known": known.get(name, ""),
            "certified_ratio": round(res.certified_ratio, 5),
            "pgd_iters": d.iterations, "sosp": d.sosp.is_sosp if d.sosp else False,
            "seconds_total": round(total, 2), "seconds_sdp": round(res.seconds["sdp"], 2),
            "seconds_bound": round(res.seconds["bound"], 2),
            "seconds_derandomize": round(res.seconds["derandomize"], 2),
            "seconds_improve": round(res.seconds.get("improve", 0.0), 2),
            f"seconds_gw_{args.trials}_hyperplanes": round(hp_s, 2),
        })
        print(rows[-1], flush=True)
    write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
                 f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, CPU, float64, seed {args.seed}.")


if __name__ == "__main__":
    main()
