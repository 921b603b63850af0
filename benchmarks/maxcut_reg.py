"""How the derandomization's lam trades the guarantee against steps and cut quality.

    python benchmarks/maxcut_reg.py G1 G22 G43 --factors 0.001 0.003 0.01 0.03 --out benchmarks/results/maxcut_reg

lam = f * sum|w| / n for each factor f; one SDP per graph, shared by every f.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tables import gset_parser, read_named_graph, write_tables  # noqa: E402
from solver.maxcut import burer_monteiro, derandomize  # noqa: E402


def main() -> None:
    ap = gset_parser(__doc__)
    ap.add_argument("--factors", type=float, nargs="+", default=[0.001, 0.003, 0.01, 0.03])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = []
    for name in args.graphs:
        g = read_named_graph(name, args.gset)
        sdp = burer_monteiro(g, device="cpu", seed=0)
        for f in args.factors:
            d = derandomize(g, sdp.V, reg=f * float(np.abs(g.weights).sum()) / g.n, device="cpu", seed=0)
            rows.append({"instance": name, "factor": f, "gw_expected": round(d.gw_expected, 1),
                         "guarantee": round(d.guarantee, 1), "derandomized_cut": d.cut,
                         "pgd_iters": d.iterations, "sosp": bool(d.sosp and d.sosp.is_sosp),
                         "seconds": round(d.seconds, 2)})
            print(rows[-1], flush=True)
    write_tables(args.out, rows, f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
                 f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, CPU, float64, seed 0.")


if __name__ == "__main__":
    main()
